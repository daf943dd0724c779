namespace Dispatch.Contracts;

/// <summary>
/// A problem a grid worker found on patrol and reports from the phone (无呼也应): it becomes an incident with channel
/// <c>grid</c>, placed where the phone was, credited to the worker and routed like any other report.
/// <see cref="Id"/> is made on the phone when the worker taps "report": sending the same report again (after a lost
/// connection, from the offline queue) answers the incident made the first time and writes nothing more.
/// <see cref="OccurredAt"/> is when the worker tapped, which may be long before it arrives.
/// With <see cref="FixedOnSpot"/> the worker also closed it there and then (自行处置): <see cref="Fix"/> says what was done.
/// </summary>
public sealed record FieldReport(
    Guid Id, DateTimeOffset OccurredAt, string Category, string Description,
    double Latitude, double Longitude, double? Accuracy = null,
    bool FixedOnSpot = false, string? Fix = null);

/// <summary>
/// The answer to a <see cref="FieldReport"/>: the incident it made (or made the first time it was sent), or why not, in
/// the worker's language, with the field at fault when a field was. <see cref="UnitReply.Overloaded"/> as for every move.
/// </summary>
public sealed record FieldReportReply(
    bool Ok, Guid? IncidentId = null, string? Number = null, string? Code = null, string? Message = null,
    string? Field = null, int? RetryAfterSeconds = null);

/// <summary>A report the worker filed, as "my reports" lists it: where it is in the loop now.</summary>
public sealed record FiledReport(
    Guid IncidentId, string Number, string Category, string Description, string Status,
    DateTimeOffset OccurredAt, DateTimeOffset UpdatedAt, bool FixedOnSpot);

/// <summary>
/// One step a phone made, perhaps offline, sent in the order it was made. <see cref="Id"/> is made on the phone: a
/// step that arrives twice is applied once (the second answer is the first one's). <see cref="OccurredAt"/> is when the
/// crew tapped; the server keeps it beside the time it arrived. <see cref="Step"/> is one of <see cref="UnitSteps"/>;
/// <see cref="Text"/> carries a note or a resolution; the position fields carry a position.
/// <see cref="IncidentId"/> (added at the end, optional): the incident the crew was on when it tapped; a step for an
/// incident the unit is no longer on is refused rather than applied to its next one.
/// </summary>
public sealed record QueuedStep(
    Guid Id, string Step, DateTimeOffset OccurredAt, string? Text = null,
    double? Latitude = null, double? Longitude = null, double? Accuracy = null, Guid? IncidentId = null);

/// <summary>The steps a <see cref="QueuedStep"/> may name: the unit hub's moves, by their method names.</summary>
public static class UnitSteps
{
    public const string OnDuty = UnitHubMethods.OnDuty;
    public const string OffDuty = UnitHubMethods.OffDuty;
    public const string AcceptAndGo = UnitHubMethods.AcceptAndGo;
    public const string EnRoute = UnitHubMethods.EnRoute;
    public const string OnScene = UnitHubMethods.OnScene;
    public const string Returning = UnitHubMethods.Returning;
    public const string Clear = UnitHubMethods.Clear;
    public const string Position = UnitHubMethods.Position;
    public const string Note = UnitHubMethods.Note;
    public const string Resolve = UnitHubMethods.Resolve;

    public static readonly IReadOnlySet<string> All =
        new HashSet<string>([OnDuty, OffDuty, AcceptAndGo, EnRoute, OnScene, Returning, Clear, Position, Note, Resolve]);
}
