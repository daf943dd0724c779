using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>What a person does: a call-taker files an incident, two dispatchers see it appear.</summary>
public sealed class LiveBoardTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task An_incident_taken_at_the_hotline_appears_on_two_open_boards_without_reload()
    {
        // Given two dispatchers with the board open
        var boardA = await browser.Open("/");
        var boardB = await browser.Open("/", language: "zh-CN");
        foreach (var board in new[] { boardA, boardB }) await board.EvaluateAsync("() => window.__sameDocument = true");

        // When a call-taker files an incident with the keyboard
        var intake = await browser.Open("/intake");
        await intake.Locator("#intake-phone").FillAsync("13812345678");
        await intake.Locator("#intake-name").FillAsync("张伟");
        await intake.Locator("#intake-category").FillAsync("Road");
        await intake.Locator(".mud-popover-open .mud-list-item").First.ClickAsync();
        // As a call-taker does, the next field once the pick shows: the list closes when the server has taken it. Typing on
        // while a cold server still applies the pick can lose the pick and the next field (MudAutocomplete's blur races it).
        await intake.Locator(".mud-popover-open").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await intake.Locator("#intake-address").FillAsync("东湖区人民路 128 号");
        // The gazetteer's proposals show; the call is filed with the address as typed.
        await intake.Locator(".intake-address-list.mud-popover-open [data-testid=address-proposal]").First.WaitForAsync();
        await intake.Locator("#intake-description").FillAsync("路面塌陷约一米见方，车辆绕行。");
        await intake.Locator("#intake-description").PressAsync("Enter");
        // The fixture's patience, not a push budget: this is the run's first command on a cold server, whose first intake
        // compiles the whole path while chromium starts its pages (it once took over 15 s in a clean-clone run).
        var created = intake.Locator("[data-testid=intake-created]");
        try { await created.WaitForAsync(new() { Timeout = BrowserFixture.Patience }); }
        catch (TimeoutException e) { throw new TimeoutException(await BrowserFixture.FormState(intake, "#intake-form"), e); }
        var number = Regex.Match(await created.InnerTextAsync(), @"\d{8}-\d{4,}").Value;
        Assert.NotEmpty(number);
        await intake.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("intake.png"), FullPage = true });

        // Then both boards show it, pushed, with no reload
        foreach (var board in new[] { boardA, boardB })
            await board.Locator($"[data-testid=board-row][data-number='{number}']").WaitForAsync(new() { Timeout = 10_000 });
        foreach (var board in new[] { boardA, boardB })
            Assert.True(await board.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the board page was reloaded");
        await boardA.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("board.png") });
        await boardB.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("board-zh.png") });
    }

    [Fact]
    public async Task A_click_on_a_row_opens_its_incident_and_a_change_to_the_focused_row_keeps_the_focus_on_it()
    {
        // Given a board showing an incident (a row is shared HTML: its click travels as "rowopen" on the table)
        var incidents = browser.App.Services.GetRequiredService<IncidentService>();
        var dispatcher = new Actor("rows-browser-dispatcher", "Dispatcher", browser.App.Everything());
        var reported = Assert.IsType<CommandOutcome.Done>(await incidents.Report(
            new IntakeForm(Channel.Hotline, "张伟", "13812340077", null, null, "东湖区人民路 9 号", "road-damage", "路面塌陷", 4),
            dispatcher, Guid.NewGuid().ToString()));
        var board = await browser.Open("/");
        var row = board.Locator($"[data-testid=board-row][data-number='{reported.Number}']");
        await row.WaitForAsync(new() { Timeout = BrowserFixture.Patience });

        // When the dispatcher clicks a cell of its row
        await row.Locator(".cell-address").ClickAsync();

        // Then its drawer opens on it, and the row is the selected one
        var drawer = board.Locator("[data-testid=incident-drawer] [data-testid=drawer-number]");
        await drawer.WaitForAsync(new() { Timeout = BrowserFixture.Patience });
        Assert.Equal(reported.Number, (await drawer.InnerTextAsync()).Trim());
        await board.Locator($"[data-testid=board-row][data-number='{reported.Number}'][aria-selected=true]").WaitForAsync(new() { Timeout = 10_000 });

        // And when the drawer is closed and the focused row's incident changes elsewhere, the focus stays on its row
        await board.Keyboard.PressAsync("Escape");
        await board.Locator("[data-testid=incident-drawer]").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = BrowserFixture.Patience });
        await board.WaitForFunctionAsync($"() => document.activeElement?.dataset?.number === '{reported.Number}'", null, new() { Timeout = 10_000 });
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(dispatcher, reported.Id, new AcceptIncident(dispatcher.Login), null));
        await board.Locator($"[data-testid=board-row][data-number='{reported.Number}'][data-state=Accepted]").WaitForAsync(new() { Timeout = 10_000 });
        await board.WaitForFunctionAsync($"() => document.activeElement?.dataset?.number === '{reported.Number}' && document.activeElement.dataset.state === 'Accepted'",
            null, new() { Timeout = 10_000 });
    }
}
