using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A leader opens the situation screen on a 1920×1080 wall: a morning's work in every panel, a surge alert, nothing to
/// scroll, and a new report arriving without a reload. Writes docs/screenshots/situation.png.
/// </summary>
public sealed class SituationScreenTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    static readonly (double Lat, double Lon)[] Places =
    [
        (31.2304, 121.4737), (31.2351, 121.4810), (31.2212, 121.4432), (31.2260, 121.4501), (31.2105, 121.4903),
        (31.2051, 121.4788), (31.2498, 121.4562), (31.2456, 121.4620), (31.1980, 121.5120), (31.1931, 121.5066),
    ];

    static readonly (string Category, string Department)[] Matters =
    [
        ("road-damage", "urban-management"), ("street-lighting", "urban-management"), ("water-supply", "water"),
        ("noise", "environment"), ("garbage", "urban-management"), ("illegal-parking", "public-security"),
    ];

    Actor Desk => new("situation-desk", "Desk", browser.App.Everything());

    async Task<Guid> Reported(int i, string category, (double Lat, double Lon) at)
    {
        var incidents = browser.App.Services.GetRequiredService<IncidentService>();
        var form = new IntakeForm(Channel.Hotline, "张伟", "13812340000", at.Lat, at.Lon, "东湖区人民路 128 号", category, $"情况描述 {i}", 1 + i % 4);
        return Assert.IsType<CommandOutcome.Done>(await incidents.Report(form, Desk, Guid.NewGuid().ToString())).Id;
    }

    async Task Do(Guid id, IncidentCommand command, Actor? actor = null) =>
        Assert.IsType<CommandOutcome.Done>(await browser.App.Services.GetRequiredService<IncidentService>().Handle(actor ?? Desk, id, command, null));

    Actor Leader => new("situation-leader", "Leader", [new Grant(Role.Leader, browser.App.Services.GetRequiredService<JurisdictionTree>().City.Path)]);

    /// <summary>A morning: incidents in every state across the city, two supervised, units out, and a burst of gas leaks.</summary>
    async Task Morning()
    {
        for (var i = 0; i < 36; i++)
        {
            var (category, department) = Matters[i % Matters.Length];
            var id = await Reported(i, category, Places[i * 7 % Places.Length]);
            if (i % 6 == 0) continue;
            await Do(id, new AcceptIncident(Desk.Login));
            if (i % 6 == 1) continue;
            await Do(id, new AssignIncident(department, Desk.Login));
            if (i % 6 == 2) { if (i % 4 == 2) await Do(id, new SuperviseIncident("请加快处置", Leader.Login), Leader); continue; }
            await Do(id, new AcknowledgeIncident(department, Desk.Login));
            if (i % 6 == 3) continue;
            await Do(id, new ResolveIncident(department, "已处理", Desk.Login));
            if (i % 6 == 4) continue;
            await Do(id, new RecordCallback(5, null, Desk.Login));
            await Do(id, new CloseIncident(Desk.Login));
        }
        for (var i = 0; i < 5; i++) await Reported(100 + i, "gas-leak", Places[6]);

        var units = browser.App.Services.GetRequiredService<UnitService>();
        var tree = browser.App.Services.GetRequiredService<JurisdictionTree>();
        for (var i = 0; i < 12; i++)
        {
            var id = Guid.CreateVersion7();
            var home = tree.Place(Places[i % Places.Length].Lat, Places[i % Places.Length].Lon).Town!.Path;
            Assert.IsType<UnitOutcome.Done>(await units.Register(Desk, new RegisterUnit(id, $"态势-{i:00}", "urban-management", home, ["enforcement"], ["队员"], "")));
            if (i % 4 != 0) Assert.IsType<UnitOutcome.Done>(await units.Handle(Desk, id, new GoOnDuty("")));
        }
    }

    [Fact]
    public async Task A_leader_sees_the_whole_city_on_one_screen_with_a_surge_alert_and_live_updates()
    {
        await Morning();
        var city = browser.App.Services.GetRequiredService<JurisdictionTree>().City.Path;

        var page = await browser.Open("/situation", "zh-CN", 1920, 1080, "situation-leader", new Grant(Role.Leader, city));

        await page.Locator("[data-testid=situation][data-interactive=true]").WaitForAsync();
        await page.Locator("[data-testid=surge][data-category=gas-leak][data-active=true]").WaitForAsync();
        var reported = page.Locator("[data-testid=total-reported] .situation-figure-value");
        await Assertions.Expect(reported).ToHaveTextAsync("41");
        await page.EvaluateAsync("() => window.__sameDocument = true");

        // Nothing to scroll on the wall.
        Assert.True(await page.EvaluateAsync<bool>("() => document.scrollingElement.scrollHeight <= window.innerHeight"), "the screen scrolls");
        // No caller data anywhere on it.
        var text = await page.Locator("body").InnerTextAsync();
        Assert.DoesNotContain("张伟", text);
        Assert.DoesNotContain("13812340000", text);
        Assert.DoesNotContain("人民路", text);

        // A new report arrives by push.
        await Reported(200, "noise", Places[3]);
        await Assertions.Expect(reported).ToHaveTextAsync("42");
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the screen was reloaded");

        // The day's leading departments come from the KPI projection, read a few seconds after the changes.
        await page.Locator("[data-testid=panel-leaders] .situation-leader").First.WaitForAsync();
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("situation.png") });
    }
}
