using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Plans;

// A plan's run is part of the incident's record: these go on the incident's own stream, each with who and when.

/// <summary>A task as the activation set it: its deadline is the activation time plus the plan's allowance.</summary>
public sealed record PlanTaskSet(string Code, string What, string? Department, string? Capability, DateTimeOffset Due);

public sealed record PlanActivated(
    Guid IncidentId, string Plan, int Version, string Name, ResponseLevel Level, CommandLevel CommandLevel,
    string Lead, IReadOnlyList<string> Assisting, IReadOnlyList<PlanTaskSet> Tasks, string Reason, string By, DateTimeOffset At)
    : IIncidentEvent;

public sealed record PlanTaskAcknowledged(Guid IncidentId, string Task, string Department, string By, DateTimeOffset At) : IIncidentEvent;

public sealed record PlanTaskCompleted(Guid IncidentId, string Task, string Department, string Note, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>A task past its deadline, recorded once: the commanding board hears of it.</summary>
public sealed record PlanTaskOverdue(Guid IncidentId, string Task, DateTimeOffset Due, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>The plan ends (撤销响应): the tasks still open are named.</summary>
public sealed record PlanStoodDown(Guid IncidentId, string Plan, int Version, string Reason, IReadOnlyList<string> TasksLeft, string By, DateTimeOffset At)
    : IIncidentEvent;
