using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Operations;

/// <summary>
/// Where an operation applies: a drawn polygon (a marathon route, as lat/lon points, at least three) or a list of
/// jurisdiction paths (a typhoon mode for whole districts, or the city). Exactly one of the two is given.
/// </summary>
public sealed record OperationArea(IReadOnlyList<GeoPoint>? Polygon = null, IReadOnlyList<string>? Jurisdictions = null)
{
    /// <summary>Whether a report at <paramref name="point"/>, placed at <paramref name="path"/> in the tree, lies inside.</summary>
    public bool Contains(GeoPoint? point, string? path) =>
        Polygon is { Count: >= 3 } ring
            ? point is not null && Inside(ring, point)
            : Jurisdictions is { } nodes && path is not null && nodes.Any(n => AccessRules.Covers(n, path));

    /// <summary>Even–odd ray casting (longitude as x, latitude as y): exact enough for a city's few kilometres.</summary>
    public static bool Inside(IReadOnlyList<GeoPoint> ring, GeoPoint p)
    {
        var inside = false;
        for (int i = 0, j = ring.Count - 1; i < ring.Count; j = i++)
        {
            var (a, b) = (ring[i], ring[j]);
            if (a.Lat > p.Lat != b.Lat > p.Lat && p.Lon < (b.Lon - a.Lon) * (p.Lat - a.Lat) / (b.Lat - a.Lat) + a.Lon) inside = !inside;
        }
        return inside;
    }
}

/// <summary>One routing override inside an operation: matters of <see cref="Category"/> ("*": any) go to this level and/or department.</summary>
public sealed record OperationRule(string Category, CommandLevel? Level = null, string? Department = null);

/// <summary>The operation's own routing: its overrides (first match wins) and a floor for the command level of everything inside.</summary>
public sealed record OperationRouting(IReadOnlyList<OperationRule> Rules, CommandLevel? MinimumLevel = null)
{
    public static OperationRouting None { get; } = new([]);
}

/// <summary>The operation's own deadlines; a missing one is the ordinary policy's.</summary>
public sealed record OperationDeadlines(TimeSpan? Acknowledge = null, TimeSpan? Resolve = null)
{
    public Deadlines Over(Deadlines ordinary) => new(Acknowledge ?? ordinary.Acknowledge, Resolve ?? ordinary.Resolve);
}

/// <summary>A unit to stand by at a staging point while the operation runs.</summary>
public sealed record Preposition(Guid Unit, string CallSign, GeoPoint At, string? Label = null);

/// <summary>
/// What an incident records of the operation it was reported in: which one, its desk, and the deadlines it gets when it is
/// assigned (the operation's, fixed at the report, so ending the operation changes nothing already decided).
/// </summary>
public sealed record OperationTag(Guid Id, string Name, string Desk, Deadlines Deadlines);

/// <summary>
/// An emergency operation or a major event (平战结合, 重大活动保障): an area, a window, and while it runs its own routing,
/// deadlines and desk for the reports made inside it. Folded from its own stream by <see cref="Evolve"/>.
/// Whether it is in force is a question asked at the report's time (<see cref="InForceAt"/>): no timer starts or ends it.
/// </summary>
public sealed record Operation(
    Guid Id, string Name, OperationArea Area, DateTimeOffset From, DateTimeOffset Until, string Desk, OperationRouting Routing,
    OperationDeadlines Deadlines, IReadOnlyList<Preposition> Units, string DeclaredBy, DateTimeOffset DeclaredAt)
{
    /// <summary>Set when it was ended by hand (before its until-time).</summary>
    public DateTimeOffset? EndedAt { get; init; }
    public string? EndedBy { get; init; }
    public string? EndReason { get; init; }

    /// <summary>When it stops applying: ended by hand, else its until-time.</summary>
    public DateTimeOffset Ends => EndedAt is { } ended && ended < Until ? ended : Until;

    public bool InForceAt(DateTimeOffset now) => From <= now && now < Ends;

    public bool IsOverAt(DateTimeOffset now) => now >= Ends;

    /// <summary>The level of the desk's command centre: the city, a district, or a town.</summary>
    public CommandLevel DeskLevel => LevelOf(Desk);

    public static CommandLevel LevelOf(string path) => path.Count(c => c == '/') switch
    {
        0 => CommandLevel.City,
        1 => CommandLevel.District,
        _ => CommandLevel.Town,
    };

    /// <summary>
    /// Whether a report at <paramref name="point"/> placed at <paramref name="place"/> falls to this operation: inside its area and
    /// within its desk's jurisdiction (the desk must be able to command it).
    /// </summary>
    public bool Covers(GeoPoint? point, Place? place) =>
        place is not null && AccessRules.Covers(Desk, place.Path) && Area.Contains(point, place.Path);

    /// <summary>
    /// The operation's routing over the ordinary one: its first matching override sets the level and/or department, and
    /// the level is raised to the operation's floor and to the desk's level, so the incident is commanded at the desk
    /// (or above it, where an override says so).
    /// </summary>
    public Route Route(Route ordinary, string category)
    {
        var rule = Routing.Rules.FirstOrDefault(r => r.Category == category) ?? Routing.Rules.FirstOrDefault(r => r.Category == "*");
        var level = Max(Max(rule?.Level ?? ordinary.Level, Routing.MinimumLevel ?? CommandLevel.Town), DeskLevel);
        return new Route(level, rule?.Department ?? ordinary.Department, $"operation:{Name}" + (rule is null ? "" : "/" + rule.Category));
    }

    public OperationTag Tag(Deadlines ordinary) => new(Id, Name, Desk, Deadlines.Over(ordinary));

    static CommandLevel Max(CommandLevel a, CommandLevel b) => a >= b ? a : b;

    public static Operation? Evolve(Operation? state, object @event) => @event switch
    {
        OperationDeclared d => new(d.OperationId, d.Name, d.Area, d.From, d.Until, d.Desk, d.Routing, d.Deadlines, d.Units, d.By, d.At),
        _ when state is null => throw new InvalidOperationException($"{@event.GetType().Name} before OperationDeclared"),
        OperationEnded e => state with { EndedAt = e.At, EndedBy = e.By, EndReason = e.Reason },
        _ => state,
    };

    /// <summary>
    /// Of the operations in force at a report, the one that takes it: the narrowest desk (a district's marathon inside a
    /// city-wide typhoon mode), then the latest declared.
    /// </summary>
    public static Operation? For(IEnumerable<Operation> candidates, GeoPoint? point, Place? place, DateTimeOffset now) =>
        candidates.Where(o => o.InForceAt(now) && o.Covers(point, place))
            .OrderByDescending(o => o.Desk.Count(c => c == '/')).ThenByDescending(o => o.DeclaredAt).ThenBy(o => o.Id)
            .FirstOrDefault();
}
