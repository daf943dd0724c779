using Dispatch.Domain.Command;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Incidents;

public enum IncidentState
{
    /// <summary>New from intake, waiting in the dispatcher queue.</summary>
    Reported,
    /// <summary>Accepted by a dispatcher (also: returned or reopened, back in the queue).</summary>
    Accepted,
    /// <summary>Handed to a lead department, waiting for its acknowledgement.</summary>
    Assigned,
    /// <summary>Acknowledged (签收) by the lead department, being handled.</summary>
    Acknowledged,
    Resolved,
    Closed,
    Cancelled,
    /// <summary>Merged into another incident as a duplicate: off the board until unmerged (IncidentMerging).</summary>
    Merged,
}

public static class IncidentStates
{
    /// <summary>
    /// The work on it is over: resolved (only the callback and closing remain), closed, cancelled, or merged into
    /// another. Nothing is sent to it, escalated or matched as a duplicate. Not the same as leaving the board
    /// (<see cref="Incident.IsOpen"/>): a resolved incident stays there until it is closed.
    /// </summary>
    public static bool IsFinished(this IncidentState state) =>
        state is IncidentState.Resolved or IncidentState.Closed or IncidentState.Cancelled or IncidentState.Merged;
}

/// <summary>
/// The write model of one incident: only what the rules need to decide, folded from the stream by
/// <see cref="Evolve"/> (Marten's live aggregation calls the same function).
/// </summary>
public sealed record Incident(
    Guid Id,
    string Number,
    IncidentState State,
    string Category,
    Urgency Urgency,
    bool CallerHasPhone,
    string? LeadDepartment = null,
    bool CallbackRecorded = false,
    int TimesReturned = 0,
    int TimesReopened = 0,
    Place? Place = null,
    string? ReceivedAt = null)
{
    public bool IsOpen => State is not (IncidentState.Closed or IncidentState.Cancelled or IncidentState.Merged);

    /// <summary>The sign-in of the field unit that found it (a grid report), if one did: it may add photos (<see cref="FieldReportRules"/>).</summary>
    public string? FoundBy { get; init; }
    /// <summary>Where it is commanded (town until routing or a dispatcher says otherwise).</summary>
    public CommandLevel Level { get; init; } = CommandLevel.Town;
    /// <summary>Departments helping the lead (多部门共调), and which of all assigned have acknowledged.</summary>
    public Departments Assisting { get; init; } = Departments.None;
    public Departments AcknowledgedBy { get; init; } = Departments.None;
    public DateTimeOffset? AcknowledgeBy { get; init; }
    public DateTimeOffset? ResolveBy { get; init; }
    /// <summary>How long the assignment gave, so an escalation can give the new level the same time.</summary>
    public TimeSpan? AcknowledgeWindow { get; init; }
    public TimeSpan? ResolveWindow { get; init; }
    /// <summary>The deadline already recorded as missed at city level (so it is recorded once).</summary>
    public DateTimeOffset? MissedDeadline { get; init; }
    public bool Supervised { get; init; }
    /// <summary>The supervision requests, in order (督办 1, 2…), each answered, overdue or waiting.</summary>
    public IReadOnlyList<Supervision.SupervisionRequest> Supervisions { get; init; } = [];
    /// <summary>The clocks on the centre's own steps: accept by, call back by, and what was flagged.</summary>
    public Supervision.CentreClocks Clocks { get; init; } = Supervision.CentreClocks.None;
    /// <summary>Set while merged into another incident: which one, and the state to resume when unmerged.</summary>
    public MergeLink? MergedInto { get; init; }
    /// <summary>The units on it now (dispatched, en route, on scene, returning), for their status timers (<see cref="UnitTimers"/>).</summary>
    public IReadOnlyList<IncidentUnit> Units { get; init; } = [];
    /// <summary>The contingency plan running on it, if one is (预案).</summary>
    public Plans.PlanRun? Plan { get; init; }
    /// <summary>The operation it was reported in, if any (平战结合): its deadlines apply when it is assigned.</summary>
    public Operations.OperationTag? Operation { get; init; }

    /// <summary>The deadline running now, if any: acknowledgement while assigned, resolution while being handled.</summary>
    public (DeadlineKind Kind, DateTimeOffset Due)? RunningDeadline => State switch
    {
        IncidentState.Assigned when AcknowledgeBy is { } due => (DeadlineKind.Acknowledge, due),
        IncidentState.Acknowledged when ResolveBy is { } due => (DeadlineKind.Resolve, due),
        _ => null,
    };

    /// <summary>Folds one event into the state: the left fold of the stream is the incident now.</summary>
    public static Incident? Evolve(Incident? state, object @event) => @event switch
    {
        IncidentReported e => new(e.IncidentId, e.Number, IncidentState.Reported, e.Category, e.Urgency,
            CallerHasPhone: !string.IsNullOrWhiteSpace(e.Caller.Phone), ReceivedAt: e.ReceivedAt)
            { FoundBy = e.Finder?.Login, Clocks = new(AcceptBy: e.AcceptBy) },
        _ when state is null => throw new InvalidOperationException($"{@event.GetType().Name} before IncidentReported"),
        IncidentAccepted => state with { State = IncidentState.Accepted },
        IncidentAssigned e => state with
        {
            State = IncidentState.Assigned, LeadDepartment = e.Department, Assisting = Departments.Of(e.Assisting),
            AcknowledgedBy = Departments.None, AcknowledgeBy = e.AcknowledgeBy, ResolveBy = e.ResolveBy,
            AcknowledgeWindow = e.AcknowledgeBy - e.At, ResolveWindow = e.ResolveBy - e.At, MissedDeadline = null,
        },
        // The lead's acknowledgement starts the handling; an assisting department's is its own.
        IncidentAcknowledged e => state with
        {
            State = e.Department == state.LeadDepartment ? IncidentState.Acknowledged : state.State,
            AcknowledgedBy = state.AcknowledgedBy.With(e.Department),
        },
        // An assisting department that returns its part leaves; the lead returning sends it back to the queue.
        IncidentReturned e when e.Department != state.LeadDepartment => state with
        {
            Assisting = state.Assisting.Without(e.Department),
            AcknowledgedBy = state.AcknowledgedBy.Without(e.Department),
        },
        IncidentReturned => state with
        {
            State = IncidentState.Accepted, LeadDepartment = null, TimesReturned = state.TimesReturned + 1,
            Assisting = Departments.None, AcknowledgedBy = Departments.None, AcknowledgeBy = null, ResolveBy = null,
        },
        IncidentRouted e => state with { Level = e.Level },
        IncidentRoutingOverridden e => state with { Level = e.Level },
        IncidentEscalated e => state with
        {
            Level = e.To, AcknowledgeBy = e.AcknowledgeBy ?? state.AcknowledgeBy, ResolveBy = e.ResolveBy ?? state.ResolveBy,
        },
        IncidentDelegated e => state with { Level = e.To },
        IncidentDeadlineMissed e => state with { MissedDeadline = e.Due },
        IncidentSupervised or Supervision.SupervisionAnswered or Supervision.SupervisionOverdue or Supervision.AcceptanceOverdue
            or Supervision.CallbackOverdue or Supervision.CallbackAttempted => Supervision.SupervisionRules.Evolve(state, @event),
        IncidentResolved e => state with
        {
            State = IncidentState.Resolved, Clocks = state.Clocks with { CallbackBy = e.CallbackBy, CallbackFlagged = false, CallbackAttempts = 0 },
        },
        CitizenCallbackRecorded => state with { CallbackRecorded = true },
        IncidentClosed => state with { State = IncidentState.Closed },
        // A reopened incident goes back to the dispatcher queue and needs a new callback once resolved again.
        IncidentReopened => state with
        {
            State = IncidentState.Accepted, LeadDepartment = null, CallbackRecorded = false,
            TimesReopened = state.TimesReopened + 1, Assisting = Departments.None, AcknowledgedBy = Departments.None,
            AcknowledgeBy = null, ResolveBy = null, Clocks = state.Clocks with { CallbackBy = null, CallbackAttempts = 0 },
        },
        IncidentCancelled => state with { State = IncidentState.Cancelled },
        IncidentPlaced e => state with { Place = e.Place },
        IncidentPlacementFlagged => state with { Place = null },
        IncidentMergedInto or IncidentUnmerged => IncidentMerging.Evolve(state, @event),
        Plans.PlanActivated or Plans.PlanTaskAcknowledged or Plans.PlanTaskCompleted or Plans.PlanTaskOverdue or Plans.PlanStoodDown =>
            state with { Plan = Plans.PlanRun.Evolve(state.Plan, @event) },
        Operations.IncidentInOperation e => state with { Operation = new(e.OperationId, e.Name, e.Desk, e.Deadlines) },
        IncidentUnitDispatched or IncidentUnitStatusChanged or IncidentUnitOverdue or IncidentUnitArrivedNearScene => state with { Units = UnitTimers.Evolve(state.Units, @event) },
        _ => state, // progress notes and locations do not change what the rules decide on
    };
}
