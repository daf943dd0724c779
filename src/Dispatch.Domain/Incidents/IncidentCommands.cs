namespace Dispatch.Domain.Incidents;

// What people ask for. Each names who asks; the time comes from the clock given to the decider.

public sealed record ReportIncident(
    Guid IncidentId,
    string Number,
    Channel Channel,
    Caller Caller,
    GeoPoint? Location,
    string? Address,
    string Category,
    string Description,
    Urgency Urgency,
    string By,
    Place? Place = null,
    string? ReceivedAt = null,
    Command.Route? Route = null,
    Finder? Finder = null,
    Operations.OperationTag? Operation = null)
{
    /// <summary>The centre's time to accept a report (configured, server side): the report carries its accept-by.</summary>
    public TimeSpan? AcceptWithin { get; init; }
}

public abstract record IncidentCommand(string By);

public sealed record AcceptIncident(string By) : IncidentCommand(By);

/// <summary>Assign to a lead and assisting departments; <paramref name="Deadlines"/> come from the policy (server side).</summary>
public sealed record AssignIncident(string Department, string By, IReadOnlyList<string>? Assisting = null,
    Command.Deadlines? Deadlines = null) : IncidentCommand(By);

public sealed record AcknowledgeIncident(string Department, string By) : IncidentCommand(By);

public sealed record NoteProgress(string Department, string Note, string By) : IncidentCommand(By);

public sealed record ReturnIncident(string Department, string Reason, string By) : IncidentCommand(By);

public sealed record ResolveIncident(string Department, string Resolution, string By) : IncidentCommand(By)
{
    /// <summary>The centre's time to call the citizen back (configured, server side): the resolution carries its callback-by.</summary>
    public TimeSpan? CallbackWithin { get; init; }
}

public sealed record RecordCallback(int Satisfaction, string? Comment, string By) : IncidentCommand(By);

/// <summary>Close a resolved incident; <paramref name="Reason"/> <see cref="CloseReason.CallerNotReached"/> after enough failed callback calls.</summary>
public sealed record CloseIncident(string By, CloseReason? Reason = null) : IncidentCommand(By)
{
    /// <summary>Failed callback calls needed before closing as "caller not reached" (configured, server side).</summary>
    public int AttemptsNeeded { get; init; } = Supervision.SupervisionRules.DefaultAttemptsBeforeClosing;
}

public sealed record ReopenIncident(string Reason, string By) : IncidentCommand(By);

public sealed record CancelIncident(CancelReason Reason, string? Note, string By) : IncidentCommand(By);

/// <summary>Sets or corrects the coordinates; <paramref name="Place"/> is where the tree puts them (null: outside).</summary>
public sealed record LocateIncident(GeoPoint Location, string? Address, string By, Place? Place = null) : IncidentCommand(By);

/// <summary>A dispatcher places the incident by hand (address-only reports, points outside the city).</summary>
public sealed record PlaceIncident(Place Place, string By) : IncidentCommand(By);

/// <summary>Change the suggested command level and/or lead department, with a reason.</summary>
public sealed record OverrideRouting(Command.CommandLevel Level, string? Department, string Reason, string By) : IncidentCommand(By);

/// <summary>Move command one level up by hand (too difficult, too big).</summary>
public sealed record EscalateIncident(string Reason, string By) : IncidentCommand(By);

/// <summary>Move command one level down (routine after all).</summary>
public sealed record DelegateIncident(string Reason, string By) : IncidentCommand(By);

/// <summary>
/// A leader supervises the incident (督办) with a comment: a request the handling side answers within
/// <paramref name="ReplyWithin"/> (the configured default when null), else it goes up to <paramref name="LeaderLevel"/>
/// (the leader's own level, looked up by the server).
/// </summary>
public sealed record SuperviseIncident(string Comment, string By, TimeSpan? ReplyWithin = null, Command.CommandLevel? LeaderLevel = null)
    : IncidentCommand(By);

/// <summary>
/// The deadline watch asks: has a deadline run out? Escalates one level (or records the miss at city level) at
/// most once per deadline; a no-op refusal when nothing is due (another node was first, or it was acknowledged).
/// </summary>
public sealed record CheckDeadlines(string By) : IncidentCommand(By);

/// <summary>
/// The citizen rates the handling online (Open311's one-time rating link): recorded as the citizen callback. Unlike a
/// call-taker's callback it may come after the centre closed the incident, as long as no callback was recorded.
/// </summary>
public sealed record RateOnline(int Satisfaction, string? Comment, string By) : IncidentCommand(By);
