using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Units;

/// <summary>Issue 15: of all position fixes, only a travelling unit's first one near its incident's scene becomes an event.</summary>
public class NearSceneTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
    static readonly Guid IncidentId = Guid.NewGuid(), UnitId = Guid.NewGuid();
    static readonly GeoPoint Scene = new(31.2304, 121.4737);

    static double North(double meters) => Scene.Lat + meters / (Geo.EarthRadiusMeters * Math.PI / 180);

    static Incident On(UnitStatus status, bool near = false) =>
        new(IncidentId, "20261205-0001", IncidentState.Acknowledged, "road-damage", Urgency.Normal, CallerHasPhone: false)
        {
            Units = [new IncidentUnit(UnitId, "东湖-01", status, Now.AddMinutes(-5), null) { NearScene = near }],
        };

    static Unit Crew(UnitStatus status) =>
        new(UnitId, "东湖-01", "urban-management", "city/east/donghu", [], [], status, IncidentId, "20261205-0001");

    [Fact]
    public void Given_a_unit_en_route_when_a_fix_comes_within_150_m_then_the_incident_records_its_arrival_near_the_scene()
    {
        var decision = NearScene.Arrived(On(UnitStatus.EnRoute), Scene, Crew(UnitStatus.EnRoute), North(100), Scene.Lon, Now.AddSeconds(-2), "system", Now);

        var arrived = Assert.IsType<IncidentUnitArrivedNearScene>(Assert.Single(decision.Events));
        Assert.Equal((IncidentId, UnitId, 100.0), (arrived.IncidentId, arrived.UnitId, Math.Round(arrived.DistanceMeters)));
        var after = Incident.Evolve(On(UnitStatus.EnRoute), arrived)!;
        Assert.True(after.Units.Single().NearScene);
    }

    [Fact]
    public void Given_an_arrival_already_recorded_or_a_fix_too_far_or_a_unit_on_scene_when_a_fix_comes_then_nothing_is_recorded()
    {
        Assert.Empty(NearScene.Arrived(On(UnitStatus.EnRoute, near: true), Scene, Crew(UnitStatus.EnRoute), North(10), Scene.Lon, Now, "system", Now).Events);
        Assert.Empty(NearScene.Arrived(On(UnitStatus.EnRoute), Scene, Crew(UnitStatus.EnRoute), North(200), Scene.Lon, Now, "system", Now).Events);
        Assert.Empty(NearScene.Arrived(On(UnitStatus.OnScene), Scene, Crew(UnitStatus.OnScene), North(10), Scene.Lon, Now, "system", Now).Events);
        Assert.Empty(NearScene.Arrived(On(UnitStatus.EnRoute), null, Crew(UnitStatus.EnRoute), North(10), Scene.Lon, Now, "system", Now).Events);
    }

    [Fact]
    public void Given_an_arrival_recorded_when_the_unit_goes_en_route_then_it_stays_recorded_for_the_trip()
    {
        var incident = On(UnitStatus.Dispatched, near: true);
        var enRoute = Incident.Evolve(incident, new IncidentUnitStatusChanged(IncidentId, UnitId, "东湖-01", UnitStatus.EnRoute, "crew", Now))!;
        Assert.True(enRoute.Units.Single().NearScene);
    }

    [Fact]
    public void The_fix_checks_refuse_with_the_codes_the_unit_command_uses()
    {
        Assert.Equal("position.lat", PositionFix.Check("x", 91, 0, 1, Now, Now)!.Code);
        Assert.Equal("position.lon", PositionFix.Check("x", 0, -181, 1, Now, Now)!.Code);
        Assert.Equal("position.accuracy", PositionFix.Check("x", 0, 0, double.NaN, Now, Now)!.Code);
        Assert.Equal("position.future", PositionFix.Check("x", 0, 0, 1, Now.AddMinutes(3), Now)!.Code);
        Assert.Equal("position.too-old", PositionFix.Check("x", 0, 0, 1, Now.AddDays(-1.01), Now)!.Code);
        Assert.Null(PositionFix.Check("x", 0, 0, 1, Now, Now));
        Assert.Equal("position.off-duty", PositionFix.OffDuty("x").Code);
    }
}

/// <summary>Issue 15: leaving the home jurisdiction, and coming back, are events at the transition only.</summary>
public class HomeAreaTests
{
    static readonly DateTimeOffset Now = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);
    static readonly Unit OnDuty = new(Guid.NewGuid(), "东湖-01", "urban-management", "city/east/donghu", [], [], UnitStatus.Available);

    [Fact]
    public void Given_a_unit_inside_when_a_fix_is_outside_then_it_left_and_only_a_fix_back_inside_records_its_return()
    {
        var left = Assert.IsType<UnitLeftArea>(Assert.Single(HomeArea.Decide(OnDuty, inside: false, 31.3, 121.5, Now, "system", Now).Events));
        var outside = Unit.Evolve(OnDuty, left)!;

        Assert.True(outside.OutsideHome);
        Assert.Empty(HomeArea.Decide(outside, inside: false, 31.31, 121.5, Now, "system", Now).Events);
        Assert.IsType<UnitReturnedToArea>(Assert.Single(HomeArea.Decide(outside, inside: true, 31.2, 121.4, Now, "system", Now).Events));
        Assert.Empty(HomeArea.Decide(OnDuty, inside: true, 31.2, 121.4, Now, "system", Now).Events);
        Assert.Empty(HomeArea.Decide(OnDuty with { Status = UnitStatus.OffDuty }, inside: false, 31.3, 121.5, Now, "system", Now).Events);
    }
}
