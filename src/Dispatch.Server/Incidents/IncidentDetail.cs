using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Incidents;

/// <summary>An incident as its drawer shows it: everything reported and every step, with who and when.</summary>
public sealed record IncidentDetail
{
    public Guid Id { get; init; }
    public string Number { get; init; } = "";
    public IncidentState State { get; init; }
    public Channel Channel { get; init; }
    public string? CallerName { get; init; }
    public string? CallerPhone { get; init; }
    public string Category { get; init; } = "";
    public Urgency Urgency { get; init; }
    public string Description { get; init; } = "";
    public string? Address { get; init; }
    public GeoPoint? Location { get; init; }
    /// <summary>Where in the jurisdiction tree it lies; null until placed.</summary>
    public Place? Place { get; init; }
    /// <summary>Set when it could not be placed by itself: a dispatcher must place it.</summary>
    public PlacementProblem? NeedsPlacement { get; init; }
    public string? LeadDepartment { get; init; }
    public Dispatch.Domain.Command.CommandLevel Level { get; init; } = Dispatch.Domain.Command.CommandLevel.Town;
    public string? SuggestedDepartment { get; init; }
    public IReadOnlyList<string> Assisting { get; init; } = [];
    public IReadOnlyList<string> AcknowledgedBy { get; init; } = [];
    public string? Supervision { get; init; }
    public DateTimeOffset? SupervisedAt { get; init; }
    /// <summary>Every supervision request (reply-by, answered or overdue, by whom), the callback attempts and the clocks' flags.</summary>
    public Dispatch.Server.Supervision.SupervisionRecord Follow { get; init; } = Dispatch.Server.Supervision.SupervisionRecord.None;
    /// <summary>The centre that took the report; it holds the incident until it is placed.</summary>
    public string? ReceivedAt { get; init; }
    /// <summary>A grid report: the sign-in and call sign of the field unit that found it (credited with it).</summary>
    public string? FoundBy { get; init; }
    public string? FoundByCallSign { get; init; }
    /// <summary>A grid report: when the worker tapped on the phone (<see cref="ReportedAt"/> is when it arrived).</summary>
    public DateTimeOffset? OccurredAt { get; init; }
    /// <summary>A grid report the worker fixed there and then (自行处置).</summary>
    public bool FixedOnSpot { get; init; }
    /// <summary>True when the caller's name and phone are shown masked to the reader.</summary>
    public bool CallerMasked { get; init; }
    public string? Resolution { get; init; }
    public int? Satisfaction { get; init; }
    public bool CallbackRecorded { get; init; }
    public DateTimeOffset ReportedAt { get; init; }
    public long Version { get; init; }
    public List<TimelineEntry> Timeline { get; init; } = [];
    /// <summary>
    /// Everyone who reported this matter, to be called back: its own caller first, then the caller of each report
    /// merged into it, with that report's number.
    /// </summary>
    public List<CallerReport> Callers { get; init; } = [];
    /// <summary>Set while this incident is merged into another as a duplicate.</summary>
    public Guid? MergedIntoId { get; init; }
    public string? MergedIntoNumber { get; init; }
    /// <summary>Sensor readings past their threshold noted on it (each alarm that opened or folded into it), and recoveries.</summary>
    public int SensorAlarms { get; init; }
    public int SensorRecoveries { get; init; }
    /// <summary>The contingency plan run on it (预案), running or stood down, with its tasks (<see cref="Plans.PlanDetail"/>).</summary>
    public Plans.PlanDetail? Plan { get; init; }
    /// <summary>The operation it was reported in, if any, and its desk.</summary>
    public Guid? OperationId { get; init; }
    public string? OperationName { get; init; }
    public string? OperationDesk { get; init; }
}

/// <summary>One report's caller and what they said; <see cref="Number"/> is the report's own incident number.</summary>
public sealed record CallerReport(Guid IncidentId, string Number, string? Name, string? Phone, string Description, DateTimeOffset At);

