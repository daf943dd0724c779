using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A town dispatcher signs in and sees only the town's incidents; signs out; the city dispatcher signs in at the
/// same browser and sees the whole city.
/// </summary>
public sealed class SignInTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_town_dispatcher_sees_only_the_town_and_the_city_dispatcher_sees_all()
    {
        // Given an incident in a town and one in the neighbouring town
        var tree = browser.App.Services.GetRequiredService<JurisdictionTree>();
        var town = tree.Place(31.2304, 121.4737).Town!;
        var neighbour = tree.Children(town.Parent!).First(t => t.Code != town.Code);
        var here = await Report(31.2304, 121.4737);
        var there = await Report(neighbour.Boundary.InteriorPoint.Y, neighbour.Boundary.InteriorPoint.X);
        await browser.App.EnsureUser("browser-town", new Grant(Role.Dispatcher, town.Path));
        await browser.App.EnsureUser("browser-city", new Grant(Role.Dispatcher, tree.City.Path));

        // When the town dispatcher opens the console, is sent to sign in, mistypes, then signs in
        var page = await browser.NewPage();
        await page.GotoAsync(new Uri(browser.App.BaseAddress, "/").ToString());
        await page.Locator("[data-testid=signin-form]").WaitForAsync(new() { Timeout = BrowserFixture.Patience });
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("signin.png") });
        await BrowserFixture.SignIn(page, "browser-town", "wrong-password");
        await page.Locator("[data-testid=signin-failed]").WaitForAsync();
        await BrowserFixture.SignIn(page, "browser-town");

        // Then the board shows the town's incident and not the neighbour's
        await page.Locator("#connection-indicator[data-state=live]").WaitForAsync(new() { Timeout = BrowserFixture.Patience });
        Assert.Equal("browser-town", await page.Locator("[data-testid=signed-in]").GetAttributeAsync("data-login"));
        await Row(page, here).WaitForAsync();
        Assert.Equal(0, await Row(page, there).CountAsync());

        // When they sign out, and the city dispatcher signs in at the same browser
        await page.Locator("[data-testid=sign-out]").ClickAsync();
        await page.Locator("[data-testid=signin-form]").WaitForAsync(new() { Timeout = BrowserFixture.Patience });
        Assert.Equal(0, await page.Locator("[data-testid=board-row]").CountAsync());
        await BrowserFixture.SignIn(page, "browser-city");

        // Then both incidents are on the board
        await page.Locator("#connection-indicator[data-state=live]").WaitForAsync(new() { Timeout = BrowserFixture.Patience });
        await Row(page, here).WaitForAsync();
        await Row(page, there).WaitForAsync();
        Assert.Equal("browser-city", await page.Locator("[data-testid=signed-in]").GetAttributeAsync("data-login"));
    }

    static ILocator Row(IPage page, string number) => page.Locator($"[data-testid=board-row][data-number='{number}']");

    async Task<string> Report(double lat, double lon)
    {
        using var response = await browser.App.Client().PostAsJsonAsync("/api/incidents", new
        {
            channel = "hotline", callerName = "王女士", callerPhone = "13812345678", lat, lon,
            category = "road-damage", description = "路面塌陷", urgency = 2,
        });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("number").GetString()!;
    }
}
