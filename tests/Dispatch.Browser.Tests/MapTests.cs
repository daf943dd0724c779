using System.Globalization;
using System.Net;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// The dispatcher map in a real browser: the boundaries of the dispatcher's district drawn by Leaflet from the
/// jurisdiction tree (no tiles configured), incidents and units of that district as markers, a unit that moves while
/// the page is open, and the intake form's map that fills the coordinates.
/// </summary>
public sealed class MapTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const string District = "demo/dh";

    Actor Everyone => new("map-test-setup", "Setup", browser.App.Everything());

    JurisdictionTree Tree => browser.App.Services.GetRequiredService<JurisdictionTree>();

    // The middle of 东湖区 (the demo city's "dh"), where the scene is set.
    (double Lat, double Lon) Middle => Tree["dh"].Boundary.InteriorPoint is var p ? (Math.Round(p.Y, 4), Math.Round(p.X, 4)) : default;

    async Task<(Guid Id, string Number)> Incident(double lat, double lon, int urgency, bool assign = false)
    {
        var incidents = browser.App.Services.GetRequiredService<IncidentService>();
        var reported = Assert.IsType<CommandOutcome.Done>(await incidents.Report(
            new IntakeForm(Channel.Hotline, "张伟", "13812340000", lat, lon, "东湖区人民路 128 号", "road-damage", "路面塌陷约一米见方，车辆绕行。", urgency),
            Everyone, Guid.NewGuid().ToString()));
        if (assign)
        {
            Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Everyone, reported.Id, new AcceptIncident(Everyone.Login), null));
            Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Everyone, reported.Id, new AssignIncident("urban-management", Everyone.Login), null));
        }
        return (reported.Id, reported.Number);
    }

    async Task<Guid> Unit(string callSign, double lat, double lon)
    {
        var units = browser.App.Services.GetRequiredService<UnitService>();
        var id = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await units.Register(Everyone,
            new RegisterUnit(id, callSign, "urban-management", Tree.Place(lat, lon).Town!.Path, ["enforcement"], ["王强"], "")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Everyone, id, new GoOnDuty("")));
        await Move(id, lat, lon);
        return id;
    }

    // Through the unit API, as a phone's position report arrives.
    async Task Move(Guid unit, double lat, double lon)
    {
        using var client = browser.App.Client();
        using var response = await client.PostAsJsonAsync($"/api/units/{unit}/position",
            new { lat, lon, accuracy = 8, reportedAt = DateTimeOffset.UtcNow });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    static string Text(double degrees) => degrees.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_district_dispatcher_sees_the_districts_boundaries_incidents_and_units_and_a_unit_moving_live()
    {
        // Given: incidents and units inside the district (spread over it) and one of each elsewhere.
        var (Lat, Lon) = Middle;
        var inside = Enumerable.Range(0, 16).Select(i => (Lat: Math.Round(Lat + 0.009 * Math.Sin(i * 1.7), 6), Lon: Math.Round(Lon + 0.009 * Math.Cos(i * 1.3), 6)))
            .Where(p => Tree.Place(p.Lat, p.Lon).District?.Code == "dh").ToList();
        Assert.True(inside.Count >= 6);
        var incidents = new List<(Guid Id, string Number)>();
        for (var i = 0; i < inside.Count; i++) incidents.Add(await Incident(inside[i].Lat, inside[i].Lon, 1 + i % 4, assign: i % 3 == 0));
        var moving = await Unit("东湖-城管-01", Lat, Lon);
        var crews = new List<Guid>();
        for (var i = 2; i <= 5; i++) crews.Add(await Unit($"东湖-城管-{i:00}", inside[i].Lat + 0.0015, inside[i].Lon - 0.002));
        // Two of them at work: one sent to an assigned incident, one on its way to another.
        var unitService = browser.App.Services.GetRequiredService<UnitService>();
        Assert.IsType<UnitOutcome.Done>(await unitService.Handle(Everyone, crews[0], new DispatchUnit(incidents[0].Id, "", "")));
        Assert.IsType<UnitOutcome.Done>(await unitService.Handle(Everyone, crews[1], new DispatchUnit(incidents[3].Id, "", "")));
        Assert.IsType<UnitOutcome.Done>(await unitService.Handle(Everyone, crews[1], new ReportEnRoute("")));
        var elsewhere = (Lat: 31.2236, Lon: 121.44665); // 西山区
        Assert.Equal("xs", Tree.Place(elsewhere.Lat, elsewhere.Lon).District?.Code);
        var otherIncident = await Incident(elsewhere.Lat, elsewhere.Lon, 4);
        var otherUnit = await Unit("西山-城管-01", elsewhere.Lat, elsewhere.Lon);

        var page = await browser.Open("/map", login: "map-dh-dispatcher", grants: [new Grant(Role.Dispatcher, District)]);
        var map = page.Locator("[data-testid=dispatcher-map][data-ready=true]");
        await map.WaitForAsync();

        // Boundaries: the district, its towns and their grid cells, drawn as Leaflet's SVG paths; nothing of other districts.
        Assert.Equal(1, await map.Locator("path.map-boundary-district[data-code=dh]").CountAsync());
        Assert.Equal(Tree.Children("dh").Count, await map.Locator("path.map-boundary-town").CountAsync());
        Assert.Equal(Tree.Children("dh").Sum(t => Tree.Children(t.Code).Count), await map.Locator("path.map-boundary-grid").CountAsync());
        Assert.Equal(0, await map.Locator("path.map-boundary[data-code^=xs]").CountAsync());

        // Markers: every unit of the district with its call sign, and the incidents (some perhaps in a cluster).
        await map.Locator($".map-unit[data-id='{moving}']").WaitForAsync();
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=dispatcher-map]').dataset.units === '5'");
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=dispatcher-map]').dataset.incidents === '{incidents.Count}'");
        await map.Locator($".map-unit.unit-status-Dispatched[data-id='{crews[0]}']").WaitForAsync();
        await map.Locator($".map-unit.unit-status-EnRoute[data-id='{crews[1]}']").WaitForAsync();
        Assert.Equal(0, await map.Locator($"[data-id='{otherUnit}']").CountAsync());
        Assert.Equal(0, await map.Locator($"[data-id='{otherIncident.Id}']").CountAsync());
        Assert.True(await map.Locator(".map-incident, .map-cluster").CountAsync() > 0);
        var before = await map.Locator($".map-unit[data-id='{moving}']").GetAttributeAsync("data-lat");
        Assert.Equal(Text(Lat), before);

        // When the unit moves (its phone reports a new fix), its marker moves on the open page: no reload.
        var (northLat, eastLon) = (Math.Round(Lat + 0.0025, 6), Math.Round(Lon + 0.0021, 6));
        await Move(moving, northLat, eastLon);
        await map.Locator($".map-unit[data-id='{moving}'][data-lat='{Text(northLat)}'][data-lon='{Text(eastLon)}']").WaitForAsync();
        Assert.Equal(1, await map.Locator($".map-unit[data-id='{moving}']").CountAsync());

        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("map.png") });

        // Clicking the unit shows its card; clicking an incident opens its drawer.
        await map.Locator($".map-unit[data-id='{moving}']").ClickAsync();
        var card = page.Locator($"[data-testid=map-unit-card][data-unit='{moving}']");
        await card.WaitForAsync();
        Assert.Contains("东湖-城管-01", await card.InnerTextAsync());
        Assert.Equal("Available", await card.GetAttributeAsync("data-status"));
        await page.Locator("[data-testid=map-unit-close]").ClickAsync();
        await card.WaitForAsync(new() { State = WaitForSelectorState.Detached });

        // An incident's pin opens its drawer. Pins close together are drawn as a cluster, whose click zooms into it.
        for (var i = 0; i < 8 && await map.Locator(".map-incident").CountAsync() == 0; i++)
        {
            await map.Locator(".map-cluster").First.ClickAsync();
            await page.WaitForFunctionAsync("() => !document.querySelector('.leaflet-zoom-anim')");
        }
        var pin = map.Locator(".map-incident").First;
        var clicked = Guid.Parse((await pin.GetAttributeAsync("data-id"))!);
        await pin.ClickAsync();
        await page.Locator("[data-testid=drawer-number]", new() { HasText = incidents.Single(x => x.Id == clicked).Number }).WaitForAsync();
    }

    [Fact]
    public async Task A_dispatcher_replays_a_units_track_the_line_has_its_fixes_and_the_marker_moves_when_played()
    {
        // Given: a unit of the district that reported five fixes over the last ten minutes (a zigzag: none is thinned away).
        var (lat, lon) = Middle;
        var units = browser.App.Services.GetRequiredService<UnitService>();
        var unit = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await units.Register(Everyone,
            new RegisterUnit(unit, "东湖-巡查-07", "urban-management", Tree.Place(lat, lon).Town!.Path, ["enforcement"], ["李明"], "")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Everyone, unit, new GoOnDuty("")));
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        double[][] zigzag = [[0, 0], [0.0012, 0.0006], [0.0016, 0.0022], [0.0030, 0.0025], [0.0034, 0.0041]];
        using (var client = browser.App.Client())
            for (var i = 0; i < zigzag.Length; i++)
            {
                using var response = await client.PostAsJsonAsync($"/api/units/{unit}/position", new
                {
                    lat = Math.Round(lat + zigzag[i][0], 6), lon = Math.Round(lon + zigzag[i][1], 6), accuracy = 8, reportedAt = start.AddMinutes(2 * i),
                });
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

        var page = await browser.Open("/map", language: "zh-CN", login: "map-dh-replay", grants: [new Grant(Role.Dispatcher, District)]);
        var map = page.Locator("[data-testid=dispatcher-map][data-ready=true]");
        await map.WaitForAsync();

        // When: its card's "Track" (the last 30 minutes by default).
        await map.Locator($".map-unit[data-id='{unit}']").ClickAsync();
        await page.Locator("[data-testid=map-unit-track]").ClickAsync();
        var panel = page.Locator($"[data-testid=track-replay][data-unit='{unit}'][data-state=Shown]");
        await panel.WaitForAsync();
        Assert.Equal("5", await panel.GetAttributeAsync("data-fixes"));

        // Then: one line through the five fixes (Leaflet's SVG path: a move and four lines), each fix drawn as a point.
        var line = map.Locator("path.map-track");
        await line.WaitForAsync();
        var d = (await line.GetAttributeAsync("d"))!;
        Assert.Equal(5, d.Count(c => c is 'M' or 'L'));
        Assert.Equal(5, await map.Locator("path.map-track-point").CountAsync());
        var head = map.Locator(".map-track-head");
        Assert.Equal(Text(Math.Round(lat, 6)), await head.GetAttributeAsync("data-lat"));
        Assert.Contains("公里/时", await head.InnerTextAsync());

        // Played at 60× (eight minutes in eight seconds), the marker moves along the line, and ends at the last fix.
        await page.Locator("[data-testid=track-speed-60]").ClickAsync();
        await page.Locator("[data-testid=track-play]").ClickAsync();
        await page.WaitForFunctionAsync($"() => {{ const h = document.querySelector('.map-track-head'); return h && h.dataset.lat !== '{Text(Math.Round(lat, 6))}'; }}");
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=dispatcher-map]').dataset.trackPlaying === 'false'",
            null, new() { Timeout = 30_000 });
        Assert.Equal(Text(Math.Round(lat + 0.0034, 6)), await head.GetAttributeAsync("data-lat"));

        // The slider scrubs: halfway, the marker is between the middle fixes; that is the screenshot for docs/map.md.
        await page.Locator("[data-testid=track-scrub]").FillAsync("300000");
        await page.WaitForFunctionAsync("() => document.querySelector('.map-track-head').dataset.t === '300000'");
        var halfway = double.Parse((await head.GetAttributeAsync("data-lat"))!, CultureInfo.InvariantCulture);
        Assert.InRange(halfway, Math.Round(lat + 0.0016, 6), Math.Round(lat + 0.0030, 6));
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("map-track.png") });

        // Esc closes it: the panel and the line go.
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("[data-testid=track-replay]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await line.WaitForAsync(new() { State = WaitForSelectorState.Detached });
        Assert.Equal(0, await map.Locator(".map-track-head").CountAsync());
    }

    [Fact]
    public async Task A_call_taker_clicks_the_intake_forms_map_and_the_coordinates_and_placement_follow()
    {
        var page = await browser.Open("/intake", login: "map-calltaker", grants: [new Grant(Role.CallTaker, Tree.City.Path)]);
        var map = page.Locator("[data-testid=intake-map][data-ready=true]");
        await map.WaitForAsync();
        Assert.True(await map.Locator("path.map-boundary-district").CountAsync() >= 5);

        // A click in the middle of a district's outline.
        var box = (await map.Locator("path.map-boundary-district[data-code=dh]").BoundingBoxAsync())!;
        var (x, y) = (box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.Mouse.ClickAsync(x, y);

        await page.WaitForFunctionAsync("() => document.querySelector('#intake-lat').value !== ''");
        var lat = double.Parse(await page.Locator("#intake-lat").InputValueAsync(), CultureInfo.InvariantCulture);
        var lon = double.Parse(await page.Locator("#intake-lon").InputValueAsync(), CultureInfo.InvariantCulture);
        var placed = Tree.Place(lat, lon);
        Assert.False(placed.IsOutside);
        // The line under the map names where the point lies, as the incident will be placed.
        await page.Locator($"[data-testid=intake-placement][data-path='{placed.Finest!.Path}']").WaitForAsync();
        Assert.Contains(placed.Town!.Name, await page.Locator("[data-testid=intake-placement]").InnerTextAsync());
        Assert.NotNull(await map.GetAttributeAsync("data-picked"));
    }
}
