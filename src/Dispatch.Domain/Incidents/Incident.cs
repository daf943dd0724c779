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
}

/// <summary>
/// The write model of one incident: only what the rules need to decide. Folded from the stream by
/// <see cref="Create"/> and the <c>Apply</c> methods (Marten's live aggregation uses the same methods).
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
    int TimesReopened = 0)
{
    public bool IsOpen => State is not (IncidentState.Closed or IncidentState.Cancelled);

    public static Incident Create(IncidentReported e) =>
        new(e.IncidentId, e.Number, IncidentState.Reported, e.Category, e.Urgency,
            CallerHasPhone: !string.IsNullOrWhiteSpace(e.Caller.Phone));

    public Incident Apply(IncidentAccepted _) => this with { State = IncidentState.Accepted };

    public Incident Apply(IncidentAssigned e) =>
        this with { State = IncidentState.Assigned, LeadDepartment = e.Department };

    public Incident Apply(IncidentAcknowledged _) => this with { State = IncidentState.Acknowledged };

    public Incident Apply(IncidentProgressNoted _) => this;

    public Incident Apply(IncidentReturned _) =>
        this with { State = IncidentState.Accepted, LeadDepartment = null, TimesReturned = TimesReturned + 1 };

    public Incident Apply(IncidentResolved _) => this with { State = IncidentState.Resolved };

    public Incident Apply(CitizenCallbackRecorded _) => this with { CallbackRecorded = true };

    public Incident Apply(IncidentClosed _) => this with { State = IncidentState.Closed };

    // A reopened incident goes back to the dispatcher queue and needs a new callback once resolved again.
    public Incident Apply(IncidentReopened _) =>
        this with
        {
            State = IncidentState.Accepted, LeadDepartment = null, CallbackRecorded = false,
            TimesReopened = TimesReopened + 1,
        };

    public Incident Apply(IncidentCancelled _) => this with { State = IncidentState.Cancelled };

    public Incident Apply(IncidentLocated _) => this;

    /// <summary>Folds any incident event; used by tests and by code outside Marten.</summary>
    public static Incident? Evolve(Incident? state, object @event) => @event switch
    {
        IncidentReported e => Create(e),
        _ when state is null => throw new InvalidOperationException($"{@event.GetType().Name} before IncidentReported"),
        IncidentAccepted e => state.Apply(e),
        IncidentAssigned e => state.Apply(e),
        IncidentAcknowledged e => state.Apply(e),
        IncidentProgressNoted e => state.Apply(e),
        IncidentReturned e => state.Apply(e),
        IncidentResolved e => state.Apply(e),
        CitizenCallbackRecorded e => state.Apply(e),
        IncidentClosed e => state.Apply(e),
        IncidentReopened e => state.Apply(e),
        IncidentCancelled e => state.Apply(e),
        IncidentLocated e => state.Apply(e),
        _ => state,
    };
}
