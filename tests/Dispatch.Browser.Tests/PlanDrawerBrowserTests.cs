using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A contingency plan from the drawer, in two real browsers: the city dispatcher activates the gas-explosion plan with a
/// reason and sees its tasks; the gas company's handler completes its task; the dispatcher's drawer shows it done by push.
/// </summary>
public sealed class PlanDrawerBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const double Lat = 31.2304, Lon = 121.4737;

    [Fact]
    public async Task Given_an_explosion_When_the_city_dispatcher_activates_the_plan_and_the_gas_handler_completes_a_task_Then_the_dispatcher_sees_done_1_of_6()
    {
        var city = browser.App.Services.GetRequiredService<JurisdictionTree>().City.Path;
        var caller = new Actor("plan-browser-call-taker", "Call-taker", browser.App.Everything());
        var reported = Assert.IsType<CommandOutcome.Done>(await browser.App.Services.GetRequiredService<IncidentService>().Report(
            new IntakeForm(Channel.Hotline, "张伟", "13812349876", Lat, Lon, "东湖区人民路 128 号", "gas-leak", "小区楼道燃气爆炸，有人受伤", 4),
            caller, Guid.NewGuid().ToString()));

        var dispatcher = await browser.Open($"/?incident={reported.Id}", login: "plan-browser-dispatcher", grants: new Grant(Role.Dispatcher, city));
        var drawer = dispatcher.Locator("[data-testid=incident-drawer]");
        await drawer.Locator("[data-testid=plan-activate][data-plan=gas-explosion]").ClickAsync();
        await dispatcher.Locator("#action-reason").FillAsync("现场确认爆炸，三人受伤");
        await dispatcher.Locator("#action-submit").ClickAsync();

        await drawer.Locator("[data-testid=plan-run][data-plan=gas-explosion][data-running=true]").WaitForAsync();
        Assert.Equal(6, await drawer.Locator("[data-testid=plan-task]").CountAsync());
        await drawer.Locator("[data-testid=plan-progress][data-done='0'][data-total='6']").WaitForAsync();

        var handler = await browser.Open($"/?incident={reported.Id}", login: "plan-browser-gas",
            grants: new Grant(Role.Handler, city, "gas-utility"));
        var theirs = handler.Locator("[data-testid=incident-drawer]");
        await theirs.Locator("[data-testid=task-complete][data-task=cut-gas]").ClickAsync();
        await handler.Locator("#action-note").FillAsync("上游阀门已关闭，管网压力为零");
        await handler.Locator("#action-submit").ClickAsync();
        await theirs.Locator("[data-testid=plan-task][data-task=cut-gas][data-state=done]").WaitForAsync();

        // The dispatcher pressed nothing: the push brings it.
        await drawer.Locator("[data-testid=plan-task][data-task=cut-gas][data-state=done]").WaitForAsync();
        var progress = drawer.Locator("[data-testid=plan-progress][data-done='1'][data-total='6']");
        await progress.WaitForAsync();
        Assert.Contains("done 1/6", await progress.InnerTextAsync());
        await dispatcher.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("plan-drawer.png") });
    }
}
