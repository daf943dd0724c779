using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Units;

/// <summary>
/// A unit sent to an incident came within <paramref name="DistanceMeters"/> of its location (a position fix taken at
/// <paramref name="ReportedAt"/>, before the crew said "on scene"): the incident's record shows when help was really there.
/// </summary>
public sealed record IncidentUnitArrivedNearScene(Guid IncidentId, Guid UnitId, string CallSign, double DistanceMeters,
    DateTimeOffset ReportedAt, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>
/// Which position fixes matter to an incident's record. Positions are telemetry (not events); only the transition
/// "a dispatched or en-route unit first comes near the scene" becomes an event, once per trip: the incident remembers it
/// (<see cref="IncidentUnit.NearScene"/>), so the same fix decided twice (two nodes, a retry) records nothing the second time.
/// </summary>
public static class NearScene
{
    /// <summary>Within this distance of the incident's location a unit is at the scene (GPS error and a street's width).</summary>
    public const double DefaultMeters = 150;

    /// <summary>
    /// The arrival event, or no events when the fix says nothing new: the incident is finished or has no location, the
    /// unit is not on it travelling (dispatched or en route), it was already recorded near, or the fix is too far.
    /// </summary>
    public static Decision Arrived(Incident incident, GeoPoint? scene, Unit unit, double lat, double lon, DateTimeOffset reportedAt,
        string by, DateTimeOffset now, double meters = DefaultMeters)
    {
        if (!incident.IsOpen || scene is null || unit.IncidentId != incident.Id) return Decision.Accept();
        if (unit.Status is not (UnitStatus.Dispatched or UnitStatus.EnRoute)) return Decision.Accept();
        if (incident.Units.FirstOrDefault(u => u.Id == unit.Id) is not { NearScene: false }) return Decision.Accept();
        var distance = Geo.DistanceMeters(scene.Lat, scene.Lon, lat, lon);
        return distance <= meters
            ? Decision.Accept(new IncidentUnitArrivedNearScene(incident.Id, unit.Id, unit.CallSign, Math.Round(distance, 1), reportedAt, by, now))
            : Decision.Accept();
    }

    /// <summary>Whether a fix is worth deciding at all (a cheap pre-check on a node's copy, before any lock is taken).</summary>
    public static bool Travelling(UnitStatus status) => status is UnitStatus.Dispatched or UnitStatus.EnRoute;
}
