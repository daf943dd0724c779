using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Incidents;
using Dispatch.Server.Plans;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// The plan's steps the drawer offers (activate-plan, stand-down, acknowledge-task, complete-task), by the same access rules
/// the server applies to the command. Like <see cref="IncidentActionMenu"/> only a hint: the decider and the rules still rule.
/// </summary>
public static class PlanActionMenu
{
    /// <summary>
    /// The plans proposed for the incident (the rule of GET /api/plans?incident=), while no plan runs and the incident is
    /// still being handled; to those the plan library is for (dispatchers and leaders, as the API), others see none.
    /// </summary>
    public static IReadOnlyList<ContingencyPlan> Proposed(IncidentDetail d, Actor actor, PlanLibrary plans) =>
        d.Plan is { Running: true } || d.State.IsFinished() || !actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader)
            ? []
            : plans.Matching(d.Category, d.Urgency, d.Description, d.Scope().Path);

    /// <summary>A dispatcher of the commanding desk, at a level at or above the plan's command level (the server's check).</summary>
    public static bool MayActivate(IncidentDetail d, Actor actor, ContingencyPlan plan) =>
        AccessRules.Allows(actor, new ActivatePlan(plan, "", actor.Login), d.Scope());

    public static bool MayStandDown(IncidentDetail d, Actor actor) =>
        d.Plan is { Running: true } && AccessRules.Allows(actor, new StandDownPlan("", actor.Login), d.Scope());

    /// <summary>
    /// The department a task is worked in the name of: its own, or for a task by capability the person's acting department
    /// (a unit works it in its department's name).
    /// </summary>
    public static string? DepartmentFor(IncidentDetail d, Actor actor, PlanTaskDetail task) =>
        task.Department ?? AccessRules.ActingDepartment(actor, d.Scope());

    /// <summary>The task's department's handlers and units (the PlanTask rule), while the plan runs and the task is not done.</summary>
    public static bool MayWork(IncidentDetail d, Actor actor, PlanTaskDetail task) =>
        d.Plan is { Running: true } && !task.Done && DepartmentFor(d, actor, task) is { } department
        && AccessRules.Allows(actor, IncidentAction.PlanTask, d.Scope(), department);

    public static bool MayAcknowledge(IncidentDetail d, Actor actor, PlanTaskDetail task) =>
        task.AcknowledgedBy is null && MayWork(d, actor, task);

    /// <summary>The plan's steps for the drawer's action row, in the order they come up.</summary>
    public static IEnumerable<string> For(IncidentDetail d, Actor actor, PlanLibrary plans)
    {
        if (Proposed(d, actor, plans).Any(p => MayActivate(d, actor, p))) yield return "activate-plan";
        if (d.Plan is not { Running: true } plan) yield break;
        if (plan.Tasks.Any(t => MayAcknowledge(d, actor, t))) yield return "acknowledge-task";
        if (plan.Tasks.Any(t => MayWork(d, actor, t))) yield return "complete-task";
        if (MayStandDown(d, actor)) yield return "stand-down";
    }

    /// <summary>The task a form opened from the action row starts on: the first one this person can take the step on.</summary>
    public static string? FirstTask(IncidentDetail d, Actor actor, string action) =>
        d.Plan?.Tasks.FirstOrDefault(t => action == "acknowledge-task" ? MayAcknowledge(d, actor, t) : MayWork(d, actor, t))?.Code;

    /// <summary>Whether a task is late now: recorded overdue, or past its deadline and not done.</summary>
    public static bool IsLate(PlanTaskDetail task, DateTimeOffset now) => !task.Done && (task.Overdue || task.Due <= now);

    /// <summary>open, acknowledged, done or overdue: what the task list shows (and its data-state).</summary>
    public static string StateOf(PlanTaskDetail task, DateTimeOffset now) =>
        task.Done ? "done" : IsLate(task, now) ? "overdue" : task.AcknowledgedBy is not null ? "acknowledged" : "open";
}

/// <summary>A task's button in the drawer's plan section: the task, and whether to complete it (else acknowledge it).</summary>
public sealed record PlanTaskChoice(string Task, bool Complete);
