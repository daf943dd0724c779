using System.Collections.Concurrent;
using System.Threading.Channels;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Units.Positions;

/// <summary>
/// The geofence of each unit's home jurisdiction (<see cref="HomeArea"/>), from the jurisdiction tree's boundaries: the
/// writer hands it every committed fix with the unit's home and whether its roster line says it is outside now; it places
/// the fix (the tree's own point-in-polygon) and, when that contradicts the line (outside while recorded inside, or back),
/// runs the decision on the locked unit through the pipeline as the system: <see cref="UnitLeftArea"/> or
/// <see cref="UnitReturnedToArea"/> on the unit's stream, once per transition. What it decided last per unit keeps the fixes
/// that follow (before the line catches up) from asking again. Never on the report's path.
/// </summary>
public sealed class AreaWatch(JurisdictionTree tree, CommandPipeline pipeline, ILogger<AreaWatch> log) : BackgroundService
{
    public sealed record Candidate(UnitFix Fix, bool Inside);

    readonly Channel<IReadOnlyList<Candidate>> _queue =
        Channel.CreateBounded<IReadOnlyList<Candidate>>(new BoundedChannelOptions(1000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
    // What this node last knew: true inside, false outside.
    readonly ConcurrentDictionary<Guid, bool> _inside = new();

    /// <summary>Whether the fix lies inside the unit's home (null: the home is not in the tree, no fence to keep).</summary>
    public bool? Inside(string homePath, double lat, double lon)
    {
        if (tree.Find(homePath[(homePath.LastIndexOf('/') + 1)..]) is not { } home || home.Path != homePath) return null;
        return tree.Place(lat, lon).Finest is { } placed && AccessRules.Covers(home.Path, placed.Path);
    }

    internal void Consider(IEnumerable<(UnitFix Fix, string? Home, bool Outside)> fixes)
    {
        var changed = new List<Candidate>();
        foreach (var (fix, home, outside) in fixes)
        {
            if (home is null || Inside(home, fix.Lat, fix.Lon) is not { } inside) continue;
            if (inside != outside)
            {
                // As the line says: no transition (and what was decided here is on the line now).
                _inside.TryRemove(fix.UnitId, out _);
                continue;
            }
            if (_inside.TryGetValue(fix.UnitId, out var decided) && decided == inside) continue; // decided already, line not caught up
            changed.Add(new Candidate(fix, inside));
        }
        if (changed.Count > 0) _queue.Writer.TryWrite(changed);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                // Per unit, its newest fix decides (an older one in the same burst says less about where it is now).
                var newest = new Dictionary<Guid, Candidate>();
                while (_queue.Reader.TryRead(out var some))
                    foreach (var c in some)
                        if (!newest.TryGetValue(c.Fix.UnitId, out var known) || c.Fix.ReportedAt > known.Fix.ReportedAt) newest[c.Fix.UnitId] = c;
                foreach (var candidate in newest.Values)
                {
                    try { await Decide(candidate, ct); }
                    catch (Exception ex) when (ex is not OperationCanceledException) { log.LogWarning(ex, "Could not decide the home area of unit {Unit}", candidate.Fix.UnitId); }
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    async Task Decide(Candidate candidate, CancellationToken ct)
    {
        var fix = candidate.Fix;
        var recorded = await pipeline.Run<bool>(CommandPipeline.System, Via.System, "unit.area", async work =>
        {
            if ((await work.Unit(fix.UnitId)).Aggregate is not { } unit) return Decided.Nothing(false);
            var decision = HomeArea.Decide(unit, candidate.Inside, fix.Lat, fix.Lon, fix.ReportedAt, CommandPipeline.System.Login, work.Now);
            if (decision.Events.Count == 0) return Decided.Nothing(false);
            return Decided.With<bool>([new UnitDecided(unit.Id, decision.Events),
                new AuditLine(candidate.Inside ? "unit.returned-to-area" : "unit.left-area", unit.HomePath, unit.CallSign)], _ => true);
        }, ct);
        _inside[fix.UnitId] = candidate.Inside;
        if (recorded) log.LogInformation("Unit {Unit} {Moved} its home area", fix.UnitId, candidate.Inside ? "came back into" : "left");
    }
}
