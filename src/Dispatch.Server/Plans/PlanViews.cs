using Dispatch.Domain.Command;
using Dispatch.Domain.Plans;

namespace Dispatch.Server.Plans;

/// <summary>
/// The plan on a board card: enough for the row's badge, the situation screen's list and the deadline watch. The last plan
/// run on the incident, running or stood down (a new activation replaces it).
/// </summary>
public sealed record CardPlan(string Code, int Version, string Title, ResponseLevel Level, CommandLevel CommandLevel, DateTimeOffset ActivatedAt,
    IReadOnlyList<PlanTaskState> Tasks)
{
    public int Total { get; init; }
    public int Done { get; init; }
    /// <summary>Tasks recorded overdue (<see cref="PlanTaskOverdue"/>) and still not done.</summary>
    public int Late { get; init; }
    /// <summary>While running: the soonest deadline of a task neither done nor recorded overdue (the watch wakes for it).</summary>
    public DateTimeOffset? NextDue { get; init; }
    public DateTimeOffset? StoodDownAt { get; init; }
    public bool Running => StoodDownAt is null;

    /// <summary>Folds one plan event into the card's plan; other events leave it as it is.</summary>
    public static CardPlan? Evolve(CardPlan? plan, object @event) => @event switch
    {
        PlanActivated a => Counted(new CardPlan(a.Plan, a.Version, a.Name, a.Level, a.CommandLevel, a.At,
            PlanRun.Evolve(null, a)!.Tasks)),
        PlanStoodDown s when plan is not null => plan with { StoodDownAt = s.At, NextDue = null },
        PlanTaskAcknowledged or PlanTaskCompleted or PlanTaskOverdue when plan is { Running: true } =>
            Counted(plan with { Tasks = PlanRun.Evolve(plan.Run, @event)!.Tasks }),
        _ => plan,
    };

    /// <summary>The domain's own run, so the card counts exactly as the rules decide.</summary>
    PlanRun Run => new(Code, Version, Level, ActivatedAt, Tasks);

    static CardPlan Counted(CardPlan plan) => plan with
    {
        Total = plan.Tasks.Count, Done = plan.Run.Done, Late = plan.Tasks.Count(t => t.Overdue && !t.Done), NextDue = plan.Run.NextDue,
    };
}

/// <summary>
/// The plan in an incident's drawer (<c>IncidentDetail.Plan</c>): the version that ran, why and by whom, each task with its
/// deadline and who acknowledged and completed it, and the stand-down. The last plan run on the incident.
/// </summary>
public sealed record PlanDetail(
    string Code, int Version, string Title, ResponseLevel Level, CommandLevel CommandLevel, string Lead, IReadOnlyList<string> Assisting,
    string Reason, string ActivatedBy, DateTimeOffset ActivatedAt, IReadOnlyList<PlanTaskDetail> Tasks)
{
    public string? StoodDownBy { get; init; }
    public DateTimeOffset? StoodDownAt { get; init; }
    public string? StoodDownReason { get; init; }
    public bool Running => StoodDownAt is null;

    public static PlanDetail? Evolve(PlanDetail? plan, object @event) => @event switch
    {
        PlanActivated a => new PlanDetail(a.Plan, a.Version, a.Name, a.Level, a.CommandLevel, a.Lead, a.Assisting, a.Reason, a.By, a.At,
            [.. a.Tasks.Select(t => new PlanTaskDetail(t.Code, t.What, t.Department, t.Capability, t.Due))]),
        PlanStoodDown s when plan is not null => plan with { StoodDownBy = s.By, StoodDownAt = s.At, StoodDownReason = s.Reason },
        PlanTaskAcknowledged k when plan is { Running: true } =>
            plan.With(k.Task, t => t with { WorkedBy = k.Department, AcknowledgedBy = k.By, AcknowledgedAt = k.At }),
        // Completing acknowledges too, when nobody did first (the domain's rule).
        PlanTaskCompleted c when plan is { Running: true } => plan.With(c.Task, t => t with
        {
            WorkedBy = c.Department, AcknowledgedBy = t.AcknowledgedBy ?? c.By, AcknowledgedAt = t.AcknowledgedAt ?? c.At,
            CompletedBy = c.By, CompletedAt = c.At, Note = c.Note,
        }),
        PlanTaskOverdue o when plan is { Running: true } => plan.With(o.Task, t => t with { Overdue = true, OverdueAt = o.At }),
        _ => plan,
    };

    PlanDetail With(string code, Func<PlanTaskDetail, PlanTaskDetail> change) =>
        this with { Tasks = [.. Tasks.Select(t => t.Code == code ? change(t) : t)] };
}

/// <summary>
/// One task of a plan: what, for which department (or a unit with which capability), due when; the department that worked it
/// (<see cref="WorkedBy"/>: for a capability task, the unit's), who acknowledged and completed it, and whether it was
/// recorded overdue. <see cref="Code"/> is what acknowledge-task and complete-task name.
/// </summary>
public sealed record PlanTaskDetail(string Code, string What, string? Department, string? Capability, DateTimeOffset Due)
{
    public string? WorkedBy { get; init; }
    public string? AcknowledgedBy { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public string? CompletedBy { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? Note { get; init; }
    public bool Overdue { get; init; }
    public DateTimeOffset? OverdueAt { get; init; }
    public bool Done => CompletedAt is not null;
}
