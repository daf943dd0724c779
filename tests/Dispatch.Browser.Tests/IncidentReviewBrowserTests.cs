using Dispatch.Domain.Chat;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// A dispatcher opens the after-action review of a closed incident in chromium: every section there, the board and a map
/// beside each step, the chat marked; printed, the console's bars and the Print button drop out. Writes
/// docs/screenshots/incident-review.png.
/// </summary>
public sealed class IncidentReviewBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    DispatchApp App => browser.App;

    /// <summary>Reported to closed through the API, with a unit sent there and back (a few positions on the way) and a chat.</summary>
    async Task<Accepted> ClosedWithUnitAndChat()
    {
        var client = App.Client();
        var incident = await client.Acknowledged(Steps.Department);
        using var registered = await client.PostAsJsonAsync("/api/units", new
        {
            callSign = "东湖-城管-复盘", department = Steps.Department,
            jurisdiction = App.Services.GetRequiredService<JurisdictionTree>().Place(Api.ReportLat, Api.ReportLon).Town!.Code,
            capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        var unit = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        async Task Unit(string action, object? body = null)
        {
            using var response = await client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
            response.EnsureSuccessStatusCode();
        }
        await Unit("on-duty");
        await Unit("dispatch", new { incidentId = incident.Id });
        await Unit("accept-and-go");
        for (var i = 0; i < 4; i++)
            await Unit("position", new { lat = Api.ReportLat - 0.004 + i * 0.001, lon = Api.ReportLon - 0.003 + i * 0.00075, accuracy = 8 });
        await Unit("on-scene");
        var channel = Channels.Incident(incident.Id).Key;
        foreach (var text in new[] { "已到现场，正在围挡", "/note 围挡完成，等待修复" })
            (await client.PostAsJsonAsync("/api/chat/messages", new { channel, text })).EnsureSuccessStatusCode();
        await Unit("release", new { incidentId = incident.Id });
        await client.CommandOk(incident.Id, "resolve", new { department = Steps.Department, resolution = "已修复路面" });
        await client.CommandOk(incident.Id, "callback", new { satisfaction = 4, comment = "修得很快" });
        return await client.CommandOk(incident.Id, "close");
    }

    [Fact]
    public async Task A_dispatcher_opens_the_review_of_a_closed_incident_and_prints_it_clean()
    {
        var incident = await ClosedWithUnitAndChat();

        var page = await browser.Open($"/incidents/{incident.Number}/review", "zh-CN", 1400, 1000);

        await page.Locator("[data-testid=review-page][data-ready=true] [data-testid=review]").WaitForAsync();
        foreach (var section in new[] { "review-steps", "review-units", "review-deadlines", "review-chat", "review-follow-up" })
            await Assertions.Expect(page.Locator($"[data-testid={section}]")).ToBeVisibleAsync();
        var steps = page.Locator("[data-testid=review-step]");
        Assert.True(await steps.CountAsync() >= 10, $"{await steps.CountAsync()} steps");
        Assert.Equal("Reported", await steps.First.GetAttributeAsync("data-kind"));
        Assert.Equal("Closed", await steps.Last.GetAttributeAsync("data-kind"));
        await Assertions.Expect(steps.First.Locator("[data-testid=review-board]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("[data-testid=review-unit][data-call-sign='东湖-城管-复盘']")).ToHaveCountAsync(1);
        // Its status steps (a fix near the scene may add an "arrived near the scene" step between them).
        foreach (var kind in new[] { "UnitDispatched", "UnitEnRoute", "UnitOnScene", "UnitAvailable" })
            await Assertions.Expect(page.Locator($"[data-testid=review-unit-step][data-kind={kind}]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=review-chat-line][data-kind=Command]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=review-callback][data-satisfaction='4']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=review-print]")).ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("incident-review.png") });

        // Printed: the report alone.
        await page.EmulateMediaAsync(new() { Media = Media.Print });
        await Assertions.Expect(page.Locator("[data-testid=review-print]")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator(".mud-appbar")).ToBeHiddenAsync();
        Assert.Equal("page", await page.Locator("[data-testid=review-units]").EvaluateAsync<string>("e => getComputedStyle(e).breakBefore"));
        var pdf = await page.PdfAsync(new() { Format = "A4" });
        Assert.True(pdf.Length > 10_000, $"a PDF of {pdf.Length} bytes");
    }
}
