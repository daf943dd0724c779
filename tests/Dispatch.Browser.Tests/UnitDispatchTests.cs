using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>What a dispatcher does: opens an incident, sends the nearest unit with one key, and sees it on the roster.</summary>
public sealed class UnitDispatchTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const double Lat = 31.2304, Lon = 121.4737;

    Actor Dispatcher => new("unit-browser-dispatcher", "Dispatcher", browser.App.Everything());

    async Task<(Guid Id, string Number)> Assigned()
    {
        var incidents = browser.App.Services.GetRequiredService<IncidentService>();
        var reported = Assert.IsType<CommandOutcome.Done>(await incidents.Report(
            new IntakeForm(Channel.Hotline, "张伟", "13812340000", Lat, Lon, "东湖区人民路 128 号", "road-damage", "路面塌陷约一米见方，车辆绕行。", 3),
            Dispatcher, Guid.NewGuid().ToString()));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Dispatcher, reported.Id, new AcceptIncident(Dispatcher.Login), null));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Dispatcher, reported.Id, new AssignIncident("urban-management", Dispatcher.Login), null));
        return (reported.Id, reported.Number);
    }

    async Task<Guid> Unit(string callSign, double north)
    {
        var units = browser.App.Services.GetRequiredService<UnitService>();
        var home = browser.App.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).Town!.Path;
        var id = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await units.Register(Dispatcher,
            new RegisterUnit(id, callSign, "urban-management", home, ["enforcement"], ["王强", "李明"], "")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Dispatcher, id, new GoOnDuty("")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Dispatcher, id,
            new ReportPosition(Lat + north, Lon, 8, DateTimeOffset.UtcNow.AddSeconds(-40), "")));
        return id;
    }

    [Fact]
    public async Task A_dispatcher_sends_the_nearest_unit_with_key_1_a_digit_typed_in_a_note_sends_nothing()
    {
        var incident = await Assigned();
        var near = await Unit("东湖-城管-01", 0.0008);
        var other = await Unit("东湖-城管-02", 0.004);
        var page = await browser.Open($"/?incident={incident.Id}");
        var section = page.Locator("[data-testid=incident-units][data-unit-keys]");
        await section.Locator("[data-testid=unit-proposed][data-call-sign='东湖-城管-01'][data-key='1']").WaitForAsync();
        await section.Locator("[data-testid=unit-proposed][data-call-sign='东湖-城管-02'][data-key='2']").WaitForAsync();
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("incident-units.png") });

        // A "2" typed into a text field of the drawer is text, not a dispatch.
        await page.Locator("#action-return").ClickAsync();
        await page.Locator("#action-reason").PressSequentiallyAsync("2");
        Assert.Equal("2", await page.Locator("#action-reason").InputValueAsync());
        // Nothing focused now (a click on plain text): the open drawer takes the key.
        await page.Locator("[data-testid=drawer-number]").ClickAsync();
        await page.Keyboard.PressAsync("Digit1");

        await section.Locator("[data-testid=unit-on-incident][data-call-sign='东湖-城管-01'][data-status=Dispatched]").WaitForAsync();
        await page.Locator(".mud-snackbar", new() { HasText = $"东湖-城管-01 sent to {incident.Number}." }).WaitForAsync();
        // Keys are handled in order on one connection, so the "2" typed first would have landed before the "1".
        var units = browser.App.Services.GetRequiredService<Marten.IDocumentStore>();
        await using (var query = units.QuerySession())
        {
            Assert.Equal(incident.Id, (await query.LoadAsync<UnitRosterEntry>(near))!.IncidentId);
            Assert.Equal(UnitStatus.Available, (await query.LoadAsync<UnitRosterEntry>(other))!.Status);
        }

        // The roster (through the console's menu, once the drawer is closed) shows it on that incident.
        var nav = page.Locator("[data-testid=nav-units]");
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("[data-testid=incident-drawer]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await nav.ClickAsync();
        var row = page.Locator("[data-testid=roster-row][data-call-sign='东湖-城管-01']");
        await row.Locator("[data-testid=roster-incident]", new() { HasText = incident.Number }).WaitForAsync();
        Assert.Equal("Dispatched", await row.GetAttributeAsync("data-status"));
        await page.Locator(".mud-snackbar button").ClickAsync();
        await page.Locator(".mud-snackbar").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("roster.png") });
    }
}
