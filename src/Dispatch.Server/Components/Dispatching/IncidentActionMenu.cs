using Dispatch.Domain.Access;
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
    public static readonly IReadOnlySet<string> OneClick = new HashSet<string> { "accept", "acknowledge", "close", "unmerge" };

    /// <summary>The steps the state allows that this person's roles allow here (department work in the lead's name).</summary>
    public static IReadOnlyList<string> For(IncidentDetail d, Actor actor) =>
        For(d).Where(action => AccessRules.Allows(actor, Enum.Parse<IncidentAction>(action, ignoreCase: true), d.Scope(),
            OnBehalfOfLead(action) ? d.LeadDepartment : null)).ToList();

    public static IReadOnlyList<string> For(IncidentDetail d) => d.State switch
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

    /// <summary>Acting for the lead department: the department handlers' own view comes later.</summary>
    public static bool OnBehalfOfLead(string action) => action is "acknowledge" or "progress" or "return" or "resolve";
}