public static class IncidentDetailAccess
{
    public static IncidentScope Scope(this IncidentDetail d) => new(d.Place?.Path ?? d.ReceivedAt ?? "", d.LeadDepartment, d.Level, d.Assisting);

    /// <summary>The detail as <paramref name="reader"/> may see it: caller name and phone masked unless the rules say otherwise.</summary>
    public static IncidentDetail For(this IncidentDetail d, Actor reader) =>
        AccessRules.SeesCaller(reader, d.Scope()) || d.CallerName is null && d.CallerPhone is null && d.Callers.All(c => c.Name is null && c.Phone is null)
            ? d
            : d with
            {
                CallerName = MaskName(d.CallerName), CallerPhone = Domain.Intake.PhoneNumber.Mask(d.CallerPhone), CallerMasked = true,
                Callers = [.. d.Callers.Select(c => c with { Name = MaskName(c.Name), Phone = Domain.Intake.PhoneNumber.Mask(c.Phone) })],
            };

    /// <summary>王女士 → 王**: the family name stays, so a dispatcher can still say "Ms Wang".</summary>
    public static string? MaskName(string? name) =>
        string.IsNullOrEmpty(name) ? name : name[..1] + new string('*', Math.Min(name.Length - 1, 4) is > 0 and var n ? n : 1);
}

/// <summary>One step of the loop. <see cref="Kind"/> is the event name without the "Incident" prefix.</summary>
public sealed record TimelineEntry(long Version, string Kind, DateTimeOffset At, string By, string? Department, string? Text)
{
    /// <summary>Set on a PhotoAttached step: the photo, at GET /api/incidents/{id}/photos/{photoId}.</summary>
    public Guid? PhotoId { get; init; }
    /// <summary>Set on a step a phone sent from its offline queue: when it arrived (<see cref="At"/> is when the crew made it).</summary>
    public DateTimeOffset? ReceivedAt { get; init; }

    // The step's facts, for the console to word in the reader's language (TimelineWords); Text says the same in fixed
    // words for the API and for entries written before these existed.
    /// <summary>The level commanded at (routed, overridden) or moved to (escalated, delegated).</summary>
    public Dispatch.Domain.Command.CommandLevel? Level { get; init; }
    /// <summary>The level moved from (escalated, delegated).</summary>
    public Dispatch.Domain.Command.CommandLevel? FromLevel { get; init; }
    /// <summary>The routing rule that decided (a code: shown only in a tooltip).</summary>
    public string? Rule { get; init; }
    /// <summary>Where it was placed.</summary>
    public Place? Place { get; init; }
    /// <summary>A node of the tree by path: the desk (in operation), where it is forwarded to (forwarded).</summary>
    public string? Path { get; init; }
    /// <summary>Where a forwarded report was received.</summary>
    public string? FromPath { get; init; }
    /// <summary>
    /// The person's own words that go with the step, worded around by its facts: the reason or note of a level change,
    /// a cancellation, a plan's activation or stand-down; a completed task's note; a supervision's comment; what a grid
    /// worker reported; a photo's caption.
    /// </summary>
    public string? Reason { get; init; }
    /// <summary>The assisting departments (assigned), by code.</summary>
    public IReadOnlyList<string>? Assisting { get; init; }
    public CancelReason? Cancel { get; init; }
    public PlacementProblem? Problem { get; init; }
    public DeadlineKind? Deadline { get; init; }
    /// <summary>When something was due: a missed deadline, a supervision's reply, an acceptance or callback, a plan task.</summary>
    public DateTimeOffset? Due { get; init; }
    /// <summary>The unit a step is about (near the scene, overdue), with how far it was or the status it overstayed and its limit.</summary>
    public string? CallSign { get; init; }
    public double? Meters { get; init; }
    public Dispatch.Domain.Units.UnitStatus? UnitStatus { get; init; }
    public TimeSpan? Limit { get; init; }
    /// <summary>The name of what the step is about: the operation (in operation), the plan (plan activated, stood down).</summary>
    public string? Title { get; init; }
    /// <summary>The operation's acknowledge and resolve windows (in operation).</summary>
    public Dispatch.Domain.Command.Deadlines? Windows { get; init; }
    /// <summary>The plan's version (plan activated, stood down) and its response level (activated).</summary>
    public int? PlanVersion { get; init; }
    public Dispatch.Domain.Plans.ResponseLevel? Response { get; init; }
    /// <summary>Plan tasks by what they say, not their codes: a task step's task; on a stand-down, the tasks left open.</summary>
    public IReadOnlyList<string>? Tasks { get; init; }
    /// <summary>A sensor's reading (alarm, recovery).</summary>
    public SensorReading? Reading { get; init; }
    /// <summary>Which supervision of the incident (1 for its first).</summary>
    public int? Sequence { get; init; }
    /// <summary>A grid report: when the worker found it (<see cref="At"/> is when it arrived).</summary>
    public DateTimeOffset? Found { get; init; }
    /// <summary>A photo's size in bytes.</summary>
    public long? Bytes { get; init; }
}

