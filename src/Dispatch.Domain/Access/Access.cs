using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Access;

/// <summary>What a person does at a centre. Each role is held at a node of the jurisdiction tree.</summary>
public enum Role
{
    /// <summary>Hotline (12345) call-taker: files reports, records citizen callbacks, sees caller details.</summary>
    CallTaker,
    /// <summary>Dispatcher at a command centre (city, district or town): runs the loop in its jurisdiction.</summary>
    Dispatcher,
    /// <summary>Department handler: acknowledges, handles, returns and resolves what is assigned to the department.</summary>
    Handler,
    /// <summary>Field unit (grid worker, team, vehicle) of a department: sees its department's incidents, notes progress.</summary>
    FieldUnit,
    /// <summary>Leader: watches everything in the jurisdiction, reads the audit trail; acts through supervision.</summary>
    Leader,
    /// <summary>Administrator: keeps users and roles in the jurisdiction and reads the audit trail; no incident work.</summary>
    Admin,
}

/// <summary>
/// A role held at one node of the tree, by its path (<c>demo/dh/dh-01</c>), and for one department where
/// the role works for a department (handlers and field units).
/// </summary>
public sealed record Grant(Role Role, string Scope, string? Department = null)
{
    public static bool NeedsDepartment(Role role) => role is Role.Handler or Role.FieldUnit;
}

/// <summary>Who acts: the login recorded on every event, the name people read, and what they hold.</summary>
public sealed record Actor(string Login, string Name, IReadOnlyList<Grant> Grants)
{
    public bool Has(Role role) => Grants.Any(g => g.Role == role);
}

/// <summary>What the access rules need to know of an incident.</summary>
/// <param name="Path">Where it lies in the tree: its placement, or, until placed, the centre that received it.</param>
/// <param name="LeadDepartment">The department it is assigned to, if any.</param>
/// <param name="Level">The level that commands it (routing, escalation and delegation move it).</param>
/// <param name="Assisting">Departments assisting the lead (多部门共调): they see the incident too.</param>
/// <param name="FoundBy">The sign-in of the field unit that found it (a grid report), if one did.</param>
public sealed record IncidentScope(string Path, string? LeadDepartment, CommandLevel Level = CommandLevel.Town,
    IReadOnlyList<string>? Assisting = null, string? FoundBy = null)
{
    /// <summary>Whether <paramref name="department"/> works on it: the lead, or one assisting.</summary>
    public bool Involves(string department) => department == LeadDepartment || Assisting?.Contains(department) == true;

    /// <summary>
    /// The command centre that handles it: the ancestor of its place at its command level (the place itself when
    /// it is placed no finer). Its dispatchers, and those above them, dispatch it.
    /// </summary>
    public string Centre => CommandLevels.CentreOf(Path, Level);

    public static IncidentScope Of(Incident incident) =>
        new(incident.Place?.Path ?? incident.ReceivedAt ?? "", incident.LeadDepartment, incident.Level, [.. incident.Assisting], incident.FoundBy);
}

/// <summary>What the access rules need to know of a unit: its own sign-in, its department and its home in the tree.</summary>
public sealed record UnitScope(string? Login, string Department, string HomePath)
{
    public static UnitScope Of(Unit unit) => new(unit.Login, unit.Department, unit.HomePath);
}

/// <summary>What can be done to an incident. Each API action and each console button maps to one.</summary>
public enum IncidentAction
{
    Read, Report, Accept, Assign, Acknowledge, Progress, Return, Resolve, Callback, Close, Reopen, Cancel, Locate, Place,
    /// <summary>Read the caller's name and phone unmasked, with a stated reason (audited).</summary>
    RevealCaller,
    Override, Escalate, Delegate, Supervise,
    /// <summary>Merge a duplicate report into the incident open for the same matter, and undo that.</summary>
    Merge, Unmerge,
    /// <summary>Activate a contingency plan on the incident, and stand it down (the commanding centre's dispatchers).</summary>
    ActivatePlan, StandDownPlan,
    /// <summary>Acknowledge and complete a task of the running plan, in one's own department's name.</summary>
    PlanTask,
    /// <summary>Answer a leader's supervision: the lead department's handlers, the commanding desk's dispatchers.</summary>
    AnswerSupervision,
}

