namespace Dispatch.Domain.Units;

public enum UnitStatus
{
    OffDuty,
    /// <summary>On duty and free: the only status a unit can be dispatched from.</summary>
    Available,
    Dispatched,
    EnRoute,
    OnScene,
    /// <summary>Left the scene, on the way back; still tied to its incident until released.</summary>
    Returning,
}

/// <summary>The last position kept in the stream, with the device's fix time and the unit's status then.</summary>
public sealed record KeptPosition(double Lat, double Lon, double AccuracyMeters, DateTimeOffset ReportedAt, UnitStatus Status);

/// <summary>
/// The write model of one unit, folded from its stream by <see cref="Evolve"/>: what the status machine, the
/// position thinning and the recommendation need.
/// </summary>
public sealed record Unit(
    Guid Id,
    string CallSign,
    string Department,
    string HomePath,
    IReadOnlyList<string> Capabilities,
    IReadOnlyList<string> Members,
    UnitStatus Status = UnitStatus.OffDuty,
    Guid? IncidentId = null,
    string? IncidentNumber = null,
    KeptPosition? LastPosition = null,
    string? Login = null)
{
    /// <summary>Last seen outside its home jurisdiction (<see cref="UnitLeftArea"/>), until seen back inside.</summary>
    public bool OutsideHome { get; init; }

    /// <summary>On an incident: dispatched, en route, on scene or returning.</summary>
    public bool Committed => IncidentId is not null;

    public bool Can(string capability) => Capabilities.Contains(capability, StringComparer.OrdinalIgnoreCase);

    /// <summary>The status in words, with the incident where there is one: "off duty", "dispatched to 20261123-0042".</summary>
    public string Describe() => Status switch
    {
        UnitStatus.OffDuty => "off duty",
        UnitStatus.Available => "available",
        UnitStatus.Dispatched => $"dispatched to {IncidentNumber}",
        UnitStatus.EnRoute => $"en route to {IncidentNumber}",
        UnitStatus.OnScene => $"on scene at {IncidentNumber}",
        UnitStatus.Returning => $"returning from {IncidentNumber}",
        _ => Status.ToString(),
    };

    public static Unit? Evolve(Unit? state, object @event) => @event switch
    {
        UnitRegistered e => new(e.UnitId, e.CallSign, e.Department, e.HomePath, e.Capabilities, e.Members, Login: e.Login),
        _ when state is null => throw new InvalidOperationException($"{@event.GetType().Name} before UnitRegistered"),
        UnitWentOnDuty => state with { Status = UnitStatus.Available },
        UnitWentOffDuty => state with { Status = UnitStatus.OffDuty, IncidentId = null, IncidentNumber = null },
        UnitDispatched e => state with { Status = UnitStatus.Dispatched, IncidentId = e.IncidentId, IncidentNumber = e.IncidentNumber },
        UnitEnRoute => state with { Status = UnitStatus.EnRoute },
        UnitOnScene => state with { Status = UnitStatus.OnScene },
        UnitReturning => state with { Status = UnitStatus.Returning },
        UnitAvailable => state with { Status = UnitStatus.Available, IncidentId = null, IncidentNumber = null },
        UnitLeftArea => state with { OutsideHome = true },
        UnitReturnedToArea => state with { OutsideHome = false },
        UnitPositionReported e => state with
        {
            LastPosition = new KeptPosition(e.Lat, e.Lon, e.AccuracyMeters, e.ReportedAt, state.Status),
        },
        _ => state,
    };
}
