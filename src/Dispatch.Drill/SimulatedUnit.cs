using System.Threading.Channels;

namespace Dispatch.Drill;

/// <summary>Running totals over every simulated unit, for the summary line.</summary>
public sealed class DrillStats
{
    int _assignments, _onScene, _resolved, _refused, _positions, _failures, _chatPosts, _mentions;

    public int Assignments => _assignments;
    public int OnScene => _onScene;
    public int Resolved => _resolved;
    public int Refused => _refused;
    public int Positions => _positions;
    public int Failures => _failures;
    /// <summary>Lines the units said in chat (on arrival), and messages that named them.</summary>
    public int ChatPosts => _chatPosts;
    public int Mentions => _mentions;

    internal void Count(UnitStep step, UnitReply reply)
    {
        if (!reply.Ok)
        {
            if (step is not UnitStep.Ack) Interlocked.Increment(ref _refused);
            return;
        }
        switch (step)
        {
            case UnitStep.AcceptAndGo: Interlocked.Increment(ref _assignments); break;
            case UnitStep.OnScene: Interlocked.Increment(ref _onScene); break;
            case UnitStep.Resolve: Interlocked.Increment(ref _resolved); break;
            case UnitStep.Position: Interlocked.Increment(ref _positions); break;
        }
    }

    internal void CountFailure() => Interlocked.Increment(ref _failures);
    internal void CountChatPost() => Interlocked.Increment(ref _chatPosts);
    internal void CountMention() => Interlocked.Increment(ref _mentions);
}

/// <summary>A step the unit took and how the server answered.</summary>
public sealed record UnitStepDone(DrillUnit Unit, UnitStep Step, UnitReply Reply);