/// <summary>A sensor's reading on a timeline step: the device's and the measure's names as the administrator typed them,
/// the value, the alarm level it passed (an alarm; null on a recovery) and when the device read it.</summary>
public sealed record SensorReading(string Device, string Measure, double Value, double? AlarmLevel, DateTimeOffset ReadAt);

public sealed class IncidentDetailProjection : SingleStreamProjection<IncidentDetail, Guid>
{
    public override IncidentDetail? Evolve(IncidentDetail? d, Guid id, IEvent e)
    {
        var next = e.Data switch
        {
            IncidentReported r => new IncidentDetail
            {
                Id = r.IncidentId, Number = r.Number, State = IncidentState.Reported, Channel = r.Channel,
                CallerName = r.Caller.Name, CallerPhone = r.Caller.Phone, Category = r.Category, Urgency = r.Urgency,
                Description = r.Description, Address = r.Address, Location = r.Location, ReportedAt = r.At,
                ReceivedAt = r.ReceivedAt,
                FoundBy = r.Finder?.Login, FoundByCallSign = r.Finder?.CallSign, OccurredAt = r.Finder?.OccurredAt,
                FixedOnSpot = r.Finder?.FixedOnSpot ?? false,
                Callers = [new CallerReport(r.IncidentId, r.Number, r.Caller.Name, r.Caller.Phone, r.Description, r.At)],
            },
            _ when d is null => null,
            IncidentAccepted => d with { State = IncidentState.Accepted },
            IncidentAssigned a => d with { State = IncidentState.Assigned, LeadDepartment = a.Department, Assisting = a.Assisting ?? [], AcknowledgedBy = [] },
            IncidentAcknowledged a when a.Department == d.LeadDepartment => d with { State = IncidentState.Acknowledged, AcknowledgedBy = [.. d.AcknowledgedBy, a.Department] },
            IncidentAcknowledged a => d with { AcknowledgedBy = [.. d.AcknowledgedBy, a.Department] },
            IncidentReturned r when r.Department != d.LeadDepartment => d with
            {
                Assisting = [.. d.Assisting.Where(x => x != r.Department)], AcknowledgedBy = [.. d.AcknowledgedBy.Where(x => x != r.Department)],
            },
            IncidentReturned => d with { State = IncidentState.Accepted, LeadDepartment = null, Assisting = [], AcknowledgedBy = [] },
            IncidentRouted r => d with { Level = r.Level, SuggestedDepartment = r.Department },
            IncidentRoutingOverridden o => d with { Level = o.Level, SuggestedDepartment = o.Department ?? d.SuggestedDepartment },
            IncidentEscalated x => d with { Level = x.To },
            IncidentDelegated x => d with { Level = x.To },
            IncidentSupervised s => d with { Supervision = s.Comment, SupervisedAt = d.SupervisedAt ?? s.At },
            IncidentResolved r => d with { State = IncidentState.Resolved, Resolution = r.Resolution },
            CitizenCallbackRecorded c => d with { Satisfaction = c.Satisfaction, CallbackRecorded = true },
            IncidentClosed => d with { State = IncidentState.Closed },
            IncidentReopened => d with { State = IncidentState.Accepted, LeadDepartment = null, CallbackRecorded = false, Assisting = [], AcknowledgedBy = [] },
            IncidentCancelled => d with { State = IncidentState.Cancelled },
            IncidentPlaced p => d with { Place = p.Place, NeedsPlacement = null },
            IncidentPlacementFlagged f => d with { Place = null, NeedsPlacement = f.Problem },
            IncidentLocated l => d with { Location = l.Location, Address = l.Address ?? d.Address },
            IncidentMergedInto m => d with { State = IncidentState.Merged, MergedIntoId = m.TargetId, MergedIntoNumber = m.TargetNumber },
            IncidentUnmerged u => d with { State = u.Resumes, MergedIntoId = null, MergedIntoNumber = null },
            IncidentReportMerged r => d with
            {
                Callers = [.. d.Callers.Where(c => c.IncidentId != r.SourceId),
                    new CallerReport(r.SourceId, r.SourceNumber, r.Caller.Name, r.Caller.Phone, r.Description, r.At)],
            },
            IncidentReportUnmerged r => d with { Callers = [.. d.Callers.Where(c => c.IncidentId != r.SourceId)] },
            Dispatch.Domain.Sensors.IncidentSensorAlarmed => d with { SensorAlarms = d.SensorAlarms + 1 },
            Dispatch.Domain.Sensors.IncidentSensorRecovered => d with { SensorRecoveries = d.SensorRecoveries + 1 },
            Dispatch.Domain.Plans.PlanActivated or Dispatch.Domain.Plans.PlanTaskAcknowledged or Dispatch.Domain.Plans.PlanTaskCompleted
                or Dispatch.Domain.Plans.PlanTaskOverdue or Dispatch.Domain.Plans.PlanStoodDown => d with { Plan = Plans.PlanDetail.Evolve(d.Plan, e.Data) },
            Dispatch.Domain.Operations.IncidentInOperation o => d with { OperationId = o.OperationId, OperationName = o.Name, OperationDesk = o.Desk },
            _ => d,
        };
        if (next is null) return null;
        next = next with { Follow = next.Follow.Evolve(e.Data) };
        var entry = Dispatch.Server.Supervision.SupervisionRecord.Entry(e) ?? IncidentTimeline.Entry(e, next.Plan);
        return next with { Version = e.Version, Timeline = entry is null ? next.Timeline : [.. next.Timeline, entry] };
    }
}

