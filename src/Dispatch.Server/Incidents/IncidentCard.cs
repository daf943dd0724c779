using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Incidents;

/// <summary>One card on the dispatcher board: small, so a board of thousands loads and diffs quickly.</summary>
public sealed record IncidentCard
{
    public Guid Id { get; init; }
    public string Number { get; init; } = "";
    public IncidentState State { get; init; }
    public bool IsOpen { get; init; } = true;
    public Channel Channel { get; init; }
    public string Category { get; init; } = "";
    public Urgency Urgency { get; init; }
    public string Summary { get; init; } = "";
    public string? Address { get; init; }
    public GeoPoint? Location { get; init; }
    /// <summary>Where in the jurisdiction tree it lies; null until placed.</summary>
    public Place? Place { get; init; }
    /// <summary>Set when it could not be placed by itself: a dispatcher must place it.</summary>
    public PlacementProblem? NeedsPlacement { get; init; }
    public string? LeadDepartment { get; init; }
    /// <summary>The centre that took the report (a path in the tree); it holds the incident until it is placed.</summary>
    public string? ReceivedAt { get; init; }
    /// <summary>Where access is decided: the placement's path, else <see cref="ReceivedAt"/> ("" is the city).</summary>
    public string ScopePath { get; init; } = "";
    /// <summary>Set on the change that moved it, so consoles of its old jurisdiction are told it left.</summary>
    public string? PreviousScopePath { get; init; }
    /// <summary>Set on the change that took it from a department (returned, reopened, assigned elsewhere).</summary>
    public string? PreviousLeadDepartment { get; init; }
    /// <summary>The level that commands it, and that centre's path (its dispatchers' queue).</summary>
    public CommandLevel Level { get; init; } = CommandLevel.Town;
    public string CentrePath { get; init; } = "";
    /// <summary>The routing policy's (or the overriding dispatcher's) suggested lead department.</summary>
    public string? SuggestedDepartment { get; init; }
    public IReadOnlyList<string> Assisting { get; init; } = [];
    /// <summary>Assigned departments (lead and assisting) that acknowledged (签收).</summary>
    public IReadOnlyList<string> AcknowledgedBy { get; init; } = [];
    /// <summary>When the running deadline started and ends (acknowledgement while assigned, resolution while handled).</summary>
    public DateTimeOffset? DeadlineFrom { get; init; }
    public DateTimeOffset? DeadlineDue { get; init; }
    public DeadlineKind? DeadlineKind { get; init; }
    /// <summary>
    /// What the deadline watch waits for, while the incident is open: the earliest of the running deadline (unless
    /// already recorded as missed), the first unit timer to run out (a unit not yet flagged in its status), the running
    /// plan's next task deadline (a task not done nor yet recorded overdue), and the supervision and centre clocks
    /// (<see cref="Dispatch.Server.Supervision.SupervisionFollow.NextDue"/>).
    /// </summary>
    public DateTimeOffset? NextCheckAt { get; init; }
    public int Escalations { get; init; }
    /// <summary>A leader's supervision (督办), shown until the incident closes.</summary>
    public string? Supervision { get; init; }
    public DateTimeOffset? SupervisedAt { get; init; }
    /// <summary>Supervision requests (count, replies due and late) and the centre's clocks (accept, callback).</summary>
    public Dispatch.Server.Supervision.SupervisionFollow Follow { get; init; } = Dispatch.Server.Supervision.SupervisionFollow.None;
    /// <summary>Back in the queue after a department returned it (退单), until it is assigned again.</summary>
    public bool Returned { get; init; }
    public bool Reopened { get; init; }
    public DateTimeOffset ReportedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public string UpdatedBy { get; init; } = "";
    public long Version { get; init; }
    /// <summary>Kept for the switch from the acknowledgement to the resolution deadline.</summary>
    public DateTimeOffset? ResolveBy { get; init; }
    public DateTimeOffset? MissedDue { get; init; }
    /// <summary>The units on it now (dispatched, en route, on scene, returning), each since when.</summary>
    public IReadOnlyList<Dispatch.Domain.Units.IncidentUnit> Units { get; init; } = [];
    /// <summary>When it was last accepted, resolved and closed: the situation screen's "today" totals.</summary>
    public DateTimeOffset? AcceptedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public DateTimeOffset? ClosedAt { get; init; }
    /// <summary>Sensor alarms noted on it (a sensor-made incident folds repeated alarms: the board shows how many).</summary>
    public int SensorAlarms { get; init; }
    /// <summary>The contingency plan run on it (预案), running or stood down: the badge's level and progress.</summary>
    public Plans.CardPlan? Plan { get; init; }
    /// <summary>The operation it was reported in (平战结合, a major event), if any: the board row and the KPIs show it.</summary>
    public Guid? OperationId { get; init; }
    public string? OperationName { get; init; }
}

