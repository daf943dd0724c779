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
public sealed class IncidentReviewPageTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    [Fact]
    public async Task Given_a_closed_incident_when_its_review_is_opened_by_number_then_every_section_shows_and_nothing_can_be_changed()
    {
        var id = (await App.Report()).Id;
        const string By = "review-desk";
        await App.Do(id, new AcceptIncident(By));
        await App.Do(id, new AssignIncident("urban-management", By));
        await App.Do(id, new AcknowledgeIncident("urban-management", By));
        await App.Do(id, new ResolveIncident("urban-management", "已修复路面", By));
        await App.Do(id, new RecordCallback(5, null, By));
        await App.Do(id, new CloseIncident(By));
        var incident = (await App.Detail(id))!;

        var cut = Ctx.Render<IncidentReviewPage>(p => p.Add(x => x.Key, incident.Number));

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
        SignIn(new Actor("admin-only", "Admin", [new Grant(Role.Admin, "demo")]));

        var cut = Ctx.Render<IncidentReviewPage>(p => p.Add(x => x.Key, Guid.NewGuid().ToString()));

        cut.WaitForElement("[data-testid=review-page][data-ready=true] [data-testid=not-allowed]", Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=review]"));
    }
}
