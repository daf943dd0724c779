namespace Dispatch.Domain.Units;

/// <summary>
/// Which position reports are worth an event. A unit's device reports every few seconds all day long; keeping every
/// fix would put tens of thousands of events a day in each unit's stream, making it slow to load and fold and
/// costly to store, while a dispatcher only needs to know where the unit is to within a few tens of metres and
/// roughly when. So a fix is kept only when it says something new:
/// <list type="bullet">
/// <item>there is no kept position yet;</item>
/// <item>the unit's status changed since the last kept one (where it was when it went en route, arrived, …);</item>
/// <item>it moved more than <see cref="Meters"/> from the last kept one;</item>
/// <item>more than <see cref="Interval"/> passed since the last kept one (so "still here" stays fresh for the stale
/// cut-off of the recommendation).</item>
/// </list>
/// Anything else is dropped: the decider answers with no events, which is not a refusal — the device did nothing
/// wrong. A fix no newer than the last kept one (a buffered report resent after a dead zone) is dropped too, so the
/// position never goes back in time.
/// </summary>
public sealed class PositionThinning(double meters = 25, TimeSpan? interval = null)
{
    /// <summary>25 m or 60 s.</summary>
    public static readonly PositionThinning Default = new();

    /// <summary>Movement that is worth an event (strictly more than this).</summary>
    public double Meters { get; } = meters;

    /// <summary>Time after which a fix is worth an event even without movement (strictly more than this).</summary>
    public TimeSpan Interval { get; } = interval ?? TimeSpan.FromSeconds(60);

    public bool Keep(KeptPosition? last, double lat, double lon, DateTimeOffset reportedAt, UnitStatus status)
    {
        if (last is null) return true;
        if (reportedAt <= last.ReportedAt) return false;
        if (status != last.Status) return true;
        if (Geo.DistanceMeters(last.Lat, last.Lon, lat, lon) > Meters) return true;
        return reportedAt - last.ReportedAt > Interval;
    }
}