/// <summary>
/// The access rules, pure: which role may do what where. A scope covers its own node and everything beneath
/// it, so a town dispatcher works in its town, a district in all its towns, the city everywhere.
/// </summary>
public static class AccessRules
{
    /// <summary>True when the node at <paramref name="path"/> is <paramref name="scope"/> or lies beneath it.</summary>
    /// <remarks>An incident with no known place (empty path) belongs to the city: only a city-wide scope covers it.</remarks>
    public static bool Covers(string scope, string path) =>
        path.Length == 0
            ? !scope.Contains('/')
            : path == scope || path.StartsWith(scope + "/", StringComparison.Ordinal);

    static readonly Dictionary<Role, IncidentAction[]> ByRole = new()
    {
        [Role.CallTaker] = [IncidentAction.Read, IncidentAction.Report, IncidentAction.Callback, IncidentAction.Merge, IncidentAction.Unmerge],
        [Role.Dispatcher] =
        [
            IncidentAction.Read, IncidentAction.Report, IncidentAction.Accept, IncidentAction.Assign, IncidentAction.Callback,
            IncidentAction.Close, IncidentAction.Reopen, IncidentAction.Cancel, IncidentAction.Locate, IncidentAction.Place,
            IncidentAction.RevealCaller, IncidentAction.Override, IncidentAction.Escalate, IncidentAction.Delegate,
            IncidentAction.Merge, IncidentAction.Unmerge, IncidentAction.ActivatePlan, IncidentAction.StandDownPlan,
            IncidentAction.AnswerSupervision,
        ],
        [Role.Handler] =
        [
            IncidentAction.Read, IncidentAction.Acknowledge, IncidentAction.Progress, IncidentAction.Return, IncidentAction.Resolve,
            IncidentAction.PlanTask, IncidentAction.AnswerSupervision,
        ],
        [Role.FieldUnit] = [IncidentAction.Read, IncidentAction.Progress, IncidentAction.Resolve, IncidentAction.PlanTask],
        [Role.Leader] = [IncidentAction.Read, IncidentAction.RevealCaller, IncidentAction.Supervise],
        [Role.Admin] = [],
    };

    /// <summary>The actions a role may take on an incident in its scope.</summary>
    public static IReadOnlyList<IncidentAction> ActionsOf(Role role) => ByRole[role];

    /// <summary>
    /// May <paramref name="actor"/> take <paramref name="action"/> on an incident at <paramref name="incident"/>?
    /// Handlers and units see an incident only while their department leads or assists, and work (acknowledge, progress,
    /// return, resolve) only in their own department's name; whether that department leads is the rules' question
    /// (a refusal the person can act on, not a denial).
    /// </summary>
    public static bool Allows(Actor actor, IncidentAction action, IncidentScope incident, string? department = null) =>
        actor.Grants.Any(g => Allows(g, action, incident, department));

    static bool Allows(Grant g, IncidentAction action, IncidentScope incident, string? department)
    {
        if (!ByRole[g.Role].Contains(action) || !Covers(g.Scope, incident.Path)) return false;
        // Dispatching is the commanding centre's (and the levels above it): a town reads a district-commanded
        // incident in its streets but does not dispatch it.
        if (g.Role == Role.Dispatcher && action is not (IncidentAction.Read or IncidentAction.Report or IncidentAction.RevealCaller)
            && !Covers(g.Scope, incident.Centre)) return false;
        if (!Grant.NeedsDepartment(g.Role)) return true;
        if (g.Department is null) return false;
        return action switch
        {
            IncidentAction.Read => incident.Involves(g.Department),
            // Supervision asks the lead: only its handlers answer (assisting departments report to the lead).
            IncidentAction.AnswerSupervision => department == g.Department && department == incident.LeadDepartment,
            _ => department == g.Department,
        };
    }

    /// <summary>
    /// The level a leader supervises from: the highest of their leader grants covering the incident (a city leader's
    /// supervision that goes unanswered moves command to the city). Null when they hold none there.
    /// </summary>
    public static CommandLevel? LeaderLevel(Actor actor, IncidentScope incident) =>
        actor.Grants.Where(g => g.Role == Role.Leader && Covers(g.Scope, incident.Path))
            .Select(g => (CommandLevel?)LevelOf(g.Scope)).Max();

    /// <summary>The command level of a centre by its path: the city, a district, or a town (and below).</summary>
    static CommandLevel LevelOf(string scope) => scope.Count(c => c == '/') switch
    {
        0 => CommandLevel.City,
        1 => CommandLevel.District,
        _ => CommandLevel.Town,
    };

