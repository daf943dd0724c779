namespace Dispatch.Domain.Units;

/// <summary>
/// The geofence of a unit's home jurisdiction: of all position fixes, only leaving it (and coming back) becomes an event
/// on the unit's stream, at the transition, never per report. Whether a fix is inside is the caller's geometry
/// (the jurisdiction tree's boundaries); the rule is pure: on duty, a fix outside while the unit was inside records
/// <see cref="UnitLeftArea"/>; a fix inside while it was outside records <see cref="UnitReturnedToArea"/>; anything else, nothing.
/// Decided on the locked unit, so the same fix decided twice (two nodes, a retry) records it once.
/// </summary>
public static class HomeArea
{
    public static Incidents.Decision Decide(Unit unit, bool inside, double lat, double lon, DateTimeOffset reportedAt, string by, DateTimeOffset now)
    {
        if (!PositionFix.Tracked(unit.Status)) return Incidents.Decision.Accept();
        if (!inside && !unit.OutsideHome) return Incidents.Decision.Accept(new UnitLeftArea(unit.Id, unit.HomePath, lat, lon, reportedAt, by, now));
        if (inside && unit.OutsideHome) return Incidents.Decision.Accept(new UnitReturnedToArea(unit.Id, unit.HomePath, lat, lon, reportedAt, by, now));
        return Incidents.Decision.Accept();
    }
}
