using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Marten;

namespace Dispatch.Server.Units;

/// <summary>What an incident command does to the units on that incident, inside the command's own transaction.</summary>
public static class UnitsOfIncident
{
    /// <summary>
    /// Frees every unit still committed to the incident (it was closed or cancelled): appends each release to the unit's
    /// stream, tells the unit, and returns the incident events that record it, for the caller to append to the incident
    /// stream it holds. The incident is locked by the caller; each unit's stream is locked here, in that order.
    /// </summary>
    public static async Task<IReadOnlyList<object>> Release(IDocumentSession session, Incident incident, IReadOnlyList<Guid> units,
        string by, DateTimeOffset now, CancellationToken ct)
    {
        var onIncident = new List<object>();
        foreach (var unitId in units)
        {
            var stream = await session.Events.FetchForExclusiveWriting<Unit>(unitId, ct);
            if (stream.Aggregate is not { } unit) continue;
            var decision = UnitsOnIncident.Move(incident, unit, new ReleaseUnit(by, incident.Id), now);
            if (decision.Refusal is not null) continue;
            stream.AppendMany(decision.UnitEvents);
            onIncident.AddRange(decision.IncidentEvents);
            UnitFeed.Notify(session, unitId);
            UnitMailbox.Post(session, unitId, UnitMessageKind.Released, new ReleasedMessage(incident.Id, incident.Number, by), now);
        }
        return onIncident;
    }

    /// <summary>Tells each unit still on the incident what just happened to it (escalated, reassigned, resolved…).</summary>
    public static void Tell(IDocumentSession session, IReadOnlyList<Guid> units, Incident after, IEnumerable<object> events, string by, DateTimeOffset now)
    {
        var what = events.Select(e => e.GetType().Name.Replace("Incident", "")).Distinct().ToList();
        foreach (var unitId in units)
            UnitMailbox.Post(session, unitId, UnitMessageKind.Incident,
                new IncidentChangedMessage(after.Id, after.Number, after.State, after.Level, after.LeadDepartment, what, by), now);
    }
}
