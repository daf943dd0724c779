using Dispatch.Domain.Access;
using Marten;

namespace Dispatch.Server.Incidents;

public sealed record CallerIncident(Guid Id, string Number, DateTimeOffset ReportedAt, string Category,
    Dispatch.Domain.Incidents.IncidentState State, string? Address, string Description);

public static class RepeatCaller
{
    /// <summary>The caller's earlier incidents that <paramref name="reader"/> may see, newest first (at most 20).</summary>
    public static async Task<IReadOnlyList<CallerIncident>> Find(IQuerySession query, string normalizedPhone, Actor reader, CancellationToken ct)
    {
        var found = await query.Query<IncidentDetail>()
            .Where(d => d.CallerPhone == normalizedPhone)
            .OrderByDescending(d => d.ReportedAt)
            .Take(100)
            .ToListAsync(ct);
        return found.Where(d => AccessRules.Allows(reader, IncidentAction.Read, d.Scope())).Take(20).Select(d => new CallerIncident(d.Id, d.Number, d.ReportedAt, d.Category, d.State, d.Address,
            d.Description.Length > 80 ? d.Description[..80] + "…" : d.Description)).ToList();
    }
}
