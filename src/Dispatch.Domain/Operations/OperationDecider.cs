using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Operations;

/// <summary>The operation's rules, pure: what a declaration must hold, and when one can be ended.</summary>
public static class OperationDecider
{
    public const int MaxName = 80;
    public const int MaxPoints = 500;
    public const int MaxRules = 50;
    public const int MaxUnits = 100;
    public const int MaxReason = 200;
    /// <summary>The longest window one declaration may run (a typhoon season is declared again, not forever).</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(31);
    /// <summary>The longest deadline an operation may set.</summary>
    public static readonly TimeSpan MaxDeadline = TimeSpan.FromDays(7);

    /// <summary>What is wrong with a declaration, each naming its field (the API's JSON names).</summary>
    public static IReadOnlyList<FieldError> Validate(DeclareOperation c, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        void Add(string field, string code, string message) => errors.Add(new(field, code, message));

        if (string.IsNullOrWhiteSpace(c.Name)) Add("name", "name.required", "Name the operation.");
        else if (c.Name.Length > MaxName) Add("name", "name.too-long", $"The name is at most {MaxName} characters.");
        else if (c.Name.Any(char.IsControl)) Add("name", "name.control", "The name contains control characters.");

        switch (c.Area)
        {
            case null or { Polygon: null, Jurisdictions: null }:
                Add("area", "area.required", "Give the area: a polygon of at least three points, or a list of jurisdictions.");
                break;
            case { Polygon: not null, Jurisdictions: not null }:
                Add("area", "area.both", "Give either a polygon or jurisdictions, not both.");
                break;
            case { Polygon: { } ring }:
                if (ring.Count < 3) Add("area.polygon", "area.polygon.too-few", "A polygon needs at least three points.");
                else if (ring.Count > MaxPoints) Add("area.polygon", "area.polygon.too-many", $"A polygon has at most {MaxPoints} points.");
                else
                    for (var i = 0; i < ring.Count; i++)
                        if (ring[i] is not { } p || !(p.Lat is >= -90 and <= 90) || !(p.Lon is >= -180 and <= 180))
                            Add($"area.polygon[{i}]", "area.polygon.point", "Each point needs a latitude (−90…90) and a longitude (−180…180).");
                break;
            case { Jurisdictions: { } nodes }:
                if (nodes.Count == 0) Add("area.jurisdictions", "area.jurisdictions.empty", "Name at least one jurisdiction.");
                else if (nodes.Count > MaxRules) Add("area.jurisdictions", "area.jurisdictions.too-many", $"Name at most {MaxRules} jurisdictions.");
                break;
        }

        if (c.From is null) Add("from", "from.required", "Give when the operation starts.");
        if (c.Until is null) Add("until", "until.required", "Give when the operation ends.");
        if (c is { From: { } from, Until: { } until })
        {
            if (until <= from) Add("until", "until.not-after-from", "The end must come after the start.");
            else if (until <= now) Add("until", "until.past", "The end has already passed.");
            else if (until - from > MaxWindow) Add("until", "until.too-long", $"An operation runs at most {MaxWindow.TotalDays:0} days; declare it again to go on.");
        }

        if (string.IsNullOrWhiteSpace(c.Desk)) Add("desk", "desk.required", "Name the desk (the jurisdiction whose command centre receives its incidents).");

        if (c.Routing is { } routing)
        {
            if (routing.Rules is null) Add("routing.rules", "routing.rules.required", "Give the routing rules (an empty list for none).");
            else if (routing.Rules.Count > MaxRules) Add("routing.rules", "routing.rules.too-many", $"At most {MaxRules} routing rules.");
            else
                for (var i = 0; i < routing.Rules.Count; i++)
                {
                    var rule = routing.Rules[i];
                    if (rule is null || string.IsNullOrWhiteSpace(rule.Category))
                        Add($"routing.rules[{i}].category", "routing.category.required", "Each rule names a category (\"*\" for any).");
                    else if (rule.Level is null && rule.Department is null)
                        Add($"routing.rules[{i}]", "routing.rule.empty", "A rule sets a level, a department or both.");
                    else if (routing.Rules.Take(i).Any(r => r?.Category == rule.Category))
                        Add($"routing.rules[{i}].category", "routing.category.twice", "This category already has a rule.");
                }
            if (routing.MinimumLevel is { } min && !Enum.IsDefined(min)) Add("routing.minimumLevel", "routing.level", "A level is town, district or city.");
        }

        if (c.Deadlines is { } deadlines)
        {
            if (deadlines.Acknowledge is { } ack && (ack <= TimeSpan.Zero || ack > MaxDeadline))
                Add("deadlines.acknowledgeMinutes", "deadlines.range", $"A deadline is more than zero and at most {MaxDeadline.TotalDays:0} days.");
            if (deadlines.Resolve is { } resolve && (resolve <= TimeSpan.Zero || resolve > MaxDeadline))
                Add("deadlines.resolveMinutes", "deadlines.range", $"A deadline is more than zero and at most {MaxDeadline.TotalDays:0} days.");
        }

        if (c.Units is { } units)
        {
            if (units.Count > MaxUnits) Add("units", "units.too-many", $"Pre-position at most {MaxUnits} units.");
            else
                for (var i = 0; i < units.Count; i++)
                {
                    var u = units[i];
                    if (u is null || u.Unit == Guid.Empty) Add($"units[{i}].unit", "units.unit.required", "Name the unit (its id).");
                    else if (units.Take(i).Any(o => o?.Unit == u.Unit)) Add($"units[{i}].unit", "units.unit.twice", "This unit is already listed.");
                    if (u?.At is not { } at || !(at.Lat is >= -90 and <= 90) || !(at.Lon is >= -180 and <= 180))
                        Add($"units[{i}]", "units.point", "Give the staging point's latitude and longitude.");
                    if (u?.Label is { Length: > MaxName }) Add($"units[{i}].label", "units.label.too-long", $"A label is at most {MaxName} characters.");
                }
        }
        if (c.Warning is { } warning) errors.AddRange(PlanWarningRules.Validate(warning));
        return errors;
    }