public static class IncidentCardAccess
{
    public static IncidentScope Scope(this IncidentCard card) => new(card.ScopePath, card.LeadDepartment, card.Level, card.Assisting);
}

public sealed class IncidentCardProjection : SingleStreamProjection<IncidentCard, Guid>
{
    const int SummaryLength = 120;

    public override IncidentCard? Evolve(IncidentCard? card, Guid id, IEvent e)
    {
        var next = e.Data switch
        {
            IncidentReported r => new IncidentCard
            {
                Id = r.IncidentId, Number = r.Number, State = IncidentState.Reported, Channel = r.Channel,
                Category = r.Category, Urgency = r.Urgency,
                Summary = r.Description.Length > SummaryLength ? r.Description[..SummaryLength] + "…" : r.Description,
                Address = r.Address, Location = r.Location, ReportedAt = r.At, ReceivedAt = r.ReceivedAt,
            },
            _ when card is null => null,
            IncidentAccepted a => card with { State = IncidentState.Accepted, AcceptedAt = a.At },
            IncidentAssigned a => card with
            {
                State = IncidentState.Assigned, LeadDepartment = a.Department, Returned = false, Assisting = a.Assisting ?? [],
                AcknowledgedBy = [], DeadlineKind = Dispatch.Domain.Incidents.DeadlineKind.Acknowledge, DeadlineFrom = a.At,
                DeadlineDue = a.AcknowledgeBy, ResolveBy = a.ResolveBy, MissedDue = null,
            },
            IncidentAcknowledged a when a.Department == card.LeadDepartment => card with
            {
                State = IncidentState.Acknowledged, AcknowledgedBy = [.. card.AcknowledgedBy, a.Department],
                DeadlineKind = Dispatch.Domain.Incidents.DeadlineKind.Resolve, DeadlineDue = card.ResolveBy,
                DeadlineFrom = card.DeadlineFrom,
            },
            IncidentAcknowledged a => card with { AcknowledgedBy = [.. card.AcknowledgedBy, a.Department] },
            IncidentReturned r when r.Department != card.LeadDepartment => card with
            {
                Assisting = [.. card.Assisting.Where(d => d != r.Department)],
                AcknowledgedBy = [.. card.AcknowledgedBy.Where(d => d != r.Department)],
            },
            IncidentReturned => card with
            {
                State = IncidentState.Accepted, LeadDepartment = null, Returned = true, Assisting = [], AcknowledgedBy = [],
                DeadlineKind = null, DeadlineDue = null, DeadlineFrom = null,
            },
            IncidentResolved r => card with { State = IncidentState.Resolved, ResolvedAt = r.At, DeadlineKind = null, DeadlineDue = null, DeadlineFrom = null },
            IncidentRouted r => card with { Level = r.Level, SuggestedDepartment = r.Department },
            IncidentRoutingOverridden o => card with { Level = o.Level, SuggestedDepartment = o.Department ?? card.SuggestedDepartment },
            IncidentEscalated x => card with
            {
                Level = x.To, Escalations = card.Escalations + 1,
                DeadlineDue = x.AcknowledgeBy ?? x.ResolveBy ?? card.DeadlineDue,
                DeadlineFrom = x.AcknowledgeBy is not null || x.ResolveBy is not null ? x.At : card.DeadlineFrom,
                ResolveBy = x.ResolveBy ?? card.ResolveBy,
            },
            IncidentDelegated d => card with { Level = d.To },
            IncidentDeadlineMissed m => card with { MissedDue = m.Due },
            IncidentSupervised s => card with { Supervision = s.Comment, SupervisedAt = card.SupervisedAt ?? s.At },
            IncidentClosed c => card with { State = IncidentState.Closed, IsOpen = false, ClosedAt = c.At },
            IncidentReopened => card with
            {
                State = IncidentState.Accepted, LeadDepartment = null, Reopened = true, IsOpen = true, Assisting = [], AcknowledgedBy = [],
                DeadlineKind = null, DeadlineDue = null, DeadlineFrom = null,
            },
            IncidentCancelled => card with { State = IncidentState.Cancelled, IsOpen = false },
            IncidentPlaced p => card with { Place = p.Place, NeedsPlacement = null },
            IncidentPlacementFlagged f => card with { Place = null, NeedsPlacement = f.Problem },
            IncidentLocated l => card with { Location = l.Location, Address = l.Address ?? card.Address },
            // A merged duplicate leaves the board; its target carries on with its caller.
            IncidentMergedInto => card with { State = IncidentState.Merged, IsOpen = false },
            IncidentUnmerged u => card with { State = u.Resumes, IsOpen = true },
            // The units on it, by the same fold as the write model's: status since when, the limit it has there, flagged or not.
            Dispatch.Domain.Units.IncidentUnitDispatched or Dispatch.Domain.Units.IncidentUnitStatusChanged or Dispatch.Domain.Units.IncidentUnitOverdue
                or Dispatch.Domain.Units.IncidentUnitArrivedNearScene =>
                card with { Units = Dispatch.Domain.Units.UnitTimers.Evolve(card.Units, e.Data) },
            Dispatch.Domain.Sensors.IncidentSensorAlarmed => card with { SensorAlarms = card.SensorAlarms + 1 },
            Dispatch.Domain.Plans.PlanActivated or Dispatch.Domain.Plans.PlanTaskAcknowledged or Dispatch.Domain.Plans.PlanTaskCompleted
                or Dispatch.Domain.Plans.PlanTaskOverdue or Dispatch.Domain.Plans.PlanStoodDown => card with { Plan = Plans.CardPlan.Evolve(card.Plan, e.Data) },
            Dispatch.Domain.Operations.IncidentInOperation o => card with { OperationId = o.OperationId, OperationName = o.Name },
            _ => card,
        };
        return next is null ? null : Touch(WithScope(card, next with { Follow = next.Follow.Evolve(e.Data) }), e);
    }

