using Dispatch.Domain.Access;
using Dispatch.Server.Incidents;
using Dispatch.Server.Rewind;
using Marten;

namespace Dispatch.Server.Components.Rewind;

/// <summary>
/// The recorded steps a scrubber offers one person (<see cref="PastViews.StepsBetween"/>: the past's
/// scope rule lives there, with the board's and the detail's), and the incident a jump names.
/// </summary>
public sealed class ReplaySteps(PastViews past, IDocumentStore store)
{
    public Task<IReadOnlyList<RecordedStep>> For(Actor actor, ReplayWindow window, CancellationToken ct = default) =>
        past.StepsBetween(actor, window.From, window.To, ct);

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
