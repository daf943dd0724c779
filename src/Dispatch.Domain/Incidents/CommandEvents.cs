using Dispatch.Domain.Command;

namespace Dispatch.Domain.Incidents;

// Three-level command: where an incident is commanded, how that changes, and who watches over it.

/// <summary>The routing policy's suggestion at intake: command level and lead department, by which rule.</summary>
public sealed record IncidentRouted(Guid IncidentId, CommandLevel Level, string Department, string Rule, string By, DateTimeOffset At)
    : IIncidentEvent;

/// <summary>A dispatcher overrode the suggestion (level and/or lead department), with a reason.</summary>
public sealed record IncidentRoutingOverridden(Guid IncidentId, CommandLevel Level, string? Department, string Reason,
    string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>
/// Command moved one level up: by hand (too difficult, too big) or automatically when a deadline ran out
/// (<paramref name="Automatic"/>). The running deadline starts again for the new level.
/// </summary>
public sealed record IncidentEscalated(Guid IncidentId, CommandLevel From, CommandLevel To, string Reason, bool Automatic,
    DateTimeOffset? AcknowledgeBy, DateTimeOffset? ResolveBy, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>Command moved one level down (routine after all), with a reason.</summary>
public sealed record IncidentDelegated(Guid IncidentId, CommandLevel From, CommandLevel To, string Reason, string By, DateTimeOffset At)
    : IIncidentEvent;

/// <summary>A deadline ran out with nowhere higher to go (the city commands it): recorded once per deadline.</summary>
public sealed record IncidentDeadlineMissed(Guid IncidentId, DeadlineKind Kind, DateTimeOffset Due, string By, DateTimeOffset At)
    : IIncidentEvent;

/// <summary>
/// A leader's supervision (督办): shown on every board holding the incident until it closes. A request: the handling side
/// answers by <paramref name="ReplyBy"/>, else it goes up to <paramref name="LeaderLevel"/> (Supervision.SupervisionRules).
/// <paramref name="Sequence"/>: 1 for the first supervision of the incident, 2 for the second…
/// </summary>
public sealed record IncidentSupervised(Guid IncidentId, string Comment, string By, DateTimeOffset At,
    DateTimeOffset? ReplyBy = null, int Sequence = 0, CommandLevel? LeaderLevel = null) : IIncidentEvent;

public enum DeadlineKind { Acknowledge, Resolve }
