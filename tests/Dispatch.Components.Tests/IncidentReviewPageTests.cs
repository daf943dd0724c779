using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The review page of a closed incident renders every section from the record, read-only and marked as the past; someone
/// who may not rewind sees only a refusal.
/// </summary>
public sealed class IncidentReviewPageTests(DispatchApp app) : IClassFixture<DispatchApp>, IAsyncLifetime
{
    BunitContext _ctx = null!;

    public Task InitializeAsync()
    {
        _ctx = ConsoleContext.For(app);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _ctx.DisposeAsync();

    [Fact]
    public async Task Given_a_closed_incident_when_its_review_is_opened_by_number_then_every_section_shows_and_nothing_can_be_changed()
    {
        var id = (await app.Report()).Id;
        const string By = "review-desk";
        await app.Do(id, new AcceptIncident(By));
        await app.Do(id, new AssignIncident("urban-management", By));
        await app.Do(id, new AcknowledgeIncident("urban-management", By));
        await app.Do(id, new ResolveIncident("urban-management", "已修复路面", By));
        await app.Do(id, new RecordCallback(5, null, By));
        await app.Do(id, new CloseIncident(By));
        var incident = (await app.Detail(id))!;

        var cut = _ctx.Render<IncidentReviewPage>(p => p.Add(x => x.Key, incident.Number));

        cut.WaitForElement("[data-testid=review-page][data-ready=true] [data-testid=review]", Waits.Push);
        Assert.Equal(incident.Number, cut.Find("[data-testid=review]").GetAttribute("data-number"));
        foreach (var section in new[] { "review-steps", "review-units", "review-deadlines", "review-chat", "review-follow-up" })
            Assert.NotNull(cut.Find($"[data-testid={section}]"));
        var steps = cut.FindAll("[data-testid=review-step]");
        Assert.Equal("Reported", steps[0].GetAttribute("data-kind"));
        Assert.Equal("Closed", steps[^1].GetAttribute("data-kind"));
        Assert.All(steps, s => Assert.NotNull(s.QuerySelector("svg[data-testid=review-map]")));
        Assert.Contains("read-only", cut.Find("[data-testid=review-past]").TextContent);
        Assert.Equal("5", cut.Find("[data-testid=review-callback]").GetAttribute("data-satisfaction"));
        // Read-only: the one button prints; no form, no field.
        Assert.Equal(["review-print"], cut.FindAll("button").Select(b => b.GetAttribute("data-testid")));
        Assert.Empty(cut.FindAll("input, textarea, select, form"));
    }

    [Fact]
    public void Given_someone_who_may_not_rewind_when_opening_a_review_then_only_a_refusal_shows()
    {
        _ctx.Services.GetRequiredService<ConsoleSession>().Actor = new Actor("admin-only", "Admin", [new Grant(Role.Admin, "demo")]);

        var cut = _ctx.Render<IncidentReviewPage>(p => p.Add(x => x.Key, Guid.NewGuid().ToString()));

        cut.WaitForElement("[data-testid=review-page][data-ready=true] [data-testid=not-allowed]", Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=review]"));
    }
}