    /// <summary>
    /// Caller name and phone are shown only to call-takers in scope and to the dispatchers of the centre that
    /// handles the incident; everyone else sees them masked and may reveal them with a reason.
    /// </summary>
    public static bool SeesCaller(Actor actor, IncidentScope incident) =>
        actor.Grants.Any(g =>
            g.Role == Role.CallTaker && Covers(g.Scope, incident.Path) ||
            g.Role == Role.Dispatcher && g.Scope == incident.Centre && Covers(g.Scope, incident.Path));

    /// <summary>
    /// Any desk takes any report (无差别受理): whoever files reports (call-takers, dispatchers) files one wherever it lies;
    /// it is placed and routed to where it belongs, and the desk that took it (<see cref="ReceivingCentre"/>) is recorded on
    /// it. Acting on it afterwards stays scoped like everything else (<see cref="Allows(Actor, IncidentAction, IncidentScope, string?)"/>).
    /// </summary>
    public static bool MayTakeReports(Actor actor) => ReceivingCentre(actor) is not null;

    /// <summary>
    /// The desk a new report by this actor is taken at (recorded on it), and where it lands when it cannot be placed by its
    /// location: the actor's own (widest) centre.
    /// </summary>
    public static string? ReceivingCentre(Actor actor) =>
        actor.Grants.Where(g => ByRole[g.Role].Contains(IncidentAction.Report))
            .OrderBy(g => g.Scope.Count(c => c == '/')).Select(g => g.Scope).FirstOrDefault();

    /// <summary>Which action a command is, and the department it acts for when it is department work.</summary>
    public static (IncidentAction Action, string? Department) ActionOf(IncidentCommand command) => command switch
    {
        AcceptIncident => (IncidentAction.Accept, null),
        AssignIncident => (IncidentAction.Assign, null),
        AcknowledgeIncident c => (IncidentAction.Acknowledge, c.Department),
        NoteProgress c => (IncidentAction.Progress, c.Department),
        ReturnIncident c => (IncidentAction.Return, c.Department),
        ResolveIncident c => (IncidentAction.Resolve, c.Department),
        RecordCallback => (IncidentAction.Callback, null),
        RateOnline => (IncidentAction.Callback, null),
        CloseIncident => (IncidentAction.Close, null),
        ReopenIncident => (IncidentAction.Reopen, null),
        CancelIncident => (IncidentAction.Cancel, null),
        LocateIncident => (IncidentAction.Locate, null),
        PlaceIncident => (IncidentAction.Place, null),
        OverrideRouting => (IncidentAction.Override, null),
        EscalateIncident => (IncidentAction.Escalate, null),
        DelegateIncident => (IncidentAction.Delegate, null),
        SuperviseIncident => (IncidentAction.Supervise, null),
        CheckDeadlines => (IncidentAction.Escalate, null),
        MergeIncident => (IncidentAction.Merge, null),
        UnmergeIncident => (IncidentAction.Unmerge, null),
        // A photo of the scene is department work, like a progress note: handlers and units of a department on it.
        AttachPhoto c => (IncidentAction.Progress, c.Department),
        Plans.ActivatePlan => (IncidentAction.ActivatePlan, null),
        Plans.StandDownPlan => (IncidentAction.StandDownPlan, null),
        Plans.AcknowledgePlanTask c => (IncidentAction.PlanTask, c.Department),
        Plans.CompletePlanTask c => (IncidentAction.PlanTask, c.Department),
        Plans.CheckPlanTasks => (IncidentAction.Escalate, null),
        Supervision.AnswerSupervision c => (IncidentAction.AnswerSupervision, c.Department),
        Supervision.RecordCallbackAttempt => (IncidentAction.Callback, null),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
    };

    /// <summary>
    /// Whether the actor may take a command on this incident: the action in the incident's scope and, when the
    /// command moves the incident (place, locate), also at its destination, so nobody hands work out of their own
    /// jurisdiction by moving it (the level above moves it).
    /// </summary>
    public static bool Allows(Actor actor, IncidentCommand command, IncidentScope incident)
    {
        // The field unit that found it adds photos of it wherever it went (Incidents.FieldReportRules.IsFindersPhoto).
        if (command is AttachPhoto && incident.FoundBy is { } finder && actor.Login == finder && actor.Has(Role.FieldUnit)) return true;
        var (action, department) = ActionOf(command);
        if (!Allows(actor, action, incident, department)) return false;
        // A plan commanded above the dispatcher's own level is for the level above to activate: a town reports up.
        if (command is Plans.ActivatePlan activate
            && !actor.Grants.Any(g => g.Role == Role.Dispatcher && Covers(g.Scope, incident.Path) && LevelOf(g.Scope) >= activate.Plan.CommandLevel))
            return false;
        var destination = command switch
        {
            PlaceIncident p => p.Place.Path,
            LocateIncident { Place: { } place } => place.Path,
            _ => null,
        };
        return destination is null || Allows(actor, action, incident with { Path = destination }, department);
    }

