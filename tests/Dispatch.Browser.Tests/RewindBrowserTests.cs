using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// The past in a real browser (issue 20): a district's board, map and situation screen as they stood before an
/// incident was assigned and a unit moved, played and stepped with the keyboard, Esc back to live. Writes
/// docs/screenshots/rewind-board.png, rewind-map.png and rewind-situation.png.
/// </summary>
public sealed class RewindBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const string District = "demo/dh";

    Actor Desk => new("rewind-setup", "Setup", browser.App.Everything());
    JurisdictionTree Tree => browser.App.Services.GetRequiredService<JurisdictionTree>();
    IncidentService Incidents => browser.App.Services.GetRequiredService<IncidentService>();
    UnitService Units => browser.App.Services.GetRequiredService<UnitService>();

    async Task Do(Guid id, IncidentCommand command) =>
        Assert.IsType<CommandOutcome.Done>(await Incidents.Handle(Desk, id, command, null));

    async Task<(Guid Id, string Number)> Reported(int i, (double Lat, double Lon) at, string category)
    {
        var form = new IntakeForm(Channel.Hotline, "张伟", "13812340000", at.Lat, at.Lon, "东湖区人民路 128 号", category, $"情况描述 {i}", 1 + i % 4);
        var done = Assert.IsType<CommandOutcome.Done>(await Incidents.Report(form, Desk, Guid.NewGuid().ToString()));
        return (done.Id, done.Number);
    }

    async Task<Guid> Unit(string callSign, (double Lat, double Lon) at)
    {
        var id = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await Units.Register(Desk,
            new RegisterUnit(id, callSign, "urban-management", Tree.Place(at.Lat, at.Lon).Town!.Path, ["enforcement"], ["王强"], "")));
        Assert.IsType<UnitOutcome.Done>(await Units.Handle(Desk, id, new GoOnDuty("")));
        await Move(id, at);
        return id;
    }

    async Task Move(Guid unit, (double Lat, double Lon) at)
    {
        using var client = browser.App.Client();
        using var response = await client.PostAsJsonAsync($"/api/units/{unit}/position",
            new { lat = at.Lat, lon = at.Lon, accuracy = 8, reportedAt = DateTimeOffset.UtcNow });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));

    static string Text(double degrees) => degrees.ToString(CultureInfo.InvariantCulture);

    async Task Goto(IPage page, string path)
    {
        await page.GotoAsync(new Uri(browser.App.BaseAddress, path).ToString());
        await page.Locator("#connection-indicator[data-state=live]").WaitForAsync();
    }

    [Fact]
    public async Task A_dispatcher_rewinds_the_district_to_before_an_assignment_steps_and_plays_it_with_the_keys_and_goes_back_to_live()
    {
        // Given: a district's morning, units at work; then, after "before", one incident is assigned and a unit moves.
        var middle = Tree["dh"].Boundary.InteriorPoint is var p ? (Lat: Math.Round(p.Y, 4), Lon: Math.Round(p.X, 4)) : default;
        var places = Enumerable.Range(0, 16).Select(i => (Lat: Math.Round(middle.Lat + 0.009 * Math.Sin(i * 1.7), 6), Lon: Math.Round(middle.Lon + 0.009 * Math.Cos(i * 1.3), 6)))
            .Where(at => Tree.Place(at.Lat, at.Lon).District?.Code == "dh").ToList();
        string[] categories = ["road-damage", "street-lighting", "garbage", "noise", "water-supply"];
        var incidents = new List<(Guid Id, string Number)>();
        for (var i = 0; i < places.Count; i++)
        {
            var incident = await Reported(i, places[i], categories[i % categories.Length]);
            incidents.Add(incident);
            if (i % 3 == 2) continue;
            await Do(incident.Id, new AcceptIncident(Desk.Login));
            if (i % 3 == 1) await Do(incident.Id, new AssignIncident("urban-management", Desk.Login));
        }
        var moving = await Unit("东湖-城管-01", middle);
        for (var i = 2; i <= 4; i++) await Unit($"东湖-城管-{i:00}", (places[i].Lat + 0.0015, places[i].Lon - 0.002));
        var target = incidents[0];
        var before = DateTimeOffset.UtcNow;
        await Do(target.Id, new AssignIncident("urban-management", Desk.Login));
        var moved = (Lat: middle.Lat + 0.004, Lon: middle.Lon + 0.004);
        await Move(moving, moved);

        // When: a district dispatcher (and leader) opens the board as it stood at "before".
        var page = await browser.Open($"/past?at={Iso(before)}", login: "rewind-dh", grants: [new Grant(Role.Dispatcher, District), new Grant(Role.Leader, District)]);

        // Then: the incident is as it stood then (accepted, not yet assigned), under the banner, with no action to take.
        var row = page.Locator($"[data-testid=past-board] [data-testid=board-row][data-number='{target.Number}']");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Accepted");
        await Assertions.Expect(page.Locator("[data-testid=past-banner]")).ToContainTextAsync("the past, read-only");
        Assert.Equal(0, await page.Locator("[data-testid=past-board] button").CountAsync());
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("rewind-board.png") });

        // Keys: Space plays and pauses, → and ← step over the recorded steps.
        var scrubber = page.Locator("[data-testid=scrubber]");
        // The keys are listened for once the scrubber's script is loaded: a key pressed before that is lost.
        await Assertions.Expect(scrubber).ToHaveAttributeAsync("data-keys", "on");
        await page.Locator("[data-testid=past-as-of]").ClickAsync();
        await page.Keyboard.PressAsync("ArrowRight");
        await Assertions.Expect(scrubber).ToHaveAttributeAsync("data-step", new Regex("^[0-9]+$"));
        // The first step after "before" is the assignment: the row follows it.
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Assigned");
        var stepped = await scrubber.GetAttributeAsync("data-step");
        await page.Keyboard.PressAsync("ArrowLeft");
        await Assertions.Expect(scrubber).Not.ToHaveAttributeAsync("data-step", stepped!);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-state", "Accepted");
        await page.Keyboard.PressAsync(" ");
        await Assertions.Expect(scrubber).ToHaveAttributeAsync("data-playing", "true");
        await page.Keyboard.PressAsync(" ");
        await Assertions.Expect(scrubber).ToHaveAttributeAsync("data-playing", "false");
        // 60× from the window's start (the half hour before "before"): frames are built while it plays.
        await page.Locator("[data-testid=slider]").FillAsync("0");
        await Assertions.Expect(page.Locator("[data-testid=scrubber-time]")).Not.ToContainTextAsync(
            browser.App.Services.GetRequiredService<Dispatch.Server.City.CityCatalog>().ToLocal(before).ToString("HH:mm", CultureInfo.InvariantCulture));
        await page.Locator("[data-testid=speed-60]").ClickAsync();
        await page.WaitForFunctionAsync("() => +document.querySelector('[data-testid=scrubber]').dataset.frames >= 5");
        await page.Locator("[data-testid=pause]").ClickAsync();
        await Assertions.Expect(scrubber).ToHaveAttributeAsync("data-playing", "false");

        // Esc: back to the live board, where the incident is assigned.
        await page.Locator("[data-testid=past-as-of]").ClickAsync();
        await page.Keyboard.PressAsync("Escape");
        // Back on "/" (a client-side navigation). Expect polls the address: WaitForURL could miss a same-page navigation
        // that landed while it was setting up, and then waited for one that never came (a busy CI run).
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("^https?://[^/]+/(?:[?#].*)?$"), new() { Timeout = BrowserFixture.Patience });
        await Assertions.Expect(page.Locator($"[data-testid=board-row][data-number='{target.Number}']")).ToHaveAttributeAsync("data-state", "Assigned",
            new() { Timeout = BrowserFixture.Patience });

        // The map then: the unit where it stood, not where it is now.
        await Goto(page, $"/past/map?at={Iso(before)}");
        var map = page.Locator("[data-testid=past-leaflet][data-ready=true]");
        await map.WaitForAsync();
        await map.Locator($".map-unit[data-id='{moving}'][data-lat='{Text(middle.Lat)}'][data-lon='{Text(middle.Lon)}']").WaitForAsync();
        await page.WaitForFunctionAsync($"() => document.querySelector('[data-testid=past-leaflet]').dataset.incidents === '{incidents.Count}'");
        await Assertions.Expect(page.Locator("[data-testid=past-banner]")).ToContainTextAsync("the past, read-only");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("rewind-map.png") });

        // The situation screen then, every panel framed as the past.
        await Goto(page, $"/past/situation?at={Iso(before)}");
        await page.Locator("[data-testid=past-situation] [data-testid=panel-totals]").WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=past-banner]")).ToContainTextAsync("the past, read-only");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("rewind-situation.png") });
    }
}
