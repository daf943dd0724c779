using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Plans;

/// <summary>
/// Activate <paramref name="Plan"/> (the version the dispatcher saw) on an incident, with a reason.
/// <paramref name="Deadlines"/>: the policy's times for an assignment the activation makes (server side).
/// </summary>
public sealed record ActivatePlan(ContingencyPlan Plan, string Reason, string By, Command.Deadlines? Deadlines = null) : IncidentCommand(By);

public sealed record AcknowledgePlanTask(string Task, string Department, string By) : IncidentCommand(By);

public sealed record CompletePlanTask(string Task, string Department, string Note, string By) : IncidentCommand(By);

public sealed record StandDownPlan(string Reason, string By) : IncidentCommand(By);

/// <summary>The clock's look at the running plan: tasks past their deadline are recorded overdue, each once.</summary>
public sealed record CheckPlanTasks(string By) : IncidentCommand(By);
