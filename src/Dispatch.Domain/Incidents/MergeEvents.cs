namespace Dispatch.Domain.Incidents;

// Several reports of one matter become one incident (一件事). A merge and an unmerge each write to two streams:
// the duplicate's and the target's, in one transaction. Every event names the stream it belongs to (IncidentId).

/// <summary>
/// Appended to the duplicate: it was merged into <paramref name="TargetId"/> and leaves the board. Its caller is
/// kept on the target (<see cref="IncidentReportMerged"/>) for the callback.
/// </summary>
public sealed record IncidentMergedInto(Guid IncidentId, Guid TargetId, string TargetNumber, string By, DateTimeOffset At)
    : IIncidentEvent;

/// <summary>
/// Appended to the target: the report <paramref name="SourceNumber"/> was merged into it, with its caller and what
/// they said, so the target lists every caller to call back.
/// </summary>
public sealed record IncidentReportMerged(Guid IncidentId, Guid SourceId, string SourceNumber, Caller Caller, string Description,
    string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>
/// Appended to the duplicate: it is its own incident again, back in the state it was in when merged
/// (<paramref name="Resumes"/>).
/// </summary>
public sealed record IncidentUnmerged(Guid IncidentId, Guid TargetId, string TargetNumber, IncidentState Resumes, string By,
    DateTimeOffset At) : IIncidentEvent;

/// <summary>Appended to the target: the report <paramref name="SourceNumber"/> was taken out again; its caller leaves the list.</summary>
public sealed record IncidentReportUnmerged(Guid IncidentId, Guid SourceId, string SourceNumber, string By, DateTimeOffset At)
    : IIncidentEvent;

/// <summary>Which incident a merged duplicate went into, and the state it resumes when unmerged.</summary>
public sealed record MergeLink(Guid TargetId, string TargetNumber, IncidentState Resumes);

/// <summary>
/// A category code as a refusal argument: printed as the code, shown to people by its name in their language.
/// </summary>
public sealed record CategoryCode(string Code)
{
    public override string ToString() => Code;
}
