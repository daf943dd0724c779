using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Units;

/// <summary>
/// The rules a position fix must pass, wherever it arrives: the unit command (<see cref="UnitDecider"/>) and the telemetry
/// edge (positions are telemetry, not commands: issue 15) ask the same questions and refuse with the same codes.
/// </summary>
public static class PositionFix
{
    /// <summary>How far ahead of the server's clock a device's fix time may be (clocks drift).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>The oldest fix accepted (a buffered report after a long dead zone); older ones say nothing of where a unit is.</summary>
    public static readonly TimeSpan MaxFixAge = TimeSpan.FromDays(1);

    /// <summary>An accuracy worse than this (100 km) is no position at all.</summary>
    public const double MaxAccuracyMeters = 100_000;

    /// <summary>What is impossible about the fix itself (coordinates, accuracy, time), or null: a possible fix.</summary>
    public static Refusal? Check(string callSign, double lat, double lon, double accuracyMeters, DateTimeOffset reportedAt, DateTimeOffset now)
    {
        if (!double.IsFinite(lat) || lat is < -90 or > 90)
            return new Refusal("position.lat", "Position of unit {0} refused: Lat {1} is not a latitude (−90 to 90).", callSign, lat);
        if (!double.IsFinite(lon) || lon is < -180 or > 180)
            return new Refusal("position.lon", "Position of unit {0} refused: Lon {1} is not a longitude (−180 to 180).", callSign, lon);
        if (!double.IsFinite(accuracyMeters) || accuracyMeters is < 0 or > MaxAccuracyMeters)
            return new Refusal("position.accuracy",
                "Position of unit {0} refused: AccuracyMeters {1} must be from 0 to {2}.", callSign, accuracyMeters, MaxAccuracyMeters);
        if (reportedAt > now + ClockSkew)
            return new Refusal("position.future",
                "Position of unit {0} refused: ReportedAt {1:O} is in the future (the server's time is {2:O}); check the device's clock.",
                callSign, reportedAt, now);
        if (now - reportedAt > MaxFixAge)
            return new Refusal("position.too-old", "Position of unit {0} refused: ReportedAt {1:O} is more than a day old.", callSign, reportedAt);
        return null;
    }

    /// <summary>Whether a unit in <paramref name="status"/> is tracked at all.</summary>
    public static bool Tracked(UnitStatus status) => status != UnitStatus.OffDuty;

    /// <summary>The refusal for a fix from a unit that is off duty.</summary>
    public static Refusal OffDuty(string callSign) => new("position.off-duty", "Unit {0} is off duty; its position is not tracked.", callSign);

    /// <summary>
    /// Whether <paramref name="fix"/> is newer than <paramref name="latest"/>, so it may replace it as where the unit is now:
    /// the position never goes back in time (a buffered fix resent after a dead zone goes to the history only).
    /// </summary>
    public static bool Newer(DateTimeOffset fix, DateTimeOffset? latest) => latest is not { } known || fix > known;
}
