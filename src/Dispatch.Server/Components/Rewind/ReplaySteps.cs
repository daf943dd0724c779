using Dispatch.Domain.Access;
using Dispatch.Server.Incidents;
using Dispatch.Server.Rewind;
using Marten;

namespace Dispatch.Server.Components.Rewind;

/// <summary>
/// The recorded steps a scrubber offers one person: the steps in the window of the incidents they may read as those
/// incidents stood at their last step in the window (the past's scope rule, through <see cref="PastViews.DetailAt"/>),
/// so stepping never stops on, or jumps to, an incident outside their rights. One small fold per incident in the window.
/// </summary>
public sealed class ReplaySteps(PastRecord record, PastViews past, IDocumentStore store)
{
    public async Task<IReadOnlyList<RecordedStep>> For(Actor actor, ReplayWindow window, CancellationToken ct = default)
    {
        var steps = await record.StepsBetween(window.From, window.To, ct: ct);
        var visible = new HashSet<Guid>();
        foreach (var last in steps.GroupBy(s => s.IncidentId).Select(g => g.MaxBy(s => s.Sequence)!))
            if (await past.DetailAt(actor, last.IncidentId, last.Moment, ct) is not null) visible.Add(last.IncidentId);
        return [.. steps.Where(s => visible.Contains(s.IncidentId))];
    }

    /// <summary>The incident with this number (as typed: trimmed), or null. Whether its steps may be shown is the steps' business.</summary>
    public async Task<Guid?> IncidentNumbered(string number, CancellationToken ct = default)
    {
        number = number.Trim();
        if (number.Length is 0 or > 40) return null;
        await using var query = store.QuerySession();
        var ids = await query.Query<IncidentDetail>().Where(d => d.Number == number).Select(d => d.Id).Take(1).ToListAsync(ct);
        return ids.Count == 0 ? null : ids[0];
    }
}
