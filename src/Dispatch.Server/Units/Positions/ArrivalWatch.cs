using System.Collections.Concurrent;
using System.Threading.Channels;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Marten;

namespace Dispatch.Server.Units.Positions;

/// <summary>
/// Turns the one position transition that matters to an incident's record into an event: a dispatched or en-route unit
/// first coming within <c>Dispatch:Positions:NearSceneMeters</c> (150 m) of its incident (<see cref="NearScene"/>). The writer
/// hands it the committed fixes of travelling units after each flush; it measures them against the incidents' locations
/// (one load per batch) and, for a fix near enough, runs the command through the pipeline as the system: lock the incident,
/// then the unit, decide on what they hold now, write <see cref="IncidentUnitArrivedNearScene"/> on the incident (its
/// timeline shows it). The incident remembers it, so the event is written once per trip whatever the number of fixes or
/// nodes; this node also remembers it, so later fixes of that trip cost nothing. Never on the report's path: a slow
/// incident lock does not slow a position's answer.
/// </summary>
public sealed class ArrivalWatch : BackgroundService
{
    public sealed record Candidate(UnitFix Fix, Guid IncidentId);

    readonly Channel<IReadOnlyList<Candidate>> _queue =
        Channel.CreateBounded<IReadOnlyList<Candidate>>(new BoundedChannelOptions(1000) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
    // Trips already recorded near the scene (unit, incident): their later fixes need no look.
    readonly ConcurrentDictionary<(Guid Unit, Guid Incident), bool> _arrived = new();
    readonly IDocumentStore _store;
    readonly CommandPipeline _pipeline;
    readonly PositionSettings _settings;
    readonly ILogger<ArrivalWatch> _log;

    public ArrivalWatch(IDocumentStore store, CommandPipeline pipeline, PositionSettings settings, ILogger<ArrivalWatch> log) =>
        (_store, _pipeline, _settings, _log) = (store, pipeline, settings, log);

    internal void Consider(IReadOnlyList<Candidate> candidates)
    {
        var fresh = candidates.Where(c => !_arrived.ContainsKey((c.Fix.UnitId, c.IncidentId))).ToList();
        if (fresh.Count > 0) _queue.Writer.TryWrite(fresh);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                var candidates = new List<Candidate>();
                while (_queue.Reader.TryRead(out var some)) candidates.AddRange(some);
                try { await Look(candidates, ct); }
                catch (Exception ex) when (ex is not OperationCanceledException) { _log.LogWarning(ex, "Could not look at {Count} fixes near scenes", candidates.Count); }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
    }

    async Task Look(List<Candidate> candidates, CancellationToken ct)
    {
        IReadOnlyList<IncidentCard> cards;
        await using (var query = _store.QuerySession())
            cards = await query.LoadManyAsync<IncidentCard>(ct, candidates.Select(c => c.IncidentId).Distinct().ToArray());
        var scenes = cards.Where(c => c.Location is not null).ToDictionary(c => c.Id, c => c.Location!);
        // Per trip, the earliest fix near enough (the first time it came near).
        var near = candidates
            .Where(c => scenes.TryGetValue(c.IncidentId, out var scene)
                        && Domain.Geo.DistanceMeters(scene.Lat, scene.Lon, c.Fix.Lat, c.Fix.Lon) <= _settings.NearSceneMeters)
            .GroupBy(c => (c.Fix.UnitId, c.IncidentId))
            .Select(g => g.MinBy(c => c.Fix.ReportedAt)!);
        foreach (var candidate in near)
        {
            if (_arrived.ContainsKey((candidate.Fix.UnitId, candidate.IncidentId))) continue;
            if (await Record(candidate, ct)) _arrived[(candidate.Fix.UnitId, candidate.IncidentId)] = true;
        }
        // Finished trips are forgotten now and then; a forgotten one costs one more look, which finds it recorded.
        if (_arrived.Count > 100_000) _arrived.Clear();
    }

    /// <summary>Decides the arrival on the locked incident and unit; true when the trip is recorded near (now or before).</summary>
    async Task<bool> Record(Candidate candidate, CancellationToken ct)
    {
        var fix = candidate.Fix;
        return await _pipeline.Run<bool>(CommandPipeline.System, Via.System, "unit.arrival", async work =>
        {
            var incident = (await work.Incident(candidate.IncidentId)).Aggregate;
            var unit = (await work.Unit(fix.UnitId)).Aggregate;
            if (incident is null || unit is null) return Decided.Nothing(false);
            var card = await work.Query.LoadAsync<IncidentCard>(incident.Id, work.Cancellation);
            var decision = NearScene.Arrived(incident, card?.Location, unit, fix.Lat, fix.Lon, fix.ReportedAt, CommandPipeline.System.Login, work.Now,
                _settings.NearSceneMeters);
            var already = incident.Units.Any(u => u.Id == unit.Id && u.NearScene);
            if (decision.Events.Count == 0) return Decided.Nothing(already);
            _log.LogInformation("{CallSign} arrived near the scene of {Number}", unit.CallSign, incident.Number);
            return Decided.With<bool>([new IncidentDecided(incident.Id, decision.Events, TellCrews: false)], _ => true);
        }, ct);
    }
}