/// <summary>
/// One simulated unit at work: its phone (<see cref="UnitPhone"/>) and its decisions (<see cref="UnitBrain"/>), one
/// input at a time — a pushed message or a tick of the clock — so the brain never sees two things at once.
/// <see cref="Stepped"/> tells what it did and how the server answered; <see cref="Stop"/> signs it out cleanly.
/// </summary>
public sealed class SimulatedUnit(DrillUnit unit, Uri server, UnitHabits habits, TimeProvider clock, TimeSpan tickEvery, Random random,
    DrillStats stats, Action<string> log)
{
    readonly Channel<UnitMessage> _inbox = Channel.CreateUnbounded<UnitMessage>(new() { SingleReader = true });
    readonly UnitBrain _brain = new(unit.Home, habits, random);
    UnitPhone? _phone;
    ChatLine? _chat;

    /// <summary>What a crew says in its incident's channel on arrival.</summary>
    public const string ArrivalLine = "到达现场";

    public DrillUnit Unit => unit;
    public UnitBrain Brain => _brain;
    public int Reconnects => _phone?.Reconnects ?? 0;

    /// <summary>On duty as far as the drill knows (patrolling, driving or working).</summary>
    public bool OnDuty => _brain.Activity is UnitActivity.Patrolling or UnitActivity.Driving or UnitActivity.Working;

    public event Action<UnitStepDone>? Stepped;

    /// <summary>Signs in, connects, goes on duty and works until <paramref name="ct"/> is cancelled; then call <see cref="Stop"/>.</summary>
    public async Task Run(CancellationToken ct)
    {
        try { await Work(ct); }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    async Task Work(CancellationToken ct)
    {
        _phone = await UnitPhone.Connect(server, unit.Login, unit.Password, async batch =>
        {
            foreach (var message in batch) await _inbox.Writer.WriteAsync(message);
        }, log, ct);
        await ConnectChat(ct);
        var me = await _phone.Me(ct);
        await Do(_brain.Start(me, clock.GetUtcNow()), ct);

        using var ticks = new PeriodicTimer(tickEvery, clock);
        var tick = ticks.WaitForNextTickAsync(ct).AsTask();
        var message = _inbox.Reader.WaitToReadAsync(ct).AsTask();
        while (true)
        {
            await Task.WhenAny(tick, message);
            if (ct.IsCancellationRequested) return;
            // Messages first: what the server said may change what the time that passed means (released, sent elsewhere).
            if (message.IsCompleted)
            {
                while (_inbox.Reader.TryRead(out var m)) await Do(_brain.Receive(m, clock.GetUtcNow()), ct);
                message = _inbox.Reader.WaitToReadAsync(ct).AsTask();
            }
            if (tick.IsCompleted)
            {
                await Do(_brain.Tick(clock.GetUtcNow()), ct);
                tick = ticks.WaitForNextTickAsync(ct).AsTask();
            }
        }
    }

    /// <summary>Clears its incident if it is on one, goes off duty, signs out and hangs up; true when all of that went through.</summary>
    public async Task<bool> Stop()
    {
        if (_phone is null) return false;
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            if (_brain.Job is not null || (await _phone.Me(patience.Token)).IncidentId is not null)
                await Do([new UnitStep.Clear()], patience.Token);
            var offDuty = await _phone.Call(UnitHubMethods.OffDuty, [], patience.Token);
            if (!offDuty.Ok && offDuty.Code != "off-duty.already")
                log($"{unit.CallSign}: off duty refused ({offDuty.Code}): {offDuty.Message}");
            await _phone.SignOut(patience.Token);
            return offDuty.Ok || offDuty.Code == "off-duty.already";
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            log($"{unit.CallSign}: could not sign out cleanly: {e.Message}");
            return false;
        }
        finally
        {
            if (_chat is not null) await _chat.DisposeAsync();
            _chat = null;
            await _phone.DisposeAsync();
            _phone = null;
        }
    }

    /// <summary>Makes the calls in order; a refusal goes back to the brain, which may replace what was left to do.</summary>
    async Task Do(IReadOnlyList<UnitStep> steps, CancellationToken ct)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            // A fix taken while the phone is offline is not worth waiting for: the next one will be fresher.
            if (step is UnitStep.Position && !_phone!.Connected) continue;
            UnitReply reply;
            try { reply = await Call(step, ct); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
            catch (Exception e)
            {
                // The server is unreachable even after a reconnect: log it, and let the next tick or message carry on.
                stats.CountFailure();
                log($"{unit.CallSign}: {Describe(step)} failed: {e.Message}");
                return;
            }
            stats.Count(step, reply);
            if (reply.Ok && step is UnitStep.OnScene arrived) await SayArrived(arrived, ct);
            Stepped?.Invoke(new UnitStepDone(unit, step, reply));
            if (reply.Ok) continue;
            if (step is not UnitStep.Position || reply.Code != "position.off-duty")
                log($"{unit.CallSign}: {Describe(step)} refused ({reply.Code}): {reply.Message}");
            if (_brain.Refused(step, reply.Code) is { } instead)
            {
                steps = instead;
                i = -1;
            }
        }
    }

    /// <summary>
    /// The unit's chat, on the same session as its phone: it hears its incident's and its department's channels and its
    /// direct messages, and logs (and counts) those that name it. A server without chat leaves the unit without it.
    /// </summary>
    async Task ConnectChat(CancellationToken ct)
    {
        try
        {
            _chat = await ChatLine.Connect(_phone!.Session, message =>
            {
                if (message.MentionsMe)
                {
                    stats.CountMention();
                    log($"{unit.CallSign}: named in {message.Channel}: {ChatLine.Format(message)}");
                }
                return Task.CompletedTask;
            }, ct: ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log($"{unit.CallSign}: no chat: {e.Message}");
        }
    }

    /// <summary>On scene: a short line in the incident's channel, as a crew would type it.</summary>
    async Task SayArrived(UnitStep.OnScene arrived, CancellationToken ct)
    {
        if (_chat is null) return;
        try
        {
            var reply = await _chat.Post($"incident:{arrived.IncidentId:N}", ArrivalLine, ct);
            if (reply.Ok) stats.CountChatPost();
            else log($"{unit.CallSign}: chat refused ({reply.Code}): {reply.Text}");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log($"{unit.CallSign}: chat failed: {e.Message}");
        }
    }

    async Task<UnitReply> Call(UnitStep step, CancellationToken ct)
    {
        var phone = _phone!;
        return step switch
        {
            UnitStep.Ack a => new UnitReply(true, Version: await phone.Ack(a.Seq, ct) ? 1 : 0),
            UnitStep.OnDuty => await phone.Call(UnitHubMethods.OnDuty, [], ct),
            UnitStep.AcceptAndGo => await phone.Call(UnitHubMethods.AcceptAndGo, [], ct),
            UnitStep.OnScene => await phone.Call(UnitHubMethods.OnScene, [], ct),
            UnitStep.Note n => await phone.Call(UnitHubMethods.Note, [n.Text], ct),
            UnitStep.Resolve r => await phone.Call(UnitHubMethods.Resolve, [r.Text], ct),
            UnitStep.Clear => await phone.Call(UnitHubMethods.Clear, [], ct),
            UnitStep.Position p => await phone.Call(UnitHubMethods.Position, [p.At.Lat, p.At.Lon, 10.0, p.ReportedAt], ct),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step.ToString()),
        };
    }

    static string Describe(UnitStep step) => step switch
    {
        UnitStep.AcceptAndGo a => $"accept {a.Number}",
        UnitStep.OnScene o => $"on scene at {o.Number}",
        _ => step.GetType().Name,
    };
}
