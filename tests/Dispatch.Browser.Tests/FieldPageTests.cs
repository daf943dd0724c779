using System.Net;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A unit's crew on a phone: signs in with the unit's own account, keeps /field (the field app: plain script over the
/// unit hub, a service worker and a local queue) open, gets the job pushed in when a dispatcher sends the unit, and
/// accepts it with one tap — with signal, and through a coverage gap. The phone is emulated (390×844, mobile, touch) in
/// Debian's chromium; the dispatcher works through the API.
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
        // Back on /field and live: connected to the unit hub, its queue sent and the unit's line loaded. (Waiting on the
        // address first added a wait on the page's load state, which a busy machine let run past its timeout.)
        await page.Locator("[data-testid=field-page][data-live=true]").WaitForAsync();
        return page;
    }

    /// <summary>A 1×1 PNG: what the photo endpoint takes.</summary>
    static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    static ILocator Status(IPage page, string status) => page.Locator($"[data-testid=field-status][data-status={status}]");

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
        // The tap went through the phone's queue: sent once the server answered.
        await page.Locator("[data-testid=field-page][data-sent='1']").WaitForAsync(new() { Timeout = Push });
        var line = await RosterLine(dispatcher, unit);
        Assert.Equal("EnRoute", line.GetProperty("status").GetString());
        Assert.Equal(incident.Id, line.GetProperty("incidentId").GetGuid());
        Assert.Equal(["OnScene"], await page.Locator("[data-testid=field-action]").EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.action)"));

        // Share my position: the phone's fix reaches the roster through the unit hub's telemetry path.
        await page.Locator("[data-testid=field-position] label").First.TapAsync();
        await page.Locator("[data-testid=field-position-sent]").WaitForAsync(new() { Timeout = Push });
        line = await RosterLine(dispatcher, unit);
        Assert.Equal(PhoneLat, line.GetProperty("lat").GetDouble(), 4);
        Assert.Equal(PhoneLon, line.GetProperty("lon").GetDouble(), 4);

        // A phone screen: nothing wider than the viewport, and every button big enough for a thumb.
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the field page scrolls sideways at 390 px");
        var small = await page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('.fa-button:not([hidden]), .fa-bar-link')].filter(e => e.offsetParent !== null)" +
            ".filter(e => e.getBoundingClientRect().height < 48).map(e => e.outerHTML.slice(0, 80))");
        Assert.Empty(small);

        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("field.png") });
    }

    [Fact]
    public async Task Given_a_phone_that_loses_signal_when_the_crew_taps_through_the_job_offline_then_back_online_the_record_has_each_step_once_in_order_with_its_tap_time_and_arrival_time()
    {
        using var dispatcher = App.Client();
        var (unit, login) = await RegisterUnit(dispatcher, "东湖-城管-17");
        var page = await Phone(login);
        var incident = await dispatcher.Assigned();
        using (var dispatched = await dispatcher.PostRaw($"/api/units/{unit}/dispatch", JsonSerializer.Serialize(new { incidentId = incident.Id }, JsonSerializerOptions.Web)))
            await dispatched.ShouldBe(HttpStatusCode.OK);
        await page.Locator($"[data-testid=field-assignment][data-number='{incident.Number}']").WaitForAsync(new() { Timeout = Push });
        await page.Locator("[data-testid=field-message][data-kind=assignment][data-acked=true]").WaitForAsync(new() { Timeout = Push });

        // The service worker has the app's shell (it controls the page once installed).
        await page.WaitForFunctionAsync("() => navigator.serviceWorker.controller !== null", null, new() { Timeout = Push });

        // Into the basement: no signal.
        var wentOffline = DateTimeOffset.UtcNow;
        await page.Context.SetOfflineAsync(true);
        await page.Locator("[data-testid=field-connection][data-state=offline]").WaitForAsync(new() { Timeout = Push });

        // One tap per step; each next button appears at once, without the server.
        await page.Locator("[data-action=AcceptAndGo]").TapAsync();
        await Status(page, "EnRoute").WaitForAsync();
        await page.Locator("[data-action=OnScene]").TapAsync();
        await Status(page, "OnScene").WaitForAsync();
        await page.Locator("#field-note").FillAsync("地下车库积水约20厘米，已设置围挡");
        await page.Locator("[data-testid=field-note-send]").TapAsync();
        // A photo of the scene, kept on the phone (IndexedDB) and uploaded after the note.
        await page.Locator("#field-photo-file").SetInputFilesAsync(new FilePayload { Name = "scene.png", MimeType = "image/png", Buffer = Png });
        await page.Locator("[data-testid=field-photo-send]").TapAsync();
        // The resolve button is enabled as the crew types (no second tap), and it is on screen.
        await page.Locator("#field-resolution").PressSequentiallyAsync("积水已排除");
        Assert.True(await page.Locator("[data-testid=field-resolve]").IsEnabledAsync(), "the resolve button stayed grey after typing");
        // It sits on the first screen, right under the status buttons, not below the fold.
        Assert.True(await page.Locator("[data-testid=field-resolve]").EvaluateAsync<bool>(
            "b => b.getBoundingClientRect().bottom + window.scrollY <= window.innerHeight"), "the resolve button is below the first screen");
        await page.Locator("[data-testid=field-resolve]").TapAsync();
        await page.Locator("[data-testid=field-pending][data-count='5']").WaitForAsync();
        await page.Locator("[data-testid=field-resolved]").WaitForAsync();
        // Done and resolved: the button that frees the unit no longer says it leaves unresolved.
        Assert.Equal(0, await page.Locator("[data-action=Clear][data-unresolved]").CountAsync());

        // The app opens again without signal (the shell from the service worker), with the job and the queue as they were.
        await page.ReloadAsync();
        await Status(page, "OnScene").WaitForAsync();
        await page.Locator($"[data-testid=field-assignment][data-number='{incident.Number}']").WaitForAsync();
        await page.Locator("[data-testid=field-pending][data-count='5']").WaitForAsync();

        // Nothing reached the centre meanwhile: the unit is still only dispatched there.
        Assert.Equal("Dispatched", (await RosterLine(dispatcher, unit)).GetProperty("status").GetString());
        var offlineTaps = DateTimeOffset.UtcNow;

        // Out of the basement: the queue goes, in order, and the phone settles on the server's view.
        await page.Context.SetOfflineAsync(false);
        await page.Locator("[data-testid=field-page][data-live=true]").WaitForAsync(new() { Timeout = Push });
        await page.Locator("[data-testid=field-pending][data-count='0']").WaitForAsync(new() { Timeout = Push, State = WaitForSelectorState.Attached });
        await Status(page, "OnScene").WaitForAsync(new() { Timeout = Push });
        Assert.Equal(0, await page.Locator("[data-testid=field-problem]:visible").CountAsync());

        var detail = await dispatcher.Detail(incident.Id);
        Assert.Equal("Resolved", detail.GetProperty("state").GetString());
        var timeline = detail.GetProperty("timeline").EnumerateArray().ToList();
        // The photo went once, after the note and before the resolution, as it was taken.
        var photo = Assert.Single(timeline, t => t.GetProperty("kind").GetString() == "PhotoAttached");
        long VersionOf(string kind) => timeline.Single(t => t.GetProperty("kind").GetString() == kind).GetProperty("version").GetInt64();
        Assert.InRange(photo.GetProperty("version").GetInt64(), VersionOf("ProgressNoted") + 1, VersionOf("Resolved") - 1);
        var steps = timeline
            .Where(t => t.GetProperty("by").GetString() == login && t.GetProperty("kind").GetString() is not ("Acknowledged" or "PhotoAttached"))
            .Select(t => (Kind: t.GetProperty("kind").GetString(), At: t.GetProperty("at").GetDateTimeOffset(),
                Received: t.GetProperty("receivedAt").GetDateTimeOffset(), Text: t.GetProperty("text").GetString()))
            .ToList();
        Assert.Equal(["UnitEnRoute", "UnitOnScene", "ProgressNoted", "Resolved"], steps.Select(s => s.Kind));
        Assert.Equal("地下车库积水约20厘米，已设置围挡", steps[2].Text);
        Assert.Equal("积水已排除", steps[3].Text);
        // Done while offline, in the order tapped; received after the signal came back.
        Assert.All(steps, s => Assert.InRange(s.At, wentOffline.AddSeconds(-1), offlineTaps.AddSeconds(1)));
        Assert.Equal(steps.Select(s => s.At).Order(), steps.Select(s => s.At));
        Assert.All(steps, s => Assert.True(s.Received >= offlineTaps.AddSeconds(-1) && s.Received > s.At,
            $"{s.Kind}: done {s.At:O}, received {s.Received:O}, back online {offlineTaps:O}"));
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("field-offline.png") });
    }

    [Fact]
    public async Task Given_a_grid_worker_without_signal_when_they_report_a_problem_fixed_on_the_spot_then_back_online_it_is_filed_once_and_listed_as_theirs()
    {
        using var dispatcher = App.Client();
        var (_, login) = await RegisterUnit(dispatcher, "东湖-网格-17");
        var page = await Phone(login);
        await page.Context.SetOfflineAsync(true);
        await page.Locator("[data-testid=field-connection][data-state=offline]").WaitForAsync(new() { Timeout = Push });

        await page.Locator("[data-testid=field-report] summary").TapAsync();
        await page.Locator("#field-report-category").SelectOptionAsync("road-damage");
        var words = "人行道井盖松动 " + Api.Unique("r");
        await page.Locator("#field-report-text").FillAsync(words);
        await page.Locator("#field-report-photo").SetInputFilesAsync(new FilePayload { Name = "cover.png", MimeType = "image/png", Buffer = Png });
        await page.Locator("#field-report-fixed").CheckAsync();
        await page.Locator("#field-report-fix").FillAsync("已临时固定并设置警示");
        await page.Locator("[data-testid=field-report-send]").TapAsync();
        // Kept on the phone: the report and its photo, listed as waiting.
        await page.Locator("[data-testid=field-pending][data-count='2']").WaitForAsync();
        await page.Locator("[data-testid=field-my-report][data-pending=true]").WaitForAsync();

        await page.Context.SetOfflineAsync(false);
        var filed = page.Locator("[data-testid=field-my-report][data-pending=false][data-number]");
        await filed.WaitForAsync(new() { Timeout = Push });
        var incidentId = Guid.Parse((await filed.GetAttributeAsync("data-incident"))!);
        Assert.Equal(0, await page.Locator("[data-testid=field-problem]:visible").CountAsync());

        // One incident from the grid, where the phone was, credited to the worker, with its photo.
        await using (var query = App.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession())
        {
            var found = await Marten.QueryableExtensions.ToListAsync(
                query.Query<Dispatch.Server.Incidents.IncidentDetail>().Where(d => d.FoundBy == login));
            var report = Assert.Single(found, d => d.Description == words);
            Assert.Equal(incidentId, report.Id);
            Assert.True(report.FixedOnSpot);
        }
        var detail = await dispatcher.Detail(incidentId);
        Assert.Equal(words, detail.GetProperty("description").GetString());
        Assert.Equal("Grid", detail.GetProperty("channel").GetString());
        Assert.Equal(login, detail.GetProperty("foundBy").GetString());
        Assert.Equal(PhoneLat, detail.GetProperty("location").GetProperty("lat").GetDouble(), 4);
        Assert.Single(detail.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "PhotoAttached");
    }
}
