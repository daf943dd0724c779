using System.Collections.Concurrent;
using System.Threading.Channels;
using Dispatch.Domain.Units;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Drill;

/// <summary>
/// A unit's phone for the failover and rolling drills: like <c>bench-assign</c>'s, it acknowledges, accepts and
/// clears every assignment, and it keeps the books the drills check — each delivery by sequence number (a delivery of
/// a message already acknowledged is a duplicate; one not yet acknowledged is the server's redelivery after a drop),
/// each incident it was sent, and when its connection dropped and came back.
/// </summary>
sealed class DrillPhone
{
    readonly DrillUnit _unit;
    readonly Func<double> _now;
    readonly Channel<UnitMessage> _work = Channel.CreateUnbounded<UnitMessage>(new() { SingleReader = true });
    readonly ConcurrentDictionary<Guid, TaskCompletionSource> _expected = new();
    readonly Lock _gate = new();
    readonly Dictionary<long, int> _deliveries = [];
    readonly HashSet<long> _acked = [];
    readonly Dictionary<Guid, long> _assignments = [];
    readonly HashSet<Guid> _dispatched = [];
    readonly List<double> _dropped = [], _reconnected = [];
    int _duplicates, _redelivered;
    UnitPhone _phone = null!;
    Task _loop = Task.CompletedTask;

    DrillPhone(DrillUnit unit, Func<double> now) => (_unit, _now) = (unit, now);

    public DrillUnit Unit => _unit;

    public static async Task<DrillPhone> Start(DrillUnit unit, Uri url, Random random, Func<double> now)
    {
        var drill = new DrillPhone(unit, now);
        drill._phone = await UnitPhone.Connect(url, unit.Login, unit.Password, drill.Received, Units.Log);
        drill._phone.Connection.Reconnecting += _ =>
        {
            lock (drill._gate) drill._dropped.Add(now());
            return Task.CompletedTask;
        };
        drill._phone.Connection.Reconnected += _ =>
        {
            lock (drill._gate) drill._reconnected.Add(now());
            return Task.CompletedTask;
        };
        var me = await drill._phone.Me();
        if (me.IncidentId is not null) await drill.Must(UnitHubMethods.Clear);
        if (me.Status == UnitStatus.OffDuty) await drill.Must(UnitHubMethods.OnDuty);
        LatLon at;
        lock (random) at = unit.Home.RandomPoint(random);
        drill.Position = at;
        await drill.Must(UnitHubMethods.Position, at.Lat, at.Lon, 10.0, DateTimeOffset.UtcNow);
        drill._loop = drill.Work();
        return drill;
    }

    /// <summary>Where it reported itself at start (dispatches go to incidents near it).</summary>
    public LatLon Position { get; private set; }

    /// <summary>Completes when the assignment for the incident has arrived and the unit accepted and cleared it.</summary>
    public Task Expect(Guid incident) => _expected.GetOrAdd(incident, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Forget(Guid incident) => _expected.TryRemove(incident, out _);

    /// <summary>The dispatch of the incident to this unit was answered 2xx: the assignment must arrive.</summary>
    public void Dispatched(Guid incident)
    {
        lock (_gate) _dispatched.Add(incident);
    }

    Task Received(IReadOnlyList<UnitMessage> batch)
    {
        lock (_gate)
            foreach (var message in batch)
            {
                var seen = _deliveries.GetValueOrDefault(message.Seq);
                _deliveries[message.Seq] = seen + 1;
                if (_acked.Contains(message.Seq)) _duplicates++;
                else if (seen > 0) _redelivered++;
                else if (message.Read() is AssignmentMessage { IncidentId: var id })
                {
                    // The same incident under a second sequence number is a duplicate too.
                    if (!_assignments.TryAdd(id, message.Seq)) _duplicates++;
                }
            }
        foreach (var message in batch) _work.Writer.TryWrite(message);
        return Task.CompletedTask;
    }

    async Task Work()
    {
        var handled = new HashSet<long>();
        await foreach (var message in _work.Reader.ReadAllAsync())
        {
            try
            {
                if (await _phone.Ack(message.Seq))
                    lock (_gate) _acked.Add(message.Seq);
                if (!handled.Add(message.Seq) || message.Read() is not AssignmentMessage { IncidentId: var id }) continue;
                if (!_expected.TryGetValue(id, out var expected)) continue; // one left from an earlier run: cleared at start
                var accepted = await _phone.Call(UnitHubMethods.AcceptAndGo, []);
                var cleared = await _phone.Call(UnitHubMethods.Clear, []);
                if (!accepted.Ok && accepted.Code?.EndsWith(".already", StringComparison.Ordinal) != true)
                    Units.Log($"{_unit.CallSign}: accept refused ({accepted.Code}): {accepted.Message}");
                if (!cleared.Ok && cleared.Code?.EndsWith(".already", StringComparison.Ordinal) != true)
                    Units.Log($"{_unit.CallSign}: clear refused ({cleared.Code}): {cleared.Message}");
                expected.TrySetResult();
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Not acknowledged: the server sends it again after the reconnect, and it is handled then.
                handled.Remove(message.Seq);
                Units.Log($"{_unit.CallSign}: {e.Message}");
            }
        }
    }

    async Task Must(string method, params object?[] args)
    {
        var reply = await _phone.Call(method, args);
        if (!reply.Ok && reply.Code?.EndsWith(".already", StringComparison.Ordinal) != true)
            throw new InvalidOperationException($"{method} refused ({reply.Code}): {reply.Message}");
    }

    public PhoneTally Tally()
    {
        lock (_gate)
            return new(_unit.CallSign, [.. _dispatched], [.. _assignments.Keys], _duplicates, _redelivered, [.. _dropped], [.. _reconnected],
                _phone.Connected);
    }

    public async Task Stop()
    {
        _work.Writer.TryComplete();
        await _loop;
        await _phone.LeaveAndClose(_unit.CallSign);
    }
}
