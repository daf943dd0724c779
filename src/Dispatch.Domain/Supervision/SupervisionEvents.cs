using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Supervision;

// Supervision that follows up (督促纠偏), and the clocks on the centre's own steps. The request itself is
// Incidents.IncidentSupervised (with its reply-by and number); these are what follows it.

/// <summary>
/// The handling side answered the supervision: the lead department's handler or the commanding desk's dispatcher
/// (<paramref name="Department"/> null). Answers every request up to <paramref name="Sequence"/> still waiting.
/// </summary>
public sealed record SupervisionAnswered(Guid IncidentId, int Sequence, string? Department, string Text, string By, DateTimeOffset At)
    : IIncidentEvent;

/// <summary>
/// Supervision request <paramref name="Sequence"/> got no answer by <paramref name="ReplyBy"/>: recorded once, counted
/// against <paramref name="Department"/> (the lead then; null while none leads) in the KPIs. Command goes up to the
/// supervising leader's level (<paramref name="LeaderLevel"/>) by an <see cref="IncidentEscalated"/> beside it when it sits lower.
/// </summary>
public sealed record SupervisionOverdue(Guid IncidentId, int Sequence, DateTimeOffset ReplyBy, string? Department,
    CommandLevel? LeaderLevel, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>A report was left unaccepted past its time (<paramref name="Due"/>, from the centre's clocks): flagged once.</summary>
public sealed record AcceptanceOverdue(Guid IncidentId, DateTimeOffset Due, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>A resolved incident was left without its citizen callback past its time: flagged once per resolution.</summary>
public sealed record CallbackOverdue(Guid IncidentId, DateTimeOffset Due, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>
/// A callback call that did not reach the caller (<paramref name="Reached"/> is false: a reached caller is a
/// <see cref="CitizenCallbackRecorded"/>). <paramref name="Attempt"/> counts them since the resolution.
/// </summary>
public sealed record CallbackAttempted(Guid IncidentId, int Attempt, bool Reached, string? Note, string By, DateTimeOffset At) : IIncidentEvent;
