using Dispatch.Domain.Warning;

namespace Dispatch.Domain.Tests.Warning;

/// <summary>
/// The early-warning surge rule: given a usual history (reports on past days) and the surge stream's events so far,
/// when the watch looks at an instant of the injected clock with today's reports, then a surge is recorded, ended, or
/// nothing. The clock is a plain value moved by the test.
/// </summary>
public class SurgeTests
{
    static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    static readonly SurgeKey Flooding = new("demo/dh/dh-01", "flooding");
    static readonly SurgeKey Noise = new("demo/dh/dh-01", "noise");
    /// <summary>Monday 10:00 in Shanghai.</summary>
    static readonly DateTimeOffset Monday10 = new(2026, 11, 23, 10, 0, 0, TimeSpan.FromHours(8));
    static readonly SurgeSettings Settings = new() { Window = TimeSpan.FromMinutes(60), BaselineDays = 14, MinimumCount = 5 };

    /// <summary>A history of <paramref name="perHour"/> reports of the pair every hour of each of the past 14 days.</summary>
    static ReportTally UsualHistory(SurgeKey key, int perHour)
    {
        var tally = new ReportTally(Shanghai);
        var midnight = new DateTimeOffset(Monday10.Date, TimeSpan.FromHours(8));
        for (var day = 1; day <= 14; day++)
            for (var hour = 0; hour < 24; hour++)
                for (var i = 0; i < perHour; i++)
                    tally.Add(key.Town, key.Category, midnight.AddDays(-day).AddHours(hour).AddMinutes(7 + i * 60.0 / perHour));
        return tally;
    }

    /// <summary>The watch at <paramref name="now"/>: today's reports in the window, the pair's baseline, its state from its stream.</summary>
    static ISurgeEvent? When(ReportTally tally, SurgeKey key, IEnumerable<object> stream, IEnumerable<DateTimeOffset> today, DateTimeOffset now)
    {
        var state = stream.Aggregate((SurgeState?)null, SurgeState.Evolve);
        var count = today.Count(at => at > now - Settings.Window && at <= now);
        return SurgeRule.Decide(state, key, count, tally.Baseline(key, now, Settings), Settings, now);
    }

    static IEnumerable<DateTimeOffset> Burst(DateTimeOffset from, int count, TimeSpan every) =>
        Enumerable.Range(0, count).Select(i => from + every * i);

    [Fact]
    public void The_baseline_is_the_same_window_on_each_past_day_with_Poisson_spread()
    {
        var tally = UsualHistory(Flooding, perHour: 4);

        var usual = tally.Baseline(Flooding, Monday10, Settings);

        Assert.Equal(4, usual.Mean, precision: 6);
        Assert.Equal(2, usual.Spread, precision: 6); // √4: every day alike, so Poisson's spread is the larger
        Assert.Equal(14, usual.Days);
        Assert.Equal(10, SurgeRule.StartThreshold(usual, Settings)); // ⌈4 + 3·2⌉
        Assert.Equal(6, SurgeRule.EndThreshold(usual, Settings));    // ⌈4 + 1·2⌉
        // Another pair has no history: the minimum count is its threshold.
        Assert.Equal(5, SurgeRule.StartThreshold(tally.Baseline(Noise, Monday10, Settings), Settings));
    }

    [Fact]
    public void A_day_that_swung_widely_raises_the_spread_above_Poisson()
    {
        var usual = SurgeBaseline.Of([0, 0, 0, 20, 0, 0, 0, 20]);

        Assert.Equal(5, usual.Mean, precision: 6);
        Assert.True(usual.Spread > Math.Sqrt(5), $"spread {usual.Spread} should exceed √5 for counts that swing 0–20");
    }

    [Fact]
    public void A_count_at_its_usual_level_records_nothing()
    {
        var tally = UsualHistory(Flooding, perHour: 4);
        var today = Burst(Monday10.AddMinutes(-55), 6, TimeSpan.FromMinutes(9));

        Assert.Null(When(tally, Flooding, [], today, Monday10));
    }

