using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components.Shared;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>A photo step on the drawer's timeline: its caption and size, and a thumbnail that links to the photo.</summary>
public sealed class TimelinePhotoTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    /// <summary>Attaches a (tiny) PNG through the API, as a unit's phone does; returns the incident and the photo.</summary>
    async Task<(Guid Incident, Guid Photo)> AttachPhoto(string caption)
    {
        const string department = "urban-management";
        var incident = await app.Report();
        await app.Do(incident.Id, new AcceptIncident("dispatcher"));
        await app.Do(incident.Id, new AssignIncident(department, "dispatcher"));
        await app.Do(incident.Id, new AcknowledgeIncident(department, "handler"));
        var client = app.Client();
        var png = new ByteArrayContent([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. new byte[64]]);
        png.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var form = new MultipartFormDataContent
        {
            { png, "photo", "scene.png" }, { new StringContent(caption), "caption" }, { new StringContent(department), "department" },
        };
        using var response = await client.PostAsync($"/api/incidents/{incident.Id}/photos", form);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (incident.Id, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("photoId").GetGuid());
    }

    [Fact]
    public async Task Given_a_photo_step_When_the_timeline_shows_Then_a_thumbnail_links_to_the_photo()
    {
        var (incident, photo) = await AttachPhoto("井盖缺失现场");
        await using var ctx = ConsoleContext.For(app);
        var detail = (await app.Detail(incident))!;

        var cut = ctx.Render<TimelineView>(p => p.Add(t => t.Entries, detail.Timeline).Add(t => t.IncidentId, incident));

        var step = cut.Find("[data-kind=PhotoAttached]");
        Assert.Equal("Photo", step.QuerySelector(".timeline-kind")!.TextContent);
        Assert.Equal("井盖缺失现场 · 72 bytes", step.QuerySelector(".timeline-text")!.TextContent);
        var link = step.QuerySelector("a[data-testid=timeline-photo]")!;
        Assert.Equal($"/api/incidents/{incident}/photos/{photo}", link.GetAttribute("href"));
        Assert.Equal($"/api/incidents/{incident}/photos/{photo}", link.QuerySelector("img")!.GetAttribute("src"));
        Assert.Equal("井盖缺失现场 · 72 bytes", link.QuerySelector("img")!.GetAttribute("alt"));
        // Only the photo step has a thumbnail.
        Assert.Single(cut.FindAll("img"));
    }

    [Fact]
    public async Task Given_a_Chinese_console_When_a_photo_step_shows_Then_it_reads_in_Chinese()
    {
        var (incident, _) = await AttachPhoto("围挡已设置");
        await using var ctx = ConsoleContext.For(app, "zh-CN");
        var detail = (await app.Detail(incident))!;

        var cut = ctx.Render<TimelineView>(p => p.Add(t => t.Entries, detail.Timeline).Add(t => t.IncidentId, incident));

        var step = cut.Find("[data-kind=PhotoAttached]");
        Assert.Equal("现场照片", step.QuerySelector(".timeline-kind")!.TextContent);
        Assert.Equal("围挡已设置 · 72 字节", step.QuerySelector(".timeline-text")!.TextContent);
        Assert.Equal("查看照片", step.QuerySelector("a[data-testid=timeline-photo]")!.GetAttribute("title"));
    }
}
