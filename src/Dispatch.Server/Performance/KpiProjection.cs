using Dispatch.Domain.Incidents;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace Dispatch.Server.Performance;

/// <summary>
/// Keeps the <see cref="KpiDay"/> rows from the incident events, through <see cref="KpiFold"/>.
/// Registered as an async projection: the daemon runs it on one node, one batch after another, so adding to a
/// day's row never races another commit (inline, two incidents committing at once would both read the same row
/// and one count would be lost). Each batch loads the incidents' remembered state and the rows it touches, folds
/// the events in order in memory, and stores the results in the batch's own transaction with its progress.
/// </summary>
public sealed class KpiProjection(TimeZoneInfo zone) : IProjection
{
    public const string Name = "Kpis";

    public async Task ApplyAsync(IDocumentOperations operations, IReadOnlyList<IEvent> events, CancellationToken cancellation)
    {
        var steps = events.Where(e => e.Data is IIncidentEvent).ToList();
        if (steps.Count == 0) return;

        var ids = steps.Select(e => ((IIncidentEvent)e.Data).IncidentId).Distinct().ToList();
        var incidents = (await operations.LoadManyAsync<KpiIncident>(cancellation, ids)).ToDictionary(i => i.Id);
        var touched = new HashSet<Guid>();
        var facts = new List<KpiFact>();
        foreach (var e in steps)
        {
            var id = ((IIncidentEvent)e.Data).IncidentId;
            var (incident, moved) = KpiFold.Apply(incidents.GetValueOrDefault(id), e.Data, zone);
            if (incident is null) continue;
            incidents[id] = incident;
            touched.Add(id);
            facts.AddRange(moved);
        }

        var rowIds = facts.Select(f => f.RowId).Distinct().ToList();
        var rows = rowIds.Count == 0
            ? []
            : (await operations.LoadManyAsync<KpiDay>(cancellation, rowIds)).ToDictionary(r => r.Id);
        foreach (var fact in facts)
        {
            if (!rows.TryGetValue(fact.RowId, out var row)) rows[fact.RowId] = row = KpiDay.For(fact);
            row.Add(fact);
        }

        foreach (var id in touched) operations.Store(incidents[id]);
        foreach (var row in rows.Values) operations.Store(row);
    }
}