    static IncidentCard WithScope(IncidentCard? before, IncidentCard next)
    {
        var path = next.Place?.Path ?? next.ReceivedAt ?? "";
        return next with
        {
            ScopePath = path,
            CentrePath = CommandLevels.CentreOf(path, next.Level),
            NextCheckAt = next.IsOpen
                ? Earliest(next.DeadlineDue is { } due && due != next.MissedDue ? due : null, next.Units.Min(u => u.Due), PlanDue(next), next.Follow.NextDue)
                : null,
            PreviousScopePath = before is not null && before.ScopePath != path ? before.ScopePath : null,
            PreviousLeadDepartment = before?.LeadDepartment is { } lead && lead != next.LeadDepartment ? lead : null,
        };
    }

    /// <summary>The running plan's next task deadline; a finished incident's plan no longer runs out (as the rules say).</summary>
    static DateTimeOffset? PlanDue(IncidentCard card) =>
        card.Plan is { Running: true, NextDue: { } due } && !card.State.IsFinished() ? due : null;

    static DateTimeOffset? Earliest(params DateTimeOffset?[] times) => times.Where(t => t is not null).Min();

    static IncidentCard Touch(IncidentCard card, IEvent e) =>
        e.Data is IIncidentEvent step
            ? card with { Version = e.Version, UpdatedAt = step.At, UpdatedBy = step.By }
            : card with { Version = e.Version };
}
