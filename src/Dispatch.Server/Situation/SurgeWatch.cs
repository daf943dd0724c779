using Dispatch.Domain.Warning;
using Dispatch.Server.Live;
using JasperFx;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Situation;

/// <summary>
/// The early warning (预测预警): looks for surges per category × town (<see cref="SurgeRule"/>) in the counts this node's
/// <see cref="SituationFeed"/> keeps, whenever reports arrive (the feed's coalesced change), when the oldest report of a
/// running surge leaves the window, and at each quarter-hour (the baseline moves with the time of day), on the injected
/// clock. It records a surge's start and end on the pair's own stream (<see cref="SurgeKey.StreamId"/>): the stream is
/// locked and the rule decided again on what it holds, so with several nodes each watching, a surge is recorded exactly
/// once; the losers find it already running and record nothing.
/// <para>
/// <see cref="Recorded"/> is the one place to hook "a surge was detected" (e.g. posting to the city channel): it is raised
/// after the commit, on the node that recorded it, once per surge across all nodes. Every node's screens hear it through
/// the surge NOTIFY (<see cref="SituationFeed.SurgeChannel"/>), sent in the same transaction.
/// </para>
/// </summary>
public sealed class SurgeWatch(Pipeline.CommandPipeline pipeline, SituationFeed feed, SurgeSettings settings, TimeProvider clock,
    Jurisdictions.JurisdictionTree tree, ILogger<SurgeWatch> log)
    : BackgroundService
{
    /// <summary>The watch looks at least this often (the quarter-hours come sooner anyway).</summary>
    internal static readonly TimeSpan LongestNap = TimeSpan.FromHours(1);

    readonly ClockedLoop _loop = new(clock, LongestNap, log, "surge watch");

    /// <summary>Rounds completed so far.</summary>
    public long Rounds => _loop.Rounds;

    /// <summary>Raised after each round, with the clock's time the round looked at.</summary>
    public event Action<DateTimeOffset>? RoundCompleted
    {
        add => _loop.RoundCompleted += value;
        remove => _loop.RoundCompleted -= value;
    }

    /// <summary>
    /// Raised once per surge across all nodes, after its <see cref="SurgeDetected"/> committed, on the node that recorded
    /// it. Handlers run in turn; a failing handler is logged and does not undo the record.
    /// </summary>
    public event Func<SurgeDetected, Task>? Recorded;

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try { await feed.Loaded.WaitAsync(ct); }
        catch (OperationCanceledException) { return; }
        using var changes = feed.Subscribe(() =>
        {
            _loop.Wake();
            return Task.CompletedTask;
        });
        await _loop.RunAsync(async (now, token) => (await Round(now, token), now), ct);
    }

    /// <summary>One look at every pair with reports in the window or a running surge; returns when to look again.</summary>
    async Task<DateTimeOffset> Round(DateTimeOffset now, CancellationToken ct)
    {
        var (candidates, drop, zone) = feed.Read(ledger =>
        {
            ledger.Rollover(now);
            var counts = ledger.WindowCounts(now);
            var running = ledger.ActiveSurges.ToDictionary(s => new SurgeKey(s.Town, s.Category));
            var found = new List<(SurgeKey Key, int Count, SurgeBaseline Usual)>();
            foreach (var key in counts.Keys.Union(running.Keys))
            {
                var count = counts.GetValueOrDefault(key);
                var usual = ledger.Tally.Baseline(key, now, settings);
                var state = running.TryGetValue(key, out var card) ? new SurgeState(key.StreamId, key, true, card.DetectedAt, card.Surges) : null;
                if (SurgeRule.Decide(state, key, count, usual, settings, now) is not null) found.Add((key, count, usual));
            }
            return (found, ledger.NextDrop(running.Keys.ToHashSet(), now), ledger.Tally.Zone);
        });
        foreach (var (key, count, usual) in candidates) await Record(key, count, usual, now, ct);

        // The next quarter-hour of local time, when the baseline's window moves on to the next one.
        var intoSlot = TimeZoneInfo.ConvertTime(now, zone).DateTime.Ticks % ReportTally.Slot.Ticks;
        var nextSlot = now + TimeSpan.FromTicks(ReportTally.Slot.Ticks - intoSlot);
        return drop is { } d && d < nextSlot ? d : nextSlot;
    }

    /// <summary>Decides again under the pair's stream lock and records what the rule says (once, whichever node is first).</summary>
    async Task Record(SurgeKey key, int count, SurgeBaseline usual, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                var happened = await pipeline.Run(CommandPipeline.System, Via.System, "surge.watch", async work =>
                {
                    var stream = await work.Surge(key.StreamId);
                    if (SurgeRule.Decide(stream.Aggregate, key, count, usual, settings, now) is not { } decided) return Decided.Nothing<object?>(null);
                    List<Effect> effects = [new SurgeDecided(key.StreamId, decided)];
                    // The city channel hears of it in the same transaction: once per surge, whichever node records it.
                    if (decided is SurgeDetected surge) effects.Add(new PostToChat([SurgeMessage(surge)]));
                    return Decided.With<object?>(effects, _ => decided);
                }, ct);
                if (happened is SurgeDetected detected)
                {
                    log.LogWarning("Surge of {Category} in {Town}: {Count} reports in {Window} against a usual {Usual}",
                        detected.Category, detected.Town, detected.Count, detected.Window, detected.Usual);
                    await RaiseRecorded(detected);
                }
                else if (happened is not null) log.LogInformation("Surge of {Category} in {Town} ended", key.Category, key.Town);
                return;
            }
            // Another node started the pair's stream at the same moment: look again at what it recorded.
            catch (Exception ex) when (ex is ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException) { }
        }
    }

    Domain.Chat.ChannelMessagePosted SurgeMessage(SurgeDetected surge) => new(
        Domain.Chat.Channels.Node(tree.City.Path).Key, Domain.Chat.MessageKind.System, Domain.Chat.Mentions.Platform, "", "", [], null, surge.At,
        new Domain.Chat.ChatResult("system.surge", [
            tree.NameOf(surge.Town), surge.Category,
            surge.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            surge.Usual.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture),
            ((int)surge.Window.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture)]));

    async Task RaiseRecorded(SurgeDetected detected)
    {
        if (Recorded is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<SurgeDetected, Task>>())
        {
            try { await handler(detected); }
            catch (Exception ex) { log.LogError(ex, "A surge hook failed for {Category} in {Town}", detected.Category, detected.Town); }
        }
    }
}
