using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// Which actions the drawer offers for an incident, named as the API names them
/// (<see cref="IncidentCommandParser.Actions"/>). Only a hint to keep the drawer short: the decider still rules,
/// and a refusal is shown if the incident moved on meanwhile.
/// </summary>
public static class IncidentActionMenu
{
    /// <summary>Actions that need nothing more than a click.</summary>
    public static readonly IReadOnlySet<string> OneClick = new HashSet<string> { "accept", "acknowledge", "close", "unmerge", "close-unreached" };

    /// <summary>
    /// The steps the state allows that this person's roles allow here. Department work is done in the name of
    /// <see cref="AccessRules.ActingDepartment"/>: the lead, or the assisting department the person works for.
    /// </summary>
    /// <remarks>With <paramref name="plans"/>, the plan's steps too (<see cref="PlanActionMenu"/>).</remarks>
    public static IReadOnlyList<string> For(IncidentDetail d, Actor actor, Plans.PlanLibrary? plans = null)
    {
        var department = AccessRules.ActingDepartment(actor, d.Scope());
        var steps = IsAssisting(d, department) ? ForAssisting(d, department!) : For(d);
        return [.. steps.Where(action => AccessRules.Allows(actor, ActionOf(action), d.Scope(),
            DepartmentWork(action) || action == "answer" ? department : null)),
            .. plans is null ? [] : PlanActionMenu.For(d, actor, plans)];
    }

    public static IReadOnlyList<string> For(IncidentDetail d) => [.. Loop(d), .. Command(d), .. Supervision.SupervisionMenu.For(d)];

    /// <summary>The access rules' action for a drawer action (most are named alike).</summary>
    static IncidentAction ActionOf(string action) => Supervision.SupervisionMenu.ActionOf(action) ?? Enum.Parse<IncidentAction>(action, ignoreCase: true);

    static IReadOnlyList<string> Loop(IncidentDetail d) => d.State switch
    {
        // An incident nobody could place puts placing first: until then no centre owns it.
        IncidentState.Reported when d.NeedsPlacement is not null => ["place", "accept", "cancel", "locate"],
        IncidentState.Reported => ["accept", "cancel", "locate", "place"],
        IncidentState.Accepted => ["assign", "cancel", "locate", "place"],
        IncidentState.Assigned => ["acknowledge", "assign", "return", "cancel", "locate", "place"],
        IncidentState.Acknowledged => ["progress", "resolve", "return", "cancel", "locate", "place"],
        // Whoever left a number is called back before the incident closes; without one it can close at once.
        IncidentState.Resolved when !d.CallbackRecorded && !string.IsNullOrEmpty(d.CallerPhone) => ["callback", "reopen", "locate", "place"],
        IncidentState.Resolved when !d.CallbackRecorded => ["close", "callback", "reopen", "locate", "place"],
        IncidentState.Resolved => ["close", "reopen", "locate", "place"],
        IncidentState.Closed => ["reopen"],
        // Merging is offered with the possible duplicates (PossibleDuplicates); only its undoing is a step here.
        IncidentState.Merged => ["unmerge"],
        _ => [],
    };

    /// <summary>
    /// Moving command (until resolved; only where there is a level to move to) and supervision (while open).
    /// </summary>
    static IEnumerable<string> Command(IncidentDetail d)
    {
        var beingHandled = !d.State.IsFinished();
        if (beingHandled && CommandLevels.Up(d.Level) is not null) yield return "escalate";
        if (beingHandled && CommandLevels.Down(d.Level) is not null) yield return "delegate";
        if (beingHandled) yield return "override";
        if (beingHandled || d.State == IncidentState.Resolved) yield return "supervise";
    }

    /// <summary>An assisting department acknowledges its part, then notes progress; either may hand its part back.</summary>
    static IReadOnlyList<string> ForAssisting(IncidentDetail d, string department)
    {
        IReadOnlyList<string> own = d.State is IncidentState.Assigned or IncidentState.Acknowledged
            ? d.AcknowledgedBy.Contains(department) ? ["progress", "return"] : ["acknowledge", "return"]
            : [];
        return [.. own, .. For(d).Where(a => !DepartmentWork(a))];
    }

    public static bool IsAssisting(IncidentDetail d, string? department) =>
        department is not null && department != d.LeadDepartment && d.Assisting.Contains(department);

    /// <summary>Work done in a department's name (acknowledge, progress, return, resolve).</summary>
    public static bool DepartmentWork(string action) => action is "acknowledge" or "progress" or "return" or "resolve";
}