    [Fact]
    public void A_surge_fires_once_then_ends_then_a_new_surge_fires_again()
    {
        var tally = UsualHistory(Flooding, perHour: 4);
        var stream = new List<object>();
        var today = new List<DateTimeOffset>();

        // 10 reports in 20 minutes, against a usual 4 an hour: detected at the tenth.
        today.AddRange(Burst(Monday10, 9, TimeSpan.FromMinutes(2)));
        var now = Monday10.AddMinutes(16);
        Assert.Null(When(tally, Flooding, stream, today, now));
        today.Add(Monday10.AddMinutes(18));
        now = Monday10.AddMinutes(18);
        var detected = Assert.IsType<SurgeDetected>(When(tally, Flooding, stream, today, now));
        Assert.Equal((10, 10, now, Flooding.StreamId), (detected.Count, detected.Threshold, detected.At, detected.SurgeStreamId));
        stream.Add(detected);

        // More reports while it runs: nothing more is recorded.
        today.AddRange(Burst(Monday10.AddMinutes(20), 5, TimeSpan.FromMinutes(1)));
        Assert.Null(When(tally, Flooding, stream, today, Monday10.AddMinutes(25)));

        // An hour on, the first ten slid out of the window: 5 remain, below the end threshold of 6, so it ends.
        now = Monday10.AddMinutes(79);
        Assert.Equal(5, today.Count(at => at > now - Settings.Window && at <= now));
        var ended = Assert.IsType<SurgeEnded>(When(tally, Flooding, stream, today, now));
        Assert.Equal((5, 6), (ended.Count, ended.Threshold));
        stream.Add(ended);
        Assert.Null(When(tally, Flooding, stream, today, now.AddMinutes(1)));

        // A second burst later that day is a new surge, recorded once more.
        var second = Monday10.AddHours(3);
        today.AddRange(Burst(second, 12, TimeSpan.FromMinutes(1)));
        var again = Assert.IsType<SurgeDetected>(When(tally, Flooding, stream, today, second.AddMinutes(12)));
        stream.Add(again);
        Assert.Equal(2, stream.Aggregate((SurgeState?)null, SurgeState.Evolve)!.Surges);
    }

    [Fact]
    public void A_count_hovering_between_the_thresholds_does_not_fire_again()
    {
        var tally = UsualHistory(Flooding, perHour: 4);
        var usual = tally.Baseline(Flooding, Monday10, Settings);
        var state = SurgeState.Evolve(null, new SurgeDetected(Flooding.StreamId, Flooding.Town, Flooding.Category, 10, 4, 10, Settings.Window, Monday10));

        // 9, 7, 6, 9: below the start threshold but not below the end threshold.
        foreach (var count in new[] { 9, 7, 6, 9 })
            Assert.Null(SurgeRule.Decide(state, Flooding, count, usual, Settings, Monday10.AddMinutes(count)));
    }

    [Fact]
    public void The_window_reaches_back_over_midnight_into_the_previous_days_evening()
    {
        var tally = new ReportTally(Shanghai);
        var midnight = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.FromHours(8));
        // On each past day: three reports at 23:40, none after midnight.
        for (var day = 1; day <= 15; day++) tally.Add(Flooding.Town, Flooding.Category, midnight.AddDays(-day).AddMinutes(-20), 3);

        var usual = tally.Baseline(Flooding, midnight.AddMinutes(30), Settings);

        Assert.Equal(3, usual.Mean, precision: 6);
    }

    [Fact]
    public void Forgetting_drops_the_quarter_hours_beyond_the_baseline()
    {
        var tally = UsualHistory(Flooding, perHour: 4);
        var before = tally.Size;

        tally.Forget(tally.SlotOf(Monday10.AddDays(-7)));

        Assert.True(tally.Size < before);
        Assert.Equal(0, tally.At(Flooding.Town, Flooding.Category, tally.SlotOf(Monday10.AddDays(-10))));
    }

    [Fact]
    public void Settings_name_the_field_that_is_wrong()
    {
        var problems = (Settings with { Window = TimeSpan.FromMinutes(1), EndSigmas = 5 }).Problems();

        Assert.Contains(problems, p => p.StartsWith("Window"));
        Assert.Contains(problems, p => p.StartsWith("EndSigmas"));
        Assert.Empty(Settings.Problems());
    }

    [Fact]
    public void Each_pair_has_its_own_stream_the_same_on_every_node()
    {
        Assert.Equal(new SurgeKey("demo/dh/dh-01", "flooding").StreamId, Flooding.StreamId);
        Assert.NotEqual(Flooding.StreamId, Noise.StreamId);
    }
}