/// <summary>
/// How each event reads on the timeline: <see cref="TimelineEntry.Text"/> in fixed words for the API, and the step's facts
/// for TimelineWords to word in the reader's language. <paramref name="plan"/>: the incident's plan with this event folded
/// in, so a plan step names its plan and tasks by what they are called rather than by their codes.
/// </summary>
public static class IncidentTimeline
{
    public static TimelineEntry? Entry(IEvent e, Plans.PlanDetail? plan = null) => e.Data switch
    {
        // A grid report says who found it and when they tapped, beside the time it arrived (the entry's own).
        IncidentReported { Finder: { } f } r => new(e.Version, "Reported", r.At, r.By, f.Department,
            FormattableString.Invariant($"{r.Description} · {f.CallSign} · {f.OccurredAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC"))
            { Reason = r.Description, CallSign = f.CallSign, Found = f.OccurredAt },
        IncidentReported r => new(e.Version, "Reported", r.At, r.By, null, r.Description),
        IncidentAccepted a => new(e.Version, "Accepted", a.At, a.By, null, null),
        IncidentAssigned a => new(e.Version, "Assigned", a.At, a.By, a.Department,
            a.Assisting is { Count: > 0 } assisting ? "+ " + string.Join(", ", assisting) : null) { Assisting = a.Assisting },
        IncidentAcknowledged a => new(e.Version, "Acknowledged", a.At, a.By, a.Department, null) { ReceivedAt = a.Received },
        IncidentProgressNoted p => new(e.Version, "ProgressNoted", p.At, p.By, p.Department, p.Note) { ReceivedAt = p.Received },
        IncidentReturned r => new(e.Version, "Returned", r.At, r.By, r.Department, r.Reason),
        IncidentResolved r => new(e.Version, "Resolved", r.At, r.By, r.Department, r.Resolution) { ReceivedAt = r.Received },
        CitizenCallbackRecorded c => new(e.Version, "CallbackRecorded", c.At, c.By, null,
            $"{c.Satisfaction}/5{(string.IsNullOrWhiteSpace(c.Comment) ? "" : " · " + c.Comment)}"),
        IncidentClosed c => new(e.Version, "Closed", c.At, c.By, null, null),
        IncidentReopened r => new(e.Version, "Reopened", r.At, r.By, null, r.Reason),
        IncidentCancelled c => new(e.Version, "Cancelled", c.At, c.By, null,
            c.Note is null ? c.Reason.ToString() : $"{c.Reason}: {c.Note}") { Cancel = c.Reason, Reason = c.Note },
        IncidentPlaced p => new(e.Version, p.Manual ? "PlacedByHand" : "Placed", p.At, p.By, null, p.Place.Path) { Place = p.Place },
        IncidentForwarded f => new(e.Version, "Forwarded", f.At, f.By, null, $"{f.ReceivedAt} → {f.Place}") { FromPath = f.ReceivedAt, Path = f.Place },
        IncidentPlacementFlagged f => new(e.Version, "PlacementFlagged", f.At, f.By, null, f.Problem.ToString()) { Problem = f.Problem },
        IncidentLocated l => new(e.Version, "Located", l.At, l.By, null,
            FormattableString.Invariant($"{l.Location.Lat:F6}, {l.Location.Lon:F6}{(l.Address is null ? "" : " · " + l.Address)}")),
        IncidentRouted r => new(e.Version, "Routed", r.At, r.By, r.Department, $"{r.Level} · {r.Rule}") { Level = r.Level, Rule = r.Rule },
        IncidentRoutingOverridden o => new(e.Version, "RoutingOverridden", o.At, o.By, o.Department, $"{o.Level} · {o.Reason}") { Level = o.Level, Reason = o.Reason },
        IncidentEscalated x => new(e.Version, x.Automatic ? "EscalatedAutomatically" : "Escalated", x.At, x.By, null, $"{x.From} → {x.To} · {x.Reason}")
            { FromLevel = x.From, Level = x.To, Reason = x.Reason },
        IncidentDelegated x => new(e.Version, "Delegated", x.At, x.By, null, $"{x.From} → {x.To} · {x.Reason}") { FromLevel = x.From, Level = x.To, Reason = x.Reason },
        IncidentDeadlineMissed m => new(e.Version, "DeadlineMissed", m.At, m.By, null, $"{m.Kind} · {m.Due:O}") { Deadline = m.Kind, Due = m.Due },
        IncidentSupervised s => new(e.Version, "Supervised", s.At, s.By, null, s.Comment),
        // Report numbers, never callers: the timeline is shown to readers who see callers masked.
        IncidentMergedInto m => new(e.Version, "MergedInto", m.At, m.By, null, m.TargetNumber),
        IncidentReportMerged r => new(e.Version, "ReportMerged", r.At, r.By, null, $"{r.SourceNumber} · {r.Description}"),
        IncidentUnmerged u => new(e.Version, "Unmerged", u.At, u.By, null, u.TargetNumber),
        IncidentReportUnmerged r => new(e.Version, "ReportUnmerged", r.At, r.By, null, r.SourceNumber),
        Dispatch.Domain.Units.IncidentUnitDispatched d => new(e.Version, "UnitDispatched", d.At, d.By, d.Department, d.CallSign),
        Dispatch.Domain.Units.IncidentUnitStatusChanged c => new(e.Version, "Unit" + c.Status, c.At, c.By, null, c.CallSign) { ReceivedAt = c.Received },
        Dispatch.Domain.Units.IncidentUnitArrivedNearScene a => new(e.Version, "UnitArrivedNearScene", a.At, a.By, null,
            FormattableString.Invariant($"{a.CallSign} · {a.DistanceMeters:0} m")) { CallSign = a.CallSign, Meters = a.DistanceMeters },
        Dispatch.Domain.Units.IncidentUnitOverdue o => new(e.Version, "UnitOverdue", o.At, o.By, null, Units.UnitTimerCheck.Describe(o))
            { CallSign = o.CallSign, UnitStatus = o.Status, Limit = o.Limit },
        IncidentPhotoAttached p => new(e.Version, "PhotoAttached", p.At, p.By, p.Department,
            p.Caption is null ? PhotoFormat.SizeInWords(p.Size) : $"{p.Caption} · {PhotoFormat.SizeInWords(p.Size)}")
            { PhotoId = p.PhotoId, Reason = p.Caption, Bytes = p.Size },
        Dispatch.Domain.Sensors.IncidentSensorAlarmed a => new(e.Version, "SensorAlarm", a.At, a.By, null,
            FormattableString.Invariant($"{a.Device} · {a.Measure} {a.Value:0.###} (alarm level {a.Level:0.###}) · {a.ReadAt:O}"))
            { Reading = new(a.Device, a.Measure, a.Value, a.Level, a.ReadAt) },
        Dispatch.Domain.Sensors.IncidentSensorRecovered r => new(e.Version, "SensorRecovered", r.At, r.By, null,
            FormattableString.Invariant($"{r.Device} · {r.Measure} {r.Value:0.###} · {r.ReadAt:O}"))
            { Reading = new(r.Device, r.Measure, r.Value, null, r.ReadAt) },
        Dispatch.Domain.Plans.PlanActivated a => new(e.Version, "PlanActivated", a.At, a.By, a.Lead,
            $"{a.Name} v{a.Version} ({Dispatch.Domain.Plans.ResponseLevels.Numeral(a.Level)}) · {a.Reason}")
            { Title = a.Name, PlanVersion = a.Version, Response = a.Level, Reason = a.Reason },
        Dispatch.Domain.Plans.PlanTaskAcknowledged k => new(e.Version, "PlanTaskAcknowledged", k.At, k.By, k.Department, k.Task)
            { Tasks = [What(plan, k.Task)] },
        Dispatch.Domain.Plans.PlanTaskCompleted c => new(e.Version, "PlanTaskCompleted", c.At, c.By, c.Department, $"{c.Task} · {c.Note}")
            { Tasks = [What(plan, c.Task)], Reason = c.Note },
        Dispatch.Domain.Plans.PlanTaskOverdue o => new(e.Version, "PlanTaskOverdue", o.At, o.By, null,
            FormattableString.Invariant($"{o.Task} · {o.Due:O}")) { Tasks = [What(plan, o.Task)], Due = o.Due },
        Dispatch.Domain.Plans.PlanStoodDown s => new(e.Version, "PlanStoodDown", s.At, s.By, null,
            s.TasksLeft.Count == 0 ? $"{s.Plan} · {s.Reason}" : $"{s.Plan} · {s.Reason} · {string.Join(", ", s.TasksLeft)}")
            {
                // The event names the plan by its code; the plan that ran says what it is called (the same version).
                Title = plan is { } p && p.Code == s.Plan ? p.Title : s.Plan, PlanVersion = s.Version, Reason = s.Reason,
                Tasks = [.. s.TasksLeft.Select(t => What(plan, t))],
            },
        Dispatch.Domain.Operations.IncidentInOperation o => new(e.Version, "InOperation", o.At, o.By, null,
            FormattableString.Invariant($"{o.Name} · {o.Desk} · {o.Deadlines.Acknowledge.TotalMinutes:0} / {o.Deadlines.Resolve.TotalMinutes:0} min"))
            { Path = o.Desk, Title = o.Name, Windows = o.Deadlines },
        _ => null,
    };

    /// <summary>A task by what the plan says it is (its code when the plan is not known).</summary>
    static string What(Plans.PlanDetail? plan, string code) => plan?.Tasks.FirstOrDefault(t => t.Code == code)?.What ?? code;
}
