using System.Collections.Concurrent;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Pipeline;
using Marten;

namespace Dispatch.Server.Units.Positions;

/// <summary>
/// The edge of the telemetry path (positions are telemetry, not commands: issue 15). A report from the unit's hub or the
/// API is checked here — the unit exists, the caller may report for it (<see cref="AccessRules.MayCommand"/>, the rule of
/// the unit command it replaces), the fix is possible (<see cref="PositionFix.Check"/>, the same refusal codes) — without
/// taking the unit's lock or writing an event, then waits for its batch (<see cref="PositionWriter"/>) and is answered
/// once that batch has committed. The off-duty rule is decided in the batch's own statement, against the committed status.
/// What a unit is (home, department, sign-in: fixed at registration) is kept per unit on the node; its version follows the
/// roster's pushes.
/// </summary>
public sealed class PositionReports
{
    readonly ConcurrentDictionary<Guid, UnitRosterEntry> _units = new();
    readonly IDocumentStore _store;
    readonly PositionWriter _writer;
    readonly CommandPipeline _pipeline;
    readonly TimeProvider _clock;

    public PositionReports(IDocumentStore store, PositionWriter writer, CommandPipeline pipeline, UnitFeed feed, TimeProvider clock)
    {
        (_store, _writer, _pipeline, _clock) = (store, writer, pipeline, clock);
        // Only the lines already known are refreshed (their version and status, for the answer).
        feed.Subscribe(line =>
        {
            if (line is null) _units.Clear();
            else if (_units.TryGetValue(line.Id, out var known) && known.Version < line.Version) _units[line.Id] = line;
            return Task.CompletedTask;
        });
    }

    public const string FailedCode = "position.unavailable";
    public const string FailedText = "The position could not be kept (503): the database did not take it; send it again.";

    public async Task<UnitOutcome> Report(Actor actor, Guid unitId, ReportPosition fix, Via via, CancellationToken ct = default)
    {
        if (await Unit(unitId, ct) is not { } line) return new UnitOutcome.NotFound(unitId);
        var unit = line.ToUnit();
        if (!AccessRules.MayCommand(actor, unit, fix))
            return new UnitOutcome.Forbidden(await _pipeline.Deny(actor, via, "unit.position", unit.HomePath,
                $"{actor.Login} may not position units at {unit.HomePath}.", ct: ct));
        var now = _clock.GetUtcNow();
        if (PositionFix.Check(unit.CallSign, fix.Lat, fix.Lon, fix.AccuracyMeters, fix.ReportedAt, now) is { } impossible)
            return new UnitOutcome.Refused(impossible);
        var pending = new PendingFix(unitId, unit.CallSign, fix.Lat, fix.Lon, fix.AccuracyMeters, fix.ReportedAt, now);
        // Past what this node can write: refused like every other command past the ceiling (503 + Retry-After, "overloaded";
        // the hub's reply says the same), and counted with them.
        if (!_writer.TryQueue(pending))
        {
            DispatchMetrics.CommandShed(via, "unit.position", System.Diagnostics.Stopwatch.GetTimestamp());
            throw new OverloadedException(retryAfterSeconds: 1);
        }
        // Not cancelled with the caller: once queued, the fix is written or not whatever the caller does.
        return await pending.Answer switch
        {
            FixAnswer.Kept => new UnitOutcome.Done(unitId, (_units.TryGetValue(unitId, out var known) ? known : line).Version),
            FixAnswer.OffDuty => new UnitOutcome.Refused(PositionFix.OffDuty(unit.CallSign)),
            _ => new UnitOutcome.Unavailable(FailedCode, FailedText),
        };
    }

    async Task<UnitRosterEntry?> Unit(Guid unitId, CancellationToken ct)
    {
        if (_units.TryGetValue(unitId, out var known)) return known;
        await using var query = _store.QuerySession();
        if (await query.LoadAsync<UnitRosterEntry>(unitId, ct) is not { } line) return null;
        return _units.GetOrAdd(unitId, line);
    }
}
