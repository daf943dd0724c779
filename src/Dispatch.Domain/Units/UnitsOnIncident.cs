using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Units;

// What the incident's own stream records of the units sent to it, so its timeline tells the whole story (who was
// sent, when they went, arrived and left) and its card can flag a unit that is taking too long.

/// <summary>
/// A unit was sent to the incident. <paramref name="Limit"/> is the time it has to go en route before it is flagged
/// (<see cref="UnitTimers"/>; none on events recorded before the timers).
/// </summary>
public sealed record IncidentUnitDispatched(Guid IncidentId, Guid UnitId, string CallSign, string Department, string By, DateTimeOffset At,
    TimeSpan? Limit = null) : IIncidentEvent;

/// <summary>
/// A unit on the incident moved on: en route, on scene, returning, or released (<see cref="UnitStatus.Available"/>,
/// or <see cref="UnitStatus.OffDuty"/> when it went off duty while returning). <paramref name="Limit"/> is the time it
/// has in the new status before it is flagged (<see cref="UnitTimers"/>: on scene), none where no timer runs.
/// <paramref name="Received"/>: set when a phone's queued step brought the move later than it happened (<paramref name="At"/>).
/// </summary>
public sealed record IncidentUnitStatusChanged(Guid IncidentId, Guid UnitId, string CallSign, UnitStatus Status, string By, DateTimeOffset At,
    TimeSpan? Limit = null, DateTimeOffset? Received = null) : IIncidentEvent;

/// <summary>The events for both streams of a unit command that touches an incident, or why not.</summary>
public sealed record UnitOnIncidentDecision(IReadOnlyList<object> UnitEvents, IReadOnlyList<object> IncidentEvents, Refusal? Refusal)
{
    public static UnitOnIncidentDecision Refuse(Refusal refusal) => new([], [], refusal);
}

/// <summary>
/// The rules that span a unit and its incident, pure: a unit is sent only to an open incident that its department
/// leads or assists (so it may read the incident it is sent to); every move of a committed unit is also recorded on
/// the incident; and a crew accepting the job acknowledges the incident for its department when nobody has yet
/// (the unit is the department's hands: 签收 happens when the crew takes it).
/// </summary>
public static class UnitsOnIncident
{
    /// <summary>
    /// Sends <paramref name="unit"/> to <paramref name="incident"/>; the incident records the time it has to go en route
    /// (<paramref name="timers"/>, <see cref="UnitTimers.Default"/> when not given).
    /// </summary>
    public static UnitOnIncidentDecision Dispatch(Incident incident, Unit unit, string by, DateTimeOffset now, UnitTimers? timers = null)
    {
        if (incident.State.IsFinished())
            return UnitOnIncidentDecision.Refuse(new Refusal("dispatch.incident-finished",
                "Incident {0} is {1}; units are sent only to open incidents.", incident.Number, incident.State));
        if (incident.LeadDepartment is null)
            return UnitOnIncidentDecision.Refuse(new Refusal("dispatch.unassigned",
                "Incident {0} is not assigned to a department yet; assign it before sending units.", incident.Number));
        if (unit.Department != incident.LeadDepartment && !incident.Assisting.Contains(unit.Department))
            return UnitOnIncidentDecision.Refuse(new Refusal("dispatch.department",
                "Unit {0} belongs to {1}, which neither leads nor assists incident {2} (led by {3}).",
                unit.CallSign, unit.Department, incident.Number, incident.LeadDepartment));
        var decision = UnitDecider.Decide(unit, new DispatchUnit(incident.Id, incident.Number, by), now);
        if (decision.Refusal is { } refusal) return UnitOnIncidentDecision.Refuse(refusal);
        return new(decision.Events, [new IncidentUnitDispatched(incident.Id, unit.Id, unit.CallSign, unit.Department, by, now,
            (timers ?? UnitTimers.Default).Limit(UnitStatus.Dispatched, unit.Capabilities))], null);
    }

    /// <summary>
    /// A status move of a unit on <paramref name="incident"/> (en route, accept and go, on scene, returning, release,
    /// off duty): the unit's own decision, mirrored on the incident when its status changed, with the time the unit has
    /// in its new status (<paramref name="timers"/>, <see cref="UnitTimers.Default"/> when not given).
    /// </summary>
    public static UnitOnIncidentDecision Move(Incident incident, Unit unit, UnitCommand command, DateTimeOffset now, UnitTimers? timers = null)
    {
        var decision = UnitDecider.Decide(unit, command, now);
        if (decision.Refusal is { } refusal) return UnitOnIncidentDecision.Refuse(refusal);
        var after = decision.Events.Aggregate(unit, (u, e) => Unit.Evolve(u, e)!);
        if (after.Status == unit.Status) return new(decision.Events, [], null);
        var onIncident = new List<object>
        {
            new IncidentUnitStatusChanged(incident.Id, unit.Id, unit.CallSign, after.Status, command.By, now,
                (timers ?? UnitTimers.Default).Limit(after.Status, unit.Capabilities)),
        };
        if (command is AcceptAndGo or ReportEnRoute && !incident.AcknowledgedBy.Contains(unit.Department)
            && IncidentDecider.Decide(incident, new AcknowledgeIncident(unit.Department, command.By), now) is { Refusal: null } acknowledged)
            onIncident.AddRange(acknowledged.Events);
        return new(decision.Events, onIncident, null);
    }
}
