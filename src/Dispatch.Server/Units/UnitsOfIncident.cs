using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Marten;

namespace Dispatch.Server.Units;

/// <summary>What the crews on an incident hear of its events, inside the command's own transaction (the pipeline frees them when it finishes).</summary>
public static class UnitsOfIncident
{
    /// <summary>Tells each unit still on the incident what just happened to it (escalated, reassigned, resolved…).</summary>
    public static void Tell(IDocumentSession session, IReadOnlyList<Guid> units, Incident after, IEnumerable<object> events, string by, DateTimeOffset now)
    {
        var what = events.Select(e => e.GetType().Name.Replace("Incident", "")).Distinct().ToList();
        foreach (var unitId in units)
            UnitMailbox.Post(session, unitId, UnitMessageKind.Incident,
                new IncidentChangedMessage(after.Id, after.Number, after.State, after.Level, after.LeadDepartment, what, by), now);
    }
}
