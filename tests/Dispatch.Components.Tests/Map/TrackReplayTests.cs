using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Components.Map;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests.Map;

/// <summary>
/// The track replay panel on real services and real PostgreSQL (fixes written by the telemetry path): the range chosen
/// is the range read, an empty range says so, and a unit outside the reader's scope is refused as the API refuses it.
/// </summary>
public sealed class TrackReplayTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const double Lat = 31.2078, Lon = 121.4846;
    readonly List<TrackOnMap?> _shown = [];

    IRenderedComponent<TrackReplay> Render(Guid unit, Actor actor) => Ctx.Render<TrackReplay>(p => p
        .Add(x => x.UnitId, unit)
        .Add(x => x.CallSign, "轨迹-01")
        .Add(x => x.Actor, actor)
        .Add(x => x.OnShow, EventCallback.Factory.Create<TrackOnMap?>(this, t => _shown.Add(t))));

    Actor TownDispatcher(string town) => new("track-town", "Town dispatcher", [new Grant(Role.Dispatcher, town)]);

    [Fact]
    public async Task Given_fixes_90_and_10_minutes_ago_when_the_dispatcher_chooses_2_h_after_30_min_then_both_are_drawn()
    {
        var town = App.TownAt(Lat, Lon);
        var unit = await App.Unit("轨迹-区间", town);
        var now = DateTimeOffset.UtcNow;
        await App.Move(unit, new ReportPosition(Lat, Lon, 8, now.AddMinutes(-90), ""));
        await App.Move(unit, new ReportPosition(Lat + 0.002, Lon + 0.001, 8, now.AddMinutes(-10), ""));

        var cut = Render(unit, TownDispatcher(town));
        cut.WaitForAssertion(() => Assert.Equal("Shown", cut.Find("[data-testid=track-replay]").GetAttribute("data-state")));
        Assert.Equal("1", cut.Find("[data-testid=track-replay]").GetAttribute("data-fixes"));
        Assert.Equal("true", cut.Find("[data-testid=track-range-30m]").GetAttribute("aria-pressed"));
        cut.WaitForAssertion(() => Assert.Single(_shown.OfType<TrackOnMap>()));

        cut.Find("[data-testid=track-range-2h]").Click();
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=track-replay]").GetAttribute("data-fixes")));
        Assert.Equal("true", cut.Find("[data-testid=track-range-2h]").GetAttribute("aria-pressed"));
        Assert.Equal("false", cut.Find("[data-testid=track-range-30m]").GetAttribute("aria-pressed"));
        cut.WaitForAssertion(() => Assert.Equal(2, _shown.OfType<TrackOnMap>().Last().Points.Count));
        Assert.InRange((_shown.OfType<TrackOnMap>().Last().Points[0].At - now.AddMinutes(-90)).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        Assert.Contains("2 positions", cut.Find("[data-testid=track-status]").TextContent);
        cut.Find("[data-testid=track-player]");
    }

    [Fact]
    public async Task Given_a_unit_that_reported_nothing_in_the_range_when_its_track_opens_then_it_says_so_and_draws_nothing()
    {
        var town = App.TownAt(Lat, Lon);
        var unit = await App.Unit("轨迹-空", town);
        await App.Move(unit, new ReportPosition(Lat, Lon, 8, DateTimeOffset.UtcNow.AddHours(-3), ""));

        var cut = Render(unit, TownDispatcher(town));

        cut.WaitForAssertion(() => Assert.Equal("Empty", cut.Find("[data-testid=track-replay]").GetAttribute("data-state")));
        Assert.Contains("No positions of 轨迹-01", cut.Find("[data-testid=track-status]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=track-player]"));
        Assert.All(_shown, Assert.Null);
        // A wider range finds the fix.
        cut.Find("[data-testid=track-range-8h]").Click();
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=track-replay]").GetAttribute("data-fixes")));
    }

    [Fact]
    public async Task Given_a_unit_of_another_town_when_a_town_dispatcher_opens_its_track_then_it_is_refused_as_the_api_refuses_it()
    {
        var town = App.TownAt(Lat, Lon);
        var elsewhere = App.Services.GetRequiredService<JurisdictionTree>().Place(31.2477, 121.4591).Town!.Path;
        Assert.NotEqual(town, elsewhere);
        var unit = await App.Unit("轨迹-外", elsewhere);
        await App.Move(unit, new ReportPosition(31.2477, 121.4591, 8, DateTimeOffset.UtcNow.AddMinutes(-5), ""));

        var cut = Render(unit, TownDispatcher(town));

        cut.WaitForAssertion(() => Assert.Equal("Refused", cut.Find("[data-testid=track-replay]").GetAttribute("data-state")));
        Assert.Contains("may not see this unit's track", cut.Find("[data-testid=track-status]").TextContent);
        Assert.Empty(cut.FindAll("[data-testid=track-player]"));
        Assert.DoesNotContain(_shown, t => t is not null);
    }

    [Fact]
    public async Task Given_a_custom_range_longer_than_7_days_when_shown_then_it_is_refused_before_reading()
    {
        var town = App.TownAt(Lat, Lon);
        var unit = await App.Unit("轨迹-长", town);
        var cut = Render(unit, TownDispatcher(town));
        cut.WaitForAssertion(() => Assert.Equal("Empty", cut.Find("[data-testid=track-replay]").GetAttribute("data-state")));

        cut.Find("[data-testid=track-from]").Change("2026-11-01T08:00");
        cut.Find("[data-testid=track-to]").Change("2026-11-09T08:00");
        cut.Find("[data-testid=track-custom]").Click();

        cut.WaitForAssertion(() => Assert.Equal("BadRange", cut.Find("[data-testid=track-replay]").GetAttribute("data-state")));
        Assert.Contains("At most 7 days", cut.Find("[data-testid=track-status]").TextContent);
    }
}
