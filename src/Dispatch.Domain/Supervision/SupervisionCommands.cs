using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Supervision;

/// <summary>
/// Answer the supervision of an incident: a handler in the name of <paramref name="Department"/> (must lead it), or a
/// dispatcher of the commanding desk (no department).
/// </summary>
public sealed record AnswerSupervision(string Text, string By, string? Department = null) : IncidentCommand(By);

/// <summary>A callback call that did not reach the caller, with what happened (no answer, switched off…).</summary>
public sealed record RecordCallbackAttempt(string? Note, string By) : IncidentCommand(By);
