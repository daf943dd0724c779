namespace Dispatch.Domain.Units;

// What people (and the units' devices) ask for. Each names who asks; the time comes from the clock given to the decider.

public sealed record RegisterUnit(
    Guid UnitId,
    string CallSign,
    string Department,
    string HomePath,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Members,
    string By,
    string? Login = null);

public abstract record UnitCommand(string By);

public sealed record GoOnDuty(string By) : UnitCommand(By);

public sealed record GoOffDuty(string By) : UnitCommand(By);

/// <summary>A dispatcher sends the unit to an incident.</summary>
public sealed record DispatchUnit(Guid IncidentId, string IncidentNumber, string By) : UnitCommand(By);

/// <summary>The crew reports it is on its way.</summary>
public sealed record ReportEnRoute(string By) : UnitCommand(By);

/// <summary>"Accept and go" — the crew accepts the dispatch and is en route in one tap.</summary>
public sealed record AcceptAndGo(string By) : UnitCommand(By);

public sealed record ReportOnScene(string By) : UnitCommand(By);

public sealed record StartReturning(string By) : UnitCommand(By);

/// <summary>
/// Free the unit (its incident was closed or cancelled, or it cleared). When <paramref name="IncidentId"/> is given
/// the unit must be on that incident, so a late release of an old incident cannot free a unit sent elsewhere since.
/// </summary>
public sealed record ReleaseUnit(string By, Guid? IncidentId = null) : UnitCommand(By);

/// <summary>A position fix from the unit's device.</summary>
public sealed record ReportPosition(double Lat, double Lon, double AccuracyMeters, DateTimeOffset ReportedAt, string By)
    : UnitCommand(By);
