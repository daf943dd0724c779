using System.Text.RegularExpressions;
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
        await intake.Locator("#intake-address").FillAsync("东湖区人民路 128 号");
        await intake.Locator("#intake-description").FillAsync("路面塌陷约一米见方，车辆绕行。");
        await intake.Locator("#intake-description").PressAsync("Enter");
        // The fixture's patience, not a push budget: this is the run's first command on a cold server, whose first intake
        // compiles the whole path while chromium starts its pages (it once took over 15 s in a clean-clone run).
        var created = intake.Locator("[data-testid=intake-created]");
        await created.WaitForAsync(new() { Timeout = BrowserFixture.Patience });
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
}
