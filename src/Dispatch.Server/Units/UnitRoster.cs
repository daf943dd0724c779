using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Units;

/// <summary>One line of the unit roster: who the unit is, what it does now, where it was last seen.</summary>
public sealed record UnitRosterEntry
{
    public Guid Id { get; init; }
    public string CallSign { get; init; } = "";
    public string Department { get; init; } = "";
    public string HomePath { get; init; } = "";
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public IReadOnlyList<string> Members { get; init; } = [];
    /// <summary>The account the unit's device signs in with, if it has one.</summary>
    public string? Login { get; init; }
    public UnitStatus Status { get; init; }
    /// <summary>When the unit entered its current status (the status timers count from here).</summary>
    public DateTimeOffset StatusSince { get; init; }
    public Guid? IncidentId { get; init; }
    public string? IncidentNumber { get; init; }
    public double? Lat { get; init; }
    public double? Lon { get; init; }
    public double? Accuracy { get; init; }
    public DateTimeOffset? PositionAt { get; init; }
    /// <summary>Last seen outside its home jurisdiction (<see cref="UnitLeftArea"/>), until seen back inside.</summary>
    public bool OutsideHome { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
}

public static class UnitRosterState
{
    /// <summary>The unit as the rules see it, from its roster line (enough to rank it; members are not needed).</summary>
    public static UnitScope Scope(this UnitRosterEntry u) => new(u.Login, u.Department, u.HomePath);

    public static Unit ToUnit(this UnitRosterEntry u) => new(u.Id, u.CallSign, u.Department, u.HomePath, u.Capabilities, u.Members,
        u.Status, u.IncidentId, u.IncidentNumber,
        u is { Lat: { } lat, Lon: { } lon, PositionAt: { } at } ? new KeptPosition(lat, lon, u.Accuracy ?? 0, at, u.Status) : null, u.Login)
    {
        OutsideHome = u.OutsideHome,
    };
}

public static class UnitRosterQuery
{
    /// <summary>Whether any of the actor's roles can see units at all (<see cref="AccessRules.MayRead(Actor, UnitScope)"/> for some unit): the roster page and its link.</summary>
    public static bool MayReadSome(Actor actor) =>
        actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader or Role.CallTaker || g.Role is Role.Handler or Role.FieldUnit && g.Department is not null);

    /// <summary>The unit whose device signs in as <paramref name="login"/>, if any.</summary>
    public static Task<UnitRosterEntry?> SignedInAs(this IQuerySession query, string login, CancellationToken ct = default) =>
        query.Query<UnitRosterEntry>().FirstOrDefaultAsync(u => u.Login == login, ct);

    /// <summary>The unit with this call sign, if any.</summary>
    public static Task<UnitRosterEntry?> Called(this IQuerySession query, string callSign, CancellationToken ct = default) =>
        query.Query<UnitRosterEntry>().FirstOrDefaultAsync(u => u.CallSign == callSign, ct);

    /// <summary>Every unit <paramref name="actor"/> may see (<see cref="AccessRules.MayRead(Actor, UnitScope)"/>), by call sign.</summary>
    /// <summary>Each at its latest position (<see cref="Positions.UnitPositions"/>: telemetry, not the line's events).</summary>
    public static async Task<IReadOnlyList<UnitRosterEntry>> InScope(IQuerySession query, Actor actor, Positions.UnitPositions positions,
        CancellationToken ct = default) =>
        (await query.Query<UnitRosterEntry>().OrderBy(u => u.CallSign).ToListAsync(ct)).Where(u => AccessRules.MayRead(actor, u.Scope()))
            .Select(positions.Overlay).ToList();
}

/// <summary>The roster line, kept with each commit (inline), through the domain's own fold (<see cref="Unit.Evolve"/>).</summary>
public sealed class UnitRosterProjection : SingleStreamProjection<UnitRosterEntry, Guid>
{
    public override UnitRosterEntry? Evolve(UnitRosterEntry? entry, Guid id, IEvent e)
    {
        if (e.Data is not IUnitEvent happened) return entry;
        var unit = Unit.Evolve(entry?.ToUnit(), e.Data)!;
        return new UnitRosterEntry
        {
            Id = unit.Id, CallSign = unit.CallSign, Department = unit.Department, HomePath = unit.HomePath,
            Capabilities = unit.Capabilities, Members = unit.Members, Login = unit.Login,
            Status = unit.Status, IncidentId = unit.IncidentId, IncidentNumber = unit.IncidentNumber,
            StatusSince = entry is null || entry.Status != unit.Status ? happened.At : entry.StatusSince,
            Lat = unit.LastPosition?.Lat, Lon = unit.LastPosition?.Lon, Accuracy = unit.LastPosition?.AccuracyMeters,
            PositionAt = unit.LastPosition?.ReportedAt, OutsideHome = unit.OutsideHome,
            UpdatedAt = happened.At, Version = e.Version,
        };
    }
}

/// <summary>The unit snapshot (inline, registered in StorageSetup), through the domain's own fold.</summary>
public sealed class UnitAggregation : SingleStreamProjection<Unit, Guid>
{
    public UnitAggregation() => IncludeType<IUnitEvent>();

    // Whatever else reaches it has no unit to fold onto.
    public override Unit? Evolve(Unit? snapshot, Guid id, IEvent e) =>
        snapshot is null && e.Data is not UnitRegistered ? null : Unit.Evolve(snapshot, e.Data);
}
