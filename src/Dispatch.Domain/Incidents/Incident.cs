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
    public bool IsOpen => State is not (IncidentState.Closed or IncidentState.Cancelled);

    /// <summary>Folds one event into the state: the left fold of the stream is the incident now.</summary>
    public static Incident? Evolve(Incident? state, object @event) => @event switch
    {
        IncidentReported e => new(e.IncidentId, e.Number, IncidentState.Reported, e.Category, e.Urgency,
            CallerHasPhone: !string.IsNullOrWhiteSpace(e.Caller.Phone), ReceivedAt: e.ReceivedAt),
        _ when state is null => throw new InvalidOperationException($"{@event.GetType().Name} before IncidentReported"),
        IncidentAccepted => state with { State = IncidentState.Accepted },
        IncidentAssigned e => state with { State = IncidentState.Assigned, LeadDepartment = e.Department },
        IncidentAcknowledged => state with { State = IncidentState.Acknowledged },
        IncidentReturned => state with
        {
            State = IncidentState.Accepted, LeadDepartment = null, TimesReturned = state.TimesReturned + 1,
        },
        IncidentResolved => state with { State = IncidentState.Resolved },
        CitizenCallbackRecorded => state with { CallbackRecorded = true },
        IncidentClosed => state with { State = IncidentState.Closed },
        // A reopened incident goes back to the dispatcher queue and needs a new callback once resolved again.
        IncidentReopened => state with
        {
            State = IncidentState.Accepted, LeadDepartment = null, CallbackRecorded = false,
            TimesReopened = state.TimesReopened + 1,
        },
        IncidentCancelled => state with { State = IncidentState.Cancelled },
        IncidentPlaced e => state with { Place = e.Place },
        IncidentPlacementFlagged => state with { Place = null },
        _ => state, // progress notes and locations do not change what the rules decide on
    };
}
