using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A unit's crew on a phone: signs in with the unit's own account, keeps /field open, gets the job pushed in when a
/// dispatcher sends the unit, and accepts it with one tap. The phone is emulated (390×844, mobile, touch) in Debian's
/// chromium; the dispatcher works through the API.
/// </summary>
public sealed class FieldPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const float Push = 15_000;
    // Where the phone says it is when the crew shares its position: a few hundred metres from the incident.
    const double PhoneLat = 31.2330, PhoneLon = 121.4770;

    DispatchApp App => browser.App;

    /// <summary>A unit of the incidents' town, registered with its own sign-in and put on duty by a dispatcher.</summary>
    async Task<(Guid Id, string Login)> RegisterUnit(HttpClient dispatcher, string callSign)
    {
        var town = App.Services.GetRequiredService<JurisdictionTree>().Place(Api.ReportLat, Api.ReportLon).Town!;
        var login = Api.Unique("unit");
        using var registered = await dispatcher.PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强", "李明" }, login, password = DispatchApp.Password,
        });
        await registered.ShouldBe(HttpStatusCode.OK);
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var onDuty = await dispatcher.PostAsync($"/api/units/{id}/on-duty", null);
        await onDuty.ShouldBe(HttpStatusCode.OK);
        return (id, login);
    }

    /// <summary>A phone-sized browser (touch, mobile viewport) that may use its position, signed in as the unit on /field.</summary>
    async Task<IPage> Phone(string login)
    {
        var context = await browser.Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            Locale = "zh-CN",
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Accept-Language"] = "zh-CN" },
            Geolocation = new() { Latitude = (float)PhoneLat, Longitude = (float)PhoneLon, Accuracy = 8 },
            Permissions = ["geolocation"],
        });
        context.SetDefaultTimeout(BrowserFixture.Patience);
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(App.BaseAddress, "/field").ToString());
        // Not signed in: the sign-in page, which brings the crew back to /field.
        await page.Locator("[data-testid=signin-form]").WaitForAsync();
        await BrowserFixture.SignIn(page, login);
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/field", new() { WaitUntil = WaitUntilState.Commit });
        // Live: subscribed to the unit's mailbox and the roster feed (clicks before that would land nowhere).
        await page.Locator("[data-testid=field-page][data-live=true]").WaitForAsync();
        return page;
    }

    async Task<JsonElement> RosterLine(HttpClient dispatcher, Guid id) =>
        (await dispatcher.GetJson("/api/units")).EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == id);

    [Fact]
    public async Task On_a_phone_the_crew_sees_its_job_pushed_in_accepts_it_with_one_tap_and_shares_its_position()
    {
        using var dispatcher = App.Client();
        var (unit, login) = await RegisterUnit(dispatcher, "东湖-城管-09");
        var page = await Phone(login);
        await page.EvaluateAsync("() => window.__sameDocument = true");
        Assert.Equal("Available", await page.Locator("[data-testid=field-status]").GetAttributeAsync("data-status"));

        // The dispatcher sends the unit to an assigned incident.
        var incident = await dispatcher.Assigned();
        // With a Content-Length (PostRaw): the unit actions read a body only when one is announced.
        using (var dispatched = await dispatcher.PostRaw($"/api/units/{unit}/dispatch", JsonSerializer.Serialize(new { incidentId = incident.Id }, JsonSerializerOptions.Web)))
            await dispatched.ShouldBe(HttpStatusCode.OK);

        // The job appears on the open page, pushed: no reload.
        var card = page.Locator($"[data-testid=field-assignment][data-number='{incident.Number}']");
        await card.WaitForAsync(new() { Timeout = Push });
        Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the field page was reloaded");
        Assert.Contains("东湖区人民路 128 号", await card.Locator("[data-testid=field-assignment-address]").InnerTextAsync());
        Assert.StartsWith("geo:31.230400,121.473700", await card.Locator("[data-testid=field-map-link]").GetAttributeAsync("href"));
        await page.Locator("[data-testid=field-message][data-kind=assignment][data-acked=true]").WaitForAsync(new() { Timeout = Push });

        // One tap: accepted and on the way.
        await page.Locator("[data-action=AcceptAndGo]").TapAsync();
        await page.Locator("[data-testid=field-status][data-status=EnRoute]").WaitForAsync(new() { Timeout = Push });
        var line = await RosterLine(dispatcher, unit);
        Assert.Equal("EnRoute", line.GetProperty("status").GetString());
        Assert.Equal(incident.Id, line.GetProperty("incidentId").GetGuid());
        Assert.Equal(["OnScene"], await page.Locator("[data-testid=field-action]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.action)"));

        // Share my position: the phone's fix reaches the roster through the unit's command path.
        await page.Locator("[data-testid=field-position] label").First.TapAsync();
        await page.Locator("[data-testid=field-position-sent]").WaitForAsync(new() { Timeout = Push });
        line = await RosterLine(dispatcher, unit);
        Assert.Equal(PhoneLat, line.GetProperty("lat").GetDouble(), 4);
        Assert.Equal(PhoneLon, line.GetProperty("lon").GetDouble(), 4);

        // A phone screen: nothing wider than the viewport, and every button big enough for a thumb.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the field page scrolls sideways at 390 px");
        var small = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('.field-app-action, .field-app-bar-link, .field-app-photo-pick')]" +
            ".filter(e => e.getBoundingClientRect().height < 48).map(e => e.outerHTML.slice(0, 80))");
        Assert.Empty(small);

        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("field.png") });
    }
}
