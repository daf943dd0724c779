using Dispatch.Domain.Units;
using Marten;

namespace Dispatch.Server.Units;

public static class UnitRelease
{
    /// <summary>
    /// Appends a release to every unit still committed to the incident, in the caller's session (so it commits with
    /// the close or cancel that caused it). Each unit's stream is locked like any unit command.
    /// </summary>
    public static async Task ReleaseUnitsOf(IDocumentSession session, Guid incidentId, string by, DateTimeOffset now, CancellationToken ct)
    {
        var committed = await session.Query<UnitRosterEntry>()
            .Where(u => u.IncidentId == incidentId)
            .Select(u => u.Id).ToListAsync(ct);
        foreach (var unitId in committed.Order())
        {
            var stream = await session.Events.FetchForExclusiveWriting<Unit>(unitId, ct);
            if (stream.Aggregate is not { } unit) continue;
            var decision = UnitDecider.Decide(unit, new ReleaseUnit(by, incidentId), now);
            if (decision.Refusal is null) stream.AppendMany(decision.Events);
        }
    }
}
