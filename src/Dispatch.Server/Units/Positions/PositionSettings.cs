namespace Dispatch.Server.Units.Positions;

/// <summary>
/// The telemetry path's settings (<c>Dispatch:Positions:*</c>), read and checked at start: a bad value stops the server
/// before it listens, naming the key.
/// </summary>
public sealed record PositionSettings(
    TimeSpan FlushEvery,
    int BatchRows,
    int QueueLimit,
    int RetentionDays,
    int DaysAhead,
    double NearSceneMeters)
{
    public const string Section = "Dispatch:Positions";

    public static PositionSettings From(IConfiguration configuration)
    {
        var s = configuration.GetSection(Section);
        var settings = new PositionSettings(
            TimeSpan.FromMilliseconds(s.GetValue("FlushMilliseconds", 25)),
            s.GetValue("BatchRows", 2000),
            s.GetValue("QueueLimit", 20_000),
            s.GetValue("RetentionDays", 400),
            s.GetValue("DaysAhead", 3),
            s.GetValue("NearSceneMeters", Domain.Units.NearScene.DefaultMeters));
        Check(settings.FlushEvery.TotalMilliseconds is >= 1 and <= 1000, "FlushMilliseconds", "from 1 to 1000");
        Check(settings.BatchRows is >= 1 and <= 50_000, "BatchRows", "from 1 to 50000");
        Check(settings.QueueLimit >= settings.BatchRows, "QueueLimit", "at least BatchRows");
        // A fix may be a day old (PositionFix.MaxFixAge): yesterday's partition must still be there.
        Check(settings.RetentionDays is >= 2 and <= 3660, "RetentionDays", "from 2 to 3660");
        Check(settings.DaysAhead is >= 1 and <= 60, "DaysAhead", "from 1 to 60");
        Check(settings.NearSceneMeters is > 0 and <= 5000, "NearSceneMeters", "above 0 and at most 5000");
        return settings;
    }

    static void Check(bool ok, string key, string range)
    {
        if (!ok) throw new InvalidOperationException($"{Section}:{key} must be {range}.");
    }
}
