using Dispatch.Server.Components.Map;
using Dispatch.Server.Units.Positions;

namespace Dispatch.Components.Tests.Map;

/// <summary>Thinning a long track for the replay: few points, every moment still where the unit was.</summary>
public sealed class TrackThinningTests
{
    static readonly DateTimeOffset T0 = new(2026, 12, 5, 0, 0, 0, TimeSpan.Zero);

    // A day at one fix every 5 s: drives east, waits 20 minutes at a corner, drives north on a wiggle, waits again.
    static List<TrackApi.TrackFix> Day()
    {
        var fixes = new List<TrackApi.TrackFix>();
        var (lat, lon) = (31.2, 121.4);
        for (var i = 0; i < 17_280; i++)
        {
            var phase = i % 2_880; // four-hour cycles
            if (phase < 720) lon += 0.00005;                                   // an hour east at ~19 km/h
            else if (phase < 960) { }                                          // 20 minutes still
            else if (phase < 1_680) { lat += 0.00004; lon += 0.00002 * Math.Sin(i / 30.0); } // an hour north, wiggling
            fixes.Add(new TrackApi.TrackFix(T0.AddSeconds(5 * i), lat, lon, 8));
        }
        return fixes;
    }

    // Reference interpolation (what map.js positionAt does): linear in time between the fixes around the moment.
    static (double Lat, double Lon) At(IReadOnlyList<TrackApi.TrackFix> fixes, DateTimeOffset at)
    {
        var hi = 1;
        while (hi < fixes.Count - 1 && fixes[hi].At < at) hi++;
        var (a, b) = (fixes[hi - 1], fixes[hi]);
        var r = Math.Clamp((at - a.At) / (b.At - a.At), 0, 1);
        return (a.Lat + r * (b.Lat - a.Lat), a.Lon + r * (b.Lon - a.Lon));
    }

    static double Meters((double Lat, double Lon) a, (double Lat, double Lon) b) =>
        Math.Sqrt(Math.Pow((a.Lat - b.Lat) * 110_574, 2) + Math.Pow((a.Lon - b.Lon) * 111_320 * Math.Cos(a.Lat * Math.PI / 180), 2));

    [Fact]
    public void Given_a_day_at_one_fix_every_5_s_when_thinned_then_at_most_2000_points_remain_and_every_moment_replays_within_tolerance()
    {
        var day = Day();

        var thinned = TrackThinning.Thin(day);

        Assert.InRange(thinned.Count, 10, TrackThinning.MaxPoints);
        Assert.Equal(day[0], thinned[0]);
        Assert.Equal(day[^1], thinned[^1]);
        // Time-aware: the interpolated position at every original fix's moment stays close to where the unit was.
        var worst = day.Max(f => Meters(At(thinned, f.At), (f.Lat, f.Lon)));
        Assert.True(worst <= 50, $"worst deviation {worst:0.0} m");
    }

    [Fact]
    public void Given_a_straight_steady_drive_with_a_stop_when_thinned_then_the_stop_keeps_both_ends_in_time()
    {
        var fixes = new List<TrackApi.TrackFix>();
        for (var i = 0; i <= 60; i++) fixes.Add(new(T0.AddSeconds(10 * i), 31.2, 121.4 + 0.0001 * i, 8));        // 10 min east, steady
        for (var i = 1; i <= 60; i++) fixes.Add(new(T0.AddSeconds(600 + 10 * i), 31.2, 121.406, 8));          // 10 min still
        for (var i = 1; i <= 60; i++) fixes.Add(new(T0.AddSeconds(1200 + 10 * i), 31.2, 121.406 + 0.0001 * i, 8)); // 10 min east again

        var thinned = TrackThinning.Thin(fixes);

        // Start, arrival at the stop, departure from it, end: a line through the same points would replay the stop as a crawl.
        Assert.Equal([T0, T0.AddSeconds(600), T0.AddSeconds(1200), T0.AddSeconds(1800)], thinned.Select(f => f.At));
        Assert.Equal((31.2, 121.406), At(thinned, T0.AddSeconds(900)));
    }

    [Fact]
    public void Given_a_few_fixes_far_apart_when_thinned_then_all_stay()
    {
        List<TrackApi.TrackFix> fixes = [new(T0, 31.2, 121.4, 8), new(T0.AddMinutes(1), 31.201, 121.4, 8), new(T0.AddMinutes(2), 31.201, 121.402, 8),
            new(T0.AddMinutes(3), 31.203, 121.403, 8)];

        Assert.Equal(fixes, TrackThinning.Thin(fixes));
    }
}
