using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Plans;

/// <summary>A task of the running plan and where it is.</summary>
public sealed record PlanTaskState(string Code, string? Department, string? Capability, DateTimeOffset Due,
    bool Acknowledged = false, bool Done = false, bool Overdue = false);

/// <summary>The plan running on an incident: which version, since when, and its tasks.</summary>
public sealed record PlanRun(string Code, int Version, ResponseLevel Level, DateTimeOffset ActivatedAt, IReadOnlyList<PlanTaskState> Tasks)
{
    /// <summary>Where the plan has the incident commanded: an overdue task brings command back up towards it.</summary>
    public CommandLevel CommandLevel { get; init; } = CommandLevel.Town;

    public int Done => Tasks.Count(t => t.Done);

    /// <summary>Tasks past their deadline and not done, at <paramref name="now"/>.</summary>
    public int Late(DateTimeOffset now) => Tasks.Count(t => !t.Done && t.Due <= now);

    /// <summary>The soonest deadline of a task not done and not yet recorded overdue: when the clock should look again.</summary>
    public DateTimeOffset? NextDue => Tasks.Where(t => !t.Done && !t.Overdue).Select(t => (DateTimeOffset?)t.Due).Min();

    /// <summary>Folds one plan event into the incident's plan (null: no plan running).</summary>
    public static PlanRun? Evolve(PlanRun? run, object @event) => @event switch
    {
        PlanActivated e => new(e.Plan, e.Version, e.Level, e.At,
            [.. e.Tasks.Select(t => new PlanTaskState(t.Code, t.Department, t.Capability, t.Due))]) { CommandLevel = e.CommandLevel },
        PlanStoodDown => null,
        PlanTaskAcknowledged e when run is not null => run.With(e.Task, t => t with { Acknowledged = true }),
        PlanTaskCompleted e when run is not null => run.With(e.Task, t => t with { Acknowledged = true, Done = true }),
        PlanTaskOverdue e when run is not null => run.With(e.Task, t => t with { Overdue = true }),
        _ => run,
    };

    PlanRun With(string code, Func<PlanTaskState, PlanTaskState> change) =>
        this with { Tasks = [.. Tasks.Select(t => t.Code == code ? change(t) : t)] };
}

/// <summary>
/// The rules of a plan's run on an incident, pure like the rest of the loop. Activation, in one decision: the incident
/// is accepted if it was not yet, moved up to the plan's command level if it sits lower, assigned to the plan's lead
/// and assisting departments while nobody has acknowledged it (once a department handles it, its lead stays, and the
/// plan's departments work through their tasks), and the plan recorded with its version and each task's deadline.
/// One plan runs at a time: a second activation (two dispatchers at once) is refused on the stream the first changed.
/// </summary>
public static class PlanDecider
{
    public static Decision Decide(Incident i, IncidentCommand command, DateTimeOffset now) => command switch
    {
        ActivatePlan c => Activate(i, c, now),
        AcknowledgePlanTask c => OnTask(i, c.Task, c.Department, now, t =>
            t.Acknowledged
                ? Decision.Refuse("plan.task-acknowledged", "Task {0} of incident {1} was already acknowledged.", t.Code, i.Number)
                : Decision.Accept(new PlanTaskAcknowledged(i.Id, t.Code, c.Department, c.By, now))),
        CompletePlanTask c when string.IsNullOrWhiteSpace(c.Note) =>
            Decision.Refuse("plan.task-no-note", "Say what was done for task {0}.", c.Task),
        CompletePlanTask c => OnTask(i, c.Task, c.Department, now, t =>
            Decision.Accept(new PlanTaskCompleted(i.Id, t.Code, c.Department, c.Note.Trim(), c.By, now))),
        StandDownPlan c => StandDown(i, c, now),
        CheckPlanTasks c => Check(i, c, now),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
    };