    /// <summary>The declaration as an event, once <see cref="Validate"/> found nothing wrong.</summary>
    public static OperationDeclared Declare(DeclareOperation c, DateTimeOffset now) =>
        new(c.OperationId, c.Name!.Trim(), c.Area!, c.From!.Value, c.Until!.Value, c.Desk!.Trim(), c.Routing ?? OperationRouting.None,
            c.Deadlines ?? new OperationDeadlines(), c.Units ?? [], c.By, now,
            c.Warning is { } w ? w with { Event = w.Event.Trim(), Headline = w.Headline.Trim(), Instruction = w.Instruction.Trim() } : null);

    /// <summary>Ending by hand: once, and only before its time is up. Nothing already decided on its incidents changes.</summary>
    public static Decision End(Operation operation, EndOperation c, DateTimeOffset now)
    {
        if (operation.EndedAt is not null)
            return Decision.Refuse("operation.ended", "Operation {0} was already ended by {1}.", operation.Name, operation.EndedBy!);
        if (operation.IsOverAt(now))
            return Decision.Refuse("operation.over", "Operation {0} is already over (its window ended).", operation.Name);
        return Decision.Accept(new OperationEnded(operation.Id, c.Reason.Trim(), c.By, now));
    }
}

/// <summary>Who may declare and end operations.</summary>
public static class OperationAccess
{
    /// <summary>
    /// Leaders whose jurisdiction covers the desk, and the city's own dispatchers (the city command centre switches the
    /// city into emergency operation). A district or town dispatcher asks the level above.
    /// </summary>
    public static bool MayDeclare(Actor actor, string desk) =>
        actor.Grants.Any(g =>
            g.Role == Role.Leader && AccessRules.Covers(g.Scope, desk) ||
            g.Role == Role.Dispatcher && !g.Scope.Contains('/') && AccessRules.Covers(g.Scope, desk));

    /// <summary>Who reads operations: whoever works in a jurisdiction that overlaps the desk's (dispatchers, call-takers, leaders, admins).</summary>
    public static bool MayRead(Actor actor, string desk) =>
        actor.Grants.Any(g => g.Role is Role.Leader or Role.Dispatcher or Role.CallTaker or Role.Admin
                              && (AccessRules.Covers(g.Scope, desk) || AccessRules.Covers(desk, g.Scope)));

    /// <summary>Pre-positioning a unit: its home lies where the declarer commands (their leader or dispatcher scope).</summary>
    public static bool MayPreposition(Actor actor, string unitHome) =>
        actor.Grants.Any(g => g.Role is Role.Leader or Role.Dispatcher && AccessRules.Covers(g.Scope, unitHome));
}
