using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Units.UnitSpec;

namespace Dispatch.Domain.Tests.Units;

/// <summary>Which units to send: available, capable, fresh, nearest first; the rest left out with a reason.</summary>
public class RecommendationTests
{
    static readonly GeoPoint Incident = new(Lat, Lon);
    static readonly TimeSpan Cutoff = TimeSpan.FromMinutes(10);

    /// <summary>An available unit <paramref name="metersNorth"/> from the incident, seen <paramref name="age"/> ago.</summary>
    static Unit Seen(string callSign, double metersNorth, TimeSpan age, params string[] capabilities)
    {
        var id = Guid.NewGuid();
        var lat = Lat + metersNorth / (Geo.EarthRadiusMeters * Math.PI / 180);
        return Fold(Registered(id, callSign, capabilities), OnDuty(id), Position(lat, Lon, Now - age, id));
    }

    static Recommendation Recommend(string? capability, params Unit[] units) =>
        UnitRecommendation.Recommend(Incident, capability, Now, Cutoff, units);

    [Fact]
    public void Available_units_are_proposed_nearest_first_with_distance_age_and_reason()
    {
        var r = Recommend(null,
            Seen("far", 2400, TimeSpan.FromMinutes(1)),
            Seen("near", 300, TimeSpan.FromSeconds(20)),
            Seen("middle", 850, TimeSpan.FromMinutes(3)));

        Assert.Equal(["near", "middle", "far"], r.Proposed.Select(p => p.Unit.CallSign));
        Assert.Empty(r.LeftOut);
        var near = r.Proposed[0];
        Assert.Equal(300, near.DistanceMeters, precision: 1);
        Assert.Equal(TimeSpan.FromSeconds(20), near.PositionAge);
        Assert.Equal("available, 300 m away, position 20 s old", near.Reason);
        Assert.Equal("available, 2.4 km away, position 1 min old", r.Proposed[2].Reason);
    }

    /// <summary>A fix stored from the year 9999 (before fixes were checked): not "0 s old", not proposed, and no crash.</summary>
    [Fact]
    public void A_unit_whose_stored_fix_is_dated_in_the_future_is_left_out_as_stale_not_proposed()
    {
        var id = Guid.NewGuid();
        var future = Fold(Registered(id, "future"), OnDuty(id), Position(Lat, Lon, new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), id));

        var r = Recommend(null, future, Seen("ahead", 100, TimeSpan.FromSeconds(-90)));

