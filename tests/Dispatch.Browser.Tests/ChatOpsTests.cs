using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// Chat-ops in a real browser: a district dispatcher sends a unit by typing <c>/assign</c> in the incident's channel, and
/// the board (a second page of the same dispatcher) and the unit's phone (/field, signed in as the unit) both change,
/// pushed. Every wait is on the DOM, with a timeout.
/// </summary>
public sealed class ChatOpsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const float Push = 15_000;
    const double Lat = 31.2304, Lon = 121.4737;
    const string CallSign = "东湖-城管-41";

    /// <summary>Someone city-wide who files and readies the incident (the call-taker and the town before the district).</summary>
    Actor Everyone => new("chat-ops-setup", "Setup", browser.App.Everything());

    async Task<(Guid Id, string Number)> EscalatedToTheDistrict()
    {
        var incidents = browser.App.Services.GetRequiredService<IncidentService>();
        var reported = Assert.IsType<CommandOutcome.Done>(await incidents.Report(
            new IntakeForm(Channel.Hotline, "张伟", "13812340041", Lat, Lon, "东湖区人民路 128 号", "road-damage", "路面塌陷约一米见方，车辆绕行。", 3),
            Everyone, Guid.NewGuid().ToString()));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Everyone, reported.Id, new AcceptIncident(Everyone.Login), null));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Everyone, reported.Id, new AssignIncident("urban-management", Everyone.Login), null));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Everyone, reported.Id, new EscalateIncident("跨镇道路，需区里协调", Everyone.Login), null));
        return (reported.Id, reported.Number);
    }

    async Task<string> UnitWithItsOwnSignIn(string callSign = CallSign, double north = 0.001)
    {
        var units = browser.App.Services.GetRequiredService<UnitService>();
        var town = browser.App.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).Town!;
        var login = $"unit-{Guid.NewGuid():N}"[..16];
        var id = Guid.CreateVersion7();
        Assert.IsType<UnitOutcome.Done>(await units.Register(Everyone,
            new RegisterUnit(id, callSign, "urban-management", town.Path, ["enforcement"], ["王强", "李明"], "", login), Dispatch.Server.Tests.Infrastructure.DispatchApp.Password));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Everyone, id, new GoOnDuty("")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Everyone, id, new ReportPosition(Lat + north, Lon, 8, DateTimeOffset.UtcNow.AddSeconds(-30), "")));
        return login;
    }

    /// <summary>The unit's phone: a touch viewport signed in as the unit on the field page with chat (/field/online), live.</summary>
    async Task<IPage> Phone(string login)
    {
        var page = await browser.NewPage("zh-CN", 390, 844);
        await page.GotoAsync(new Uri(browser.App.BaseAddress, "/field/online").ToString());
        await page.Locator("[data-testid=signin-form]").WaitForAsync();
        await BrowserFixture.SignIn(page, login);
        await page.Locator("[data-testid=field-page][data-live=true]").WaitForAsync();
        return page;
    }

    [Fact]
    public async Task Given_the_incidents_channel_opened_when_the_dispatcher_types_units_near_and_assign_1_then_the_nearest_unit_gets_the_job()
    {
        var district = browser.App.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).District!.Path;
        const string login = "chat-keyboard-dispatcher", nearest = "东湖-城管-42";
        Grant[] grants = [new Grant(Role.Dispatcher, district)];
        var incident = await EscalatedToTheDistrict();
        var unitLogin = await UnitWithItsOwnSignIn(nearest, 0.0003);
        var channel = $"incident:{incident.Id:N}";
        var phone = await Phone(unitLogin);

        var chat = await browser.Open($"/chat?channel={channel}", login: login, grants: grants);
        await chat.Locator("[data-testid=chat-page][data-live=true]").WaitForAsync();

        // No Tab, no click: the cursor is in the message box (issue 19 item 5), and keys alone do the rest.
        await chat.WaitForFunctionAsync("() => document.activeElement && document.activeElement.id === 'chat-input'", null, new() { Timeout = Push });
        await chat.Keyboard.TypeAsync("/units near");
        await chat.Keyboard.PressAsync("Enter");
        var answer = chat.Locator("[data-testid=chat-note][data-kind=Answer] [data-testid=chat-note-text]");
        await answer.WaitForAsync(new() { Timeout = Push });
        Assert.Contains($"1. {nearest} · ", await answer.TextContentAsync());
        await chat.WaitForFunctionAsync("() => document.activeElement && document.activeElement.id === 'chat-input'", null, new() { Timeout = Push });
        await chat.Keyboard.TypeAsync("/assign 1");
        await chat.Keyboard.PressAsync("Enter");

        await chat.Locator("[data-testid=chat-note][data-kind=Done]").WaitForAsync(new() { Timeout = Push });
        await phone.Locator($"[data-testid=field-assignment][data-number='{incident.Number}']").WaitForAsync(new() { Timeout = Push });
        // The cursor stays in the box for the next line.
        Assert.Equal("chat-input", await chat.EvaluateAsync<string>("() => document.activeElement.id"));
    }

    [Fact]
    public async Task A_district_dispatcher_types_assign_in_the_incidents_channel_and_the_board_and_the_units_phone_change()
    {
        var district = browser.App.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).District!.Path;
        const string login = "chat-district-dispatcher";
        Grant[] grants = [new Grant(Role.Dispatcher, district)];
        var incident = await EscalatedToTheDistrict();
        var unitLogin = await UnitWithItsOwnSignIn();
        var channel = $"incident:{incident.Id:N}";

        var phone = await Phone(unitLogin);
        var board = await browser.Open("/", login: login, grants: grants);
        var row = board.Locator($"[data-testid=board-row][data-number='{incident.Number}']");
        await row.WaitForAsync(new() { Timeout = Push });
        Assert.Equal(0, await row.Locator("[data-testid=unit-chip]").CountAsync());

        // The incident commanded by the district is in its dispatcher's channel list; the deep link opens it.
        var chat = await browser.Open($"/chat?channel={channel}", login: login, grants: grants);
        await chat.Locator("[data-testid=chat-page][data-live=true]").WaitForAsync();
        Assert.Equal(channel, await chat.Locator("[data-testid=chat-page]").GetAttributeAsync("data-channel"));
        await chat.Locator($"[data-testid=chat-channel][data-key='{channel}'][aria-current=true]").WaitForAsync();

        var box = chat.Locator("#chat-input");
        await box.FillAsync($"/assign {CallSign[..^1]}");
        // The box suggests the unit's call sign; Tab takes it.
        await chat.Locator($"[data-testid=chat-completion][data-insert='{CallSign}']").WaitForAsync(new() { Timeout = Push });
        await box.PressAsync("Tab");
        await chat.WaitForFunctionAsync("v => document.querySelector('#chat-input').value === v", $"/assign {CallSign} ", new() { Timeout = Push });
        await box.PressAsync("Enter");

        // For the sender: done. For the channel: the line typed and what it did.
        await chat.Locator("[data-testid=chat-note][data-kind=Done]").WaitForAsync(new() { Timeout = Push });
        var line = chat.Locator("[data-testid=chat-message][data-kind=Command]", new() { HasText = $"/assign {CallSign}" });
        await line.WaitForAsync(new() { Timeout = Push });
        Assert.Equal(login, await line.GetAttributeAsync("data-author"));
        Assert.Equal("", await box.InputValueAsync());

        // The board shows the unit on the incident, pushed.
        await row.Locator("[data-testid=unit-chip][data-status=Dispatched]", new() { HasText = CallSign }).WaitForAsync(new() { Timeout = Push });
        // The unit's phone shows its job, and its incident's channel opened with the command in it.
        await phone.Locator($"[data-testid=field-assignment][data-number='{incident.Number}']").WaitForAsync(new() { Timeout = Push });
        await phone.Locator($"[data-testid=field-chat][data-channel='{channel}'] [data-testid=chat-message][data-kind=Command]").WaitForAsync(new() { Timeout = Push });

        await phone.Locator("[data-testid=field-chat]").ScrollIntoViewIfNeededAsync();
        await phone.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("field-chat.png") });
        await chat.Locator("#chat-input").FocusAsync();
        await chat.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("chat.png") });
    }
}