    /// <summary>
    /// The department this person's department work on the incident (acknowledge, progress, return, resolve) is done in
    /// the name of. Jurisdiction counts: of the departments they hold a role for where the incident lies, the lead, else
    /// one assisting — a department held elsewhere cannot work here (<see cref="Allows(Actor, IncidentAction, IncidentScope, string?)"/>
    /// would deny it). When none of those is on it, their only department if they have one (a unit sent to a neighbouring
    /// town works in its own name; the rules then refuse or allow), else none.
    /// </summary>
    public static string? ActingDepartment(Actor actor, IncidentScope incident)
    {
        var here = actor.Grants.Where(g => Grant.NeedsDepartment(g.Role) && g.Department is not null && Covers(g.Scope, incident.Path))
            .Select(g => g.Department!).ToHashSet();
        if (incident.LeadDepartment is { } lead && here.Contains(lead)) return lead;
        if (incident.Assisting?.FirstOrDefault(here.Contains) is { } assisting) return assisting;
        var mine = actor.Grants.Where(g => Grant.NeedsDepartment(g.Role)).Select(g => g.Department).OfType<string>().Distinct().ToList();
        return mine.Count == 1 ? mine[0] : null;
    }

    /// <summary>Dispatchers manage and send the units whose home lies in their jurisdiction.</summary>
    public static bool MayCommandUnits(Actor actor, string homePath) =>
        actor.Grants.Any(g => g.Role == Role.Dispatcher && Covers(g.Scope, homePath));

    /// <summary>A unit's own device moves it through its statuses and reports its position; only dispatchers send it.</summary>
    public static bool MayCommand(Actor actor, Unit unit, UnitCommand command) =>
        MayCommandUnits(actor, unit.HomePath) || command is not DispatchUnit && IsUnit(actor, unit.Login);

    /// <summary>Whether the actor is the unit's own sign-in (its device).</summary>
    public static bool IsUnit(Actor actor, string? unitLogin) => unitLogin is not null && actor.Login == unitLogin;

    /// <summary>
    /// Who may send a unit to an incident: a dispatcher covering the unit's home who also dispatches the incident
    /// (covers its command centre).
    /// </summary>
    public static bool MaySend(Actor actor, string unitHomePath, IncidentScope incident) =>
        MayCommandUnits(actor, unitHomePath) && Allows(actor, IncidentAction.Assign, incident);

    /// <summary>
    /// Who sees a unit: the unit itself; dispatchers, leaders and call-takers over its home; handlers and units of its
    /// department over its home.
    /// </summary>
    public static bool MayRead(Actor actor, UnitScope unit) =>
        IsUnit(actor, unit.Login) ||
        actor.Grants.Any(g =>
            g.Role is Role.Dispatcher or Role.Leader or Role.CallTaker && Covers(g.Scope, unit.HomePath) ||
            g.Role is Role.Handler or Role.FieldUnit && g.Department == unit.Department && Covers(g.Scope, unit.HomePath));

    /// <summary>Leaders and administrators read the audit trail, each in their own scope.</summary>
    public static bool MayReadAudit(Actor actor) => actor.Grants.Any(g => g.Role is Role.Leader or Role.Admin);

    /// <summary>Leaders and administrators read the performance figures (KPIs), each in their own scope.</summary>
    public static bool MayReadKpis(Actor actor) => actor.Grants.Any(g => g.Role is Role.Leader or Role.Admin);

    /// <summary>The scopes in which the actor may take <paramref name="action"/> (for queries and pickers).</summary>
    public static IEnumerable<Grant> GrantsFor(Actor actor, IncidentAction action) =>
        actor.Grants.Where(g => ByRole[g.Role].Contains(action));
}

/// <summary>Why a command was refused for access, in words the person understands.</summary>
public sealed record Denial(string Code, string Message);