        var ahead = Assert.Single(r.Proposed);
        Assert.Equal(("ahead", TimeSpan.Zero), (ahead.Unit.CallSign, ahead.PositionAge));
        var left = Assert.Single(r.LeftOut);
        Assert.Equal(("future", LeftOutKind.PositionStale, (TimeSpan?)null), (left.Unit.CallSign, left.Kind, left.PositionAge));
        Assert.Contains("future", left.Reason);
    }

    [Fact]
    public void Haversine_distances_match_known_ones()
    {
        // One degree along the equator; Beijing (天安门) to Shanghai (人民广场), about 1 067 km.
        Assert.Equal(111_195, Geo.DistanceMeters(0, 0, 0, 1), precision: 0);
        Assert.InRange(Geo.DistanceMeters(39.9042, 116.4074, 31.2304, 121.4737) / 1000, 1060, 1075);
        Assert.Equal(0, Geo.DistanceMeters(Lat, Lon, Lat, Lon));
    }

    [Fact]
    public void Units_that_are_not_available_are_left_out_saying_what_they_are_doing()
    {
        var offId = Guid.NewGuid();
        var off = Fold(Registered(offId, "off"));
        var busy = Fold([.. HistoryIn(UnitStatus.EnRoute)]);
        var r = Recommend(null, off, busy, Seen("free", 500, TimeSpan.FromMinutes(1)));

        Assert.Equal(["free"], r.Proposed.Select(p => p.Unit.CallSign));
        Assert.Equal([(CallSign, LeftOutKind.NotAvailable, "en route to 20261123-0042"), ("off", LeftOutKind.NotAvailable, "off duty")],
            r.LeftOut.Select(l => (l.Unit.CallSign, l.Kind, l.Reason)).OrderBy(x => x.Item3));
    }

    [Fact]
    public void A_dispatched_unit_is_left_out_naming_its_incident() =>
        Assert.Equal("dispatched to 20261123-0042",
            Assert.Single(Recommend(null, Fold(HistoryIn(UnitStatus.Dispatched))).LeftOut).Reason);

    [Fact]
    public void Units_without_the_needed_capability_are_left_out()
    {
        var r = Recommend("fire-engine",
            Seen("squad", 100, TimeSpan.FromMinutes(1), "enforcement"),
            Seen("engine", 900, TimeSpan.FromMinutes(1), "fire-engine", "medic"));

        var proposed = Assert.Single(r.Proposed);
        Assert.Equal("engine", proposed.Unit.CallSign);
        Assert.Equal("available with fire-engine, 900 m away, position 1 min old", proposed.Reason);
        var left = Assert.Single(r.LeftOut);
        Assert.Equal(("squad", LeftOutKind.NoCapability, "no fire-engine"), (left.Unit.CallSign, left.Kind, left.Reason));
    }

    [Fact]
    public void A_unit_with_a_stale_position_is_listed_apart_with_its_age()
    {
        var r = Recommend(null, Seen("stale", 50, TimeSpan.FromMinutes(12)), Seen("fresh", 2000, TimeSpan.FromMinutes(2)));

        Assert.Equal("fresh", Assert.Single(r.Proposed).Unit.CallSign);
        var stale = Assert.Single(r.LeftOut);
        Assert.Equal((LeftOutKind.PositionStale, "position stale (12 min old)"), (stale.Kind, stale.Reason));
        Assert.Equal(TimeSpan.FromMinutes(12), stale.PositionAge);
        Assert.Equal(50, stale.DistanceMeters!.Value, precision: 1);
    }

    [Fact]
    public void A_position_exactly_as_old_as_the_cut_off_is_still_fresh_and_a_tick_older_is_stale()
    {
        var r = Recommend(null, Seen("at-cutoff", 100, Cutoff), Seen("past-cutoff", 100, Cutoff + TimeSpan.FromTicks(1)));

        Assert.Equal("at-cutoff", Assert.Single(r.Proposed).Unit.CallSign);
        Assert.Equal(("past-cutoff", LeftOutKind.PositionStale, "position stale (10 min old)"),
            Assert.Single(r.LeftOut) is var l ? (l.Unit.CallSign, l.Kind, l.Reason) : default);
    }

    [Fact]
    public void A_unit_that_never_reported_a_position_is_left_out()
    {
        var id = Guid.NewGuid();
        var left = Assert.Single(Recommend(null, Fold(Registered(id, "blind"), OnDuty(id))).LeftOut);
        Assert.Equal((LeftOutKind.NoPosition, "no position reported"), (left.Kind, left.Reason));
    }

    [Fact]
    public void Availability_is_checked_before_capability_and_capability_before_position()
    {
        var offId = Guid.NewGuid();
        var r = Recommend("medic", Fold(Registered(offId, "off", "enforcement")), Seen("stale-squad", 10, TimeSpan.FromHours(2), "enforcement"));

        Assert.Empty(r.Proposed);
        Assert.Equal([LeftOutKind.NotAvailable, LeftOutKind.NoCapability], r.LeftOut.Select(l => l.Kind));
    }

    [Theory]
    [InlineData(45, "45 s")]
    [InlineData(12 * 60 + 59, "12 min")]
    [InlineData(2 * 3600 + 5 * 60, "2 h 5 min")]
    public void Ages_read_as_people_say_them(int seconds, string text) =>
        Assert.Equal(text, UnitRecommendation.Age(TimeSpan.FromSeconds(seconds)));
}