    static Decision Activate(Incident i, ActivatePlan c, DateTimeOffset now)
    {
        var plan = c.Plan;
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("plan.no-reason", "Say why plan {0} is activated on incident {1}.", plan.Name, i.Number);
        if (i.Plan is { } running)
            return Decision.Refuse("plan.running",
                "Plan {0} (version {1}) is already running on incident {2}; stand it down first.", running.Code, running.Version, i.Number);
        if (i.State is IncidentState.Resolved)
            return Decision.Refuse("plan.resolved", "Incident {0} is resolved; reopen it before activating a plan.", i.Number);

        var reason = c.Reason.Trim();
        var events = new List<object>();
        var state = i.State;
        if (state == IncidentState.Reported)
        {
            events.Add(new IncidentAccepted(i.Id, c.By, now));
            state = IncidentState.Accepted;
        }
        if (plan.CommandLevel > i.Level)
            events.Add(new IncidentEscalated(i.Id, i.Level, plan.CommandLevel, $"plan {plan.Code} v{plan.Version}: {reason}", Automatic: false,
                state == IncidentState.Assigned ? now + i.AcknowledgeWindow : null,
                state == IncidentState.Acknowledged ? now + i.ResolveWindow : null, c.By, now));
        var assisting = plan.Assisting.Where(d => d != plan.Lead).Distinct().ToList();
        var sameAssignment = state == IncidentState.Assigned && i.LeadDepartment == plan.Lead && assisting.All(i.Assisting.Contains);
        if (state is IncidentState.Accepted || state is IncidentState.Assigned && !sameAssignment)
            events.Add(new IncidentAssigned(i.Id, plan.Lead, c.By, now, assisting,
                c.Deadlines is { } d ? now + d.Acknowledge : null, c.Deadlines is { } r ? now + r.Resolve : null));
        events.Add(new PlanActivated(i.Id, plan.Code, plan.Version, plan.Name, plan.Level, plan.CommandLevel, plan.Lead, assisting,
            [.. plan.Tasks.Select(t => new PlanTaskSet(t.Code, t.What, t.Department, t.Capability, now + t.Within))], reason, c.By, now));
        return Decision.Accept([.. events]);
    }

    static Decision OnTask(Incident i, string code, string department, DateTimeOffset now, Func<PlanTaskState, Decision> decide)
    {
        if (i.Plan is not { } run)
            return Decision.Refuse("plan.none", "No plan is running on incident {0}.", i.Number);
        if (run.Tasks.FirstOrDefault(t => t.Code == code) is not { } task)
            return Decision.Refuse("plan.task-unknown", "Plan {0} has no task '{1}'.", run.Code, code);
        if (task.Department is { } owner && owner != department)
            return Decision.Refuse("plan.task-wrong-department", "Task {0} of plan {1} is for {2}, not {3}.", code, run.Code, owner, department);
        if (task.Done)
            return Decision.Refuse("plan.task-done", "Task {0} of incident {1} is already done.", code, i.Number);
        return decide(task);
    }

    static Decision StandDown(Incident i, StandDownPlan c, DateTimeOffset now)
    {
        if (i.Plan is not { } run)
            return Decision.Refuse("plan.none", "No plan is running on incident {0}.", i.Number);
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("plan.no-reason", "Say why plan {0} stands down on incident {1}.", run.Code, i.Number);
        return Decision.Accept(new PlanStoodDown(i.Id, run.Code, run.Version, c.Reason.Trim(),
            [.. run.Tasks.Where(t => !t.Done).Select(t => t.Code)], c.By, now));
    }

    /// <summary>
    /// The clock's look: each task past its deadline is recorded overdue once (the commanding centre and the task's
    /// department hear of it, <see cref="Chat.SystemMessages"/>). That is the escalation, with one more step: when command
    /// sits below where the plan put it (a dispatcher delegated it down since), it goes one level back up, automatically,
    /// like a missed assignment deadline. A finished incident's plan no longer runs out (nothing is escalated on it).
    /// </summary>
    static Decision Check(Incident i, CheckPlanTasks c, DateTimeOffset now)
    {
        List<PlanTaskState> late = i.State.IsFinished() ? [] : i.Plan?.Tasks.Where(t => !t.Done && !t.Overdue && t.Due <= now).ToList() ?? [];
        if (late.Count == 0) return Decision.Refuse("plan.none-due", "No task of incident {0} has run out.", i.Number);
        var events = late.Select(t => (object)new PlanTaskOverdue(i.Id, t.Code, t.Due, c.By, now)).ToList();
        if (i.Level < i.Plan!.CommandLevel && CommandLevels.Up(i.Level) is { } up)
            events.Add(new IncidentEscalated(i.Id, i.Level, up,
                FormattableString.Invariant($"plan {i.Plan.Code} task {string.Join(", ", late.Select(t => t.Code))} overdue since {late.Min(t => t.Due).UtcDateTime:yyyy-MM-dd HH:mm} UTC"),
                Automatic: true,
                i.State == IncidentState.Assigned ? now + i.AcknowledgeWindow : null,
                i.State == IncidentState.Acknowledged ? now + i.ResolveWindow : null, c.By, now));
        return Decision.Accept([.. events]);
    }
}
