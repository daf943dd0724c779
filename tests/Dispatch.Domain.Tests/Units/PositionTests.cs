using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Units.UnitSpec;

namespace Dispatch.Domain.Tests.Units;

/// <summary>
/// Position reports: impossible ones refused naming the field; possible ones thinned (25 m or 60 s or a status change
/// since the last kept one), the rest accepted with no events.
/// </summary>
public class PositionTests
{
    /// <summary>When the last kept fix was taken (five minutes before <see cref="UnitSpec.Now"/>).</summary>
    static readonly DateTimeOffset Kept = Now.AddMinutes(-5);

    /// <summary>Latitude <paramref name="meters"/> north of the spot (one degree of latitude is about 111.2 km).</summary>
    static double North(double meters) => Lat + meters / (Geo.EarthRadiusMeters * Math.PI / 180);

    static object[] AvailableAt(double lat, double lon, DateTimeOffset at) => [.. HistoryIn(UnitStatus.Available), Position(lat, lon, at)];

    static ReportPosition Fix(double lat, double lon, DateTimeOffset at, double accuracy = 8) => new(lat, lon, accuracy, at, Crew);

    [Fact]
    public void The_first_fix_is_kept()
    {
        var unit = Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, Kept))
            .Then(new UnitPositionReported(UnitId, Lat, Lon, 8, Kept, Crew, Now));
        Assert.Equal(new KeptPosition(Lat, Lon, 8, Kept, UnitStatus.Available), unit.LastPosition);
    }

    [Fact]
    public void A_fix_near_and_soon_after_the_last_kept_one_gives_no_event() =>
        Given(AvailableAt(Lat, Lon, Kept)).When(Fix(North(20), Lon, Kept.AddSeconds(30))).ThenNothing();

    [Fact]
    public void A_fix_that_moved_more_than_25_m_is_kept() =>
        Given(AvailableAt(Lat, Lon, Kept)).When(Fix(North(30), Lon, Kept.AddSeconds(5)))
            .Then(new UnitPositionReported(UnitId, North(30), Lon, 8, Kept.AddSeconds(5), Crew, Now));

    [Fact]
    public void A_fix_more_than_60_s_after_the_last_kept_one_is_kept_even_standing_still() =>
        Given(AvailableAt(Lat, Lon, Kept)).When(Fix(Lat, Lon, Kept.AddSeconds(61)))
            .Then(new UnitPositionReported(UnitId, Lat, Lon, 8, Kept.AddSeconds(61), Crew, Now));

    [Fact]
    public void Exactly_25_m_or_exactly_60_s_is_not_yet_worth_an_event()
    {
        Given(AvailableAt(Lat, Lon, Kept)).When(Fix(Lat, Lon, Kept.AddSeconds(60))).ThenNothing();
        Given(AvailableAt(Lat, Lon, Kept)).When(Fix(North(24.99), Lon, Kept.AddSeconds(10))).ThenNothing();
    }

    [Fact]
    public void A_fix_after_a_status_change_is_kept_though_near_and_soon() =>
        Given([.. AvailableAt(Lat, Lon, Kept), Dispatched(), EnRoute()]).When(Fix(Lat, Lon, Kept.AddSeconds(3)))
            .Then(new UnitPositionReported(UnitId, Lat, Lon, 8, Kept.AddSeconds(3), Crew, Now));

    [Fact]
    public void A_fix_no_newer_than_the_last_kept_one_gives_no_event_even_far_away() =>
        Given(AvailableAt(Lat, Lon, Kept)).When(Fix(North(5000), Lon, Kept.AddSeconds(-30))).ThenNothing();

    [Fact]
    public void The_thresholds_can_be_set() =>
        Given(AvailableAt(Lat, Lon, Kept))
            .When(Fix(North(20), Lon, Kept.AddSeconds(5)), new PositionThinning(meters: 10, interval: TimeSpan.FromSeconds(120)))
            .Then(new UnitPositionReported(UnitId, North(20), Lon, 8, Kept.AddSeconds(5), Crew, Now));

    /// <summary>A day of fixes every 5 s standing at a post keeps about one a minute, not 17 280.</summary>
    [Fact]
    public void A_day_of_fixes_every_few_seconds_keeps_about_one_a_minute()
    {
        var unit = Fold(HistoryIn(UnitStatus.Available));
        var start = Now.AddDays(-1);
        var kept = 0;
        for (var t = 0; t < 24 * 3600; t += 5)
        {
            var jitter = t % 2 == 0 ? 3 : -3; // GPS wobble of a few metres
            var decision = UnitDecider.Decide(unit, Fix(North(jitter), Lon, start.AddSeconds(t)), Now);
            foreach (var e in decision.Events) { unit = Unit.Evolve(unit, e)!; kept++; }
        }
        Assert.InRange(kept, 1300, 1500);
    }

    // ---- impossible fixes -----------------------------------------------------------------------------

    [Theory]
    [InlineData(90.0001, Lon, 8, "position.lat", "Lat")]
    [InlineData(-91, Lon, 8, "position.lat", "Lat")]
    [InlineData(double.NaN, Lon, 8, "position.lat", "Lat")]
    [InlineData(Lat, 180.5, 8, "position.lon", "Lon")]
    [InlineData(Lat, -181, 8, "position.lon", "Lon")]
    [InlineData(Lat, double.PositiveInfinity, 8, "position.lon", "Lon")]
    [InlineData(Lat, Lon, -1, "position.accuracy", "AccuracyMeters")]
    [InlineData(Lat, Lon, double.NaN, "position.accuracy", "AccuracyMeters")]
    [InlineData(Lat, Lon, double.PositiveInfinity, "position.accuracy", "AccuracyMeters")]
    [InlineData(Lat, Lon, 100_001, "position.accuracy", "AccuracyMeters")]
    public void An_impossible_fix_is_refused_naming_the_field(double lat, double lon, double accuracy, string code, string field) =>
        Assert.Contains(field, Given(HistoryIn(UnitStatus.Available)).When(Fix(lat, lon, Kept, accuracy)).ThenRefused(code).Message);

    [Fact]
    public void The_edges_of_the_ranges_and_zero_accuracy_are_possible() =>
        Given(HistoryIn(UnitStatus.Available)).When(Fix(-90, 180, Kept, accuracy: 0))
            .Then(new UnitPositionReported(UnitId, -90, 180, 0, Kept, Crew, Now));

    // ---- fix times out of a sane window ------------------------------------------------------------------

    [Fact]
    public void A_fix_dated_beyond_the_clock_skew_is_refused_naming_the_field()
    {
        Assert.Contains("ReportedAt", Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, Now.AddMinutes(2).AddSeconds(1)))
            .ThenRefused("position.future").Message);
        Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, DateTimeOffset.MaxValue)).ThenRefused("position.future");
    }

    [Fact]
    public void A_fix_a_little_ahead_of_the_clock_is_kept() =>
        Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, Now.AddMinutes(2)))
            .Then(new UnitPositionReported(UnitId, Lat, Lon, 8, Now.AddMinutes(2), Crew, Now));

    [Fact]
    public void A_fix_more_than_a_day_old_is_refused_but_a_day_old_one_is_kept()
    {
        Assert.Contains("ReportedAt", Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, Now.AddDays(-1).AddSeconds(-1)))
            .ThenRefused("position.too-old").Message);
        Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, DateTimeOffset.MinValue)).ThenRefused("position.too-old");
        Given(HistoryIn(UnitStatus.Available)).When(Fix(Lat, Lon, Now.AddDays(-1)))
            .Then(new UnitPositionReported(UnitId, Lat, Lon, 8, Now.AddDays(-1), Crew, Now));
    }

    /// <summary>A fix from the year 9999 stored before fixes were checked does not make every real fix "older".</summary>
    [Fact]
    public void A_stored_fix_from_the_future_does_not_hold_back_real_fixes() =>
        Given(AvailableAt(Lat, Lon, new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero))).When(Fix(Lat, Lon, Now.AddSeconds(-5)))
            .Then(new UnitPositionReported(UnitId, Lat, Lon, 8, Now.AddSeconds(-5), Crew, Now));

    [Fact]
    public void An_off_duty_unit_is_not_tracked() =>
        Given(HistoryIn(UnitStatus.OffDuty)).When(Fix(Lat, Lon, Kept)).ThenRefused("position.off-duty");
}
