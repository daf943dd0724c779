namespace Dispatch.Domain.Units;

// A field unit (a grid worker's team, an enforcement squad, a fire engine, an ambulance, a repair crew) has one
// stream of these. Each carries who did it and when (处处留痕).

/// <summary>What every event of a unit's stream carries: which unit, who, when.</summary>
public interface IUnitEvent
{
    Guid UnitId { get; }
    string By { get; }
    DateTimeOffset At { get; }
}

/// <summary>
/// A unit was put on the roll: its call sign (e.g. <c>东湖-城管-03</c>), its department, its home node in the
/// jurisdiction tree, what it can do (<c>grid-worker</c>, <c>enforcement</c>, <c>fire-engine</c>, <c>medic</c>,
/// <c>repair</c>, …) and who rides in it. <paramref name="Login"/> is the account its device signs in with (none: the
/// unit is moved by dispatchers only). A new unit is off duty.
/// </summary>
public sealed record UnitRegistered(
    Guid UnitId,
    string CallSign,
    string Department,
    string HomePath,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Members,
    string By,
    DateTimeOffset At,
    string? Login = null) : IUnitEvent;

public sealed record UnitWentOnDuty(Guid UnitId, string By, DateTimeOffset At) : IUnitEvent;

public sealed record UnitWentOffDuty(Guid UnitId, string By, DateTimeOffset At) : IUnitEvent;

/// <summary>Sent to an incident; <paramref name="IncidentNumber"/> is kept so refusals and boards can name it.</summary>
public sealed record UnitDispatched(Guid UnitId, Guid IncidentId, string IncidentNumber, string By, DateTimeOffset At) : IUnitEvent;

public sealed record UnitEnRoute(Guid UnitId, string By, DateTimeOffset At) : IUnitEvent;

public sealed record UnitOnScene(Guid UnitId, string By, DateTimeOffset At) : IUnitEvent;

/// <summary>Left the scene, on the way back (still tied to the incident until released).</summary>
public sealed record UnitReturning(Guid UnitId, string By, DateTimeOffset At) : IUnitEvent;

/// <summary>Released (the incident was closed or cancelled, or the unit cleared): free for the next dispatch.</summary>
public sealed record UnitAvailable(Guid UnitId, Guid? IncidentId, string By, DateTimeOffset At) : IUnitEvent;

/// <summary>
/// A position worth keeping (see <see cref="PositionThinning"/>): <paramref name="ReportedAt"/> is the device's fix
/// time, <paramref name="At"/> when the report was decided.
/// </summary>
public sealed record UnitPositionReported(Guid UnitId, double Lat, double Lon, double AccuracyMeters,
    DateTimeOffset ReportedAt, string By, DateTimeOffset At) : IUnitEvent;

/// <summary>
/// A unit on duty was seen outside its home jurisdiction (a fix at <paramref name="Lat"/>, <paramref name="Lon"/> taken at
/// <paramref name="ReportedAt"/> fell outside <paramref name="HomePath"/>'s boundary): recorded once when it leaves.
/// </summary>
public sealed record UnitLeftArea(Guid UnitId, string HomePath, double Lat, double Lon, DateTimeOffset ReportedAt, string By, DateTimeOffset At)
    : IUnitEvent;

/// <summary>The unit was seen back inside its home jurisdiction after <see cref="UnitLeftArea"/>.</summary>
public sealed record UnitReturnedToArea(Guid UnitId, string HomePath, double Lat, double Lon, DateTimeOffset ReportedAt, string By, DateTimeOffset At)
    : IUnitEvent;
