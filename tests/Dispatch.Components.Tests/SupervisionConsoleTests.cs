using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Supervision;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// Supervision that follows up on the console: repeated supervision as 督×N on the row and as numbered requests in the
/// drawer, answered from the drawer by the commanding desk; a caller not reached, closed after the configured attempts.
/// </summary>
public sealed class SupervisionConsoleTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    Jurisdiction _town = null!;

    protected override Task Prepare()
    {
        _town = App.Services.GetRequiredService<JurisdictionTree>().Place(31.2304, 121.4737).Town!;
        return Task.CompletedTask;
    }

    const string Drawer = "[data-testid=incident-drawer]";

    static string Row(string number) => $"[data-testid=board-row][data-number='{number}']";

    Task<CommandOutcome.Done> ReportInTown() =>
        App.Report(new IntakeForm(Channel.Hotline, "张伟", Calls.NewPhone(), _town.Boundary.InteriorPoint.Y,
            _town.Boundary.InteriorPoint.X, null, "road-damage", "需要处置", 2));

    IRenderedComponent<TestHost> OpenDrawer(string number)
    {
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.ClickRow(Row(number), Waits.Push);
        cut.WaitForElement($"{Drawer} [data-testid=timeline]", Waits.Push);
        return cut;
    }

    [Fact]
    public async Task Given_two_supervisions_when_the_desk_answers_from_the_drawer_then_both_are_answered_and_the_row_shows_two()
    {
        var reported = await ReportInTown();
        var city = App.Services.GetRequiredService<JurisdictionTree>().City.Path;
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        await App.Do(reported.Id, new SuperviseIncident("请加快处置", "leader"), new Grant(Role.Leader, city));
        await App.Do(reported.Id, new SuperviseIncident("仍未办结，请说明原因", "leader"), new Grant(Role.Leader, city));
        var cut = OpenDrawer(reported.Number);

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("2", cut.Find($"{Row(reported.Number)} [data-testid=badge-supervised]").GetAttribute("data-count"));
            Assert.Equal("2", cut.Find($"{Drawer} [data-testid=supervision-requests]").GetAttribute("data-count"));
        }, Waits.Push);

        // Find and act in one dispatch: board and drawer are live (a push can re-render them between a Find and the act).
        await cut.InvokeAsync(() => cut.Find("#action-answer").ClickAsync(new()));
        cut.WaitForElement("#action-text").Input("已督促部门，今日办结");
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            var states = cut.FindAll($"{Drawer} [data-testid=supervision-requests] li").Select(li => li.GetAttribute("data-state"));
            Assert.Equal(["answered", "answered"], states);
            Assert.Contains("已督促部门，今日办结", cut.Find($"{Drawer} [data-testid=supervision-requests]").TextContent);
            Assert.Empty(cut.FindAll($"{Drawer} #action-answer"));
        }, Waits.Push);
    }

    [Fact]
    public async Task Given_a_caller_not_reached_when_the_configured_attempts_are_made_then_the_drawer_offers_closing_with_that_reason()
    {
        var reported = await ReportInTown();
        foreach (var step in new IncidentCommand[]
                 {
                     new AcceptIncident("d"), new AssignIncident("urban-management", "d"), new AcknowledgeIncident("urban-management", "h"),
                     new ResolveIncident("urban-management", "已修复", "h"), new RecordCallbackAttempt("无人接听", "c"), new RecordCallbackAttempt("关机", "c"),
                 })
            await App.Do(reported.Id, step);
        var cut = OpenDrawer(reported.Number);
        // Two of the three attempts (the default): not yet.
        Assert.Equal("2", cut.Find($"{Drawer} [data-testid=detail-callback-attempts]").GetAttribute("data-count"));
        Assert.Empty(cut.FindAll($"{Drawer} #action-close-unreached"));

        await cut.InvokeAsync(() => cut.Find("#action-callback-attempt").ClickAsync(new()));
        await cut.WaitForElement("[data-testid=action-form]").SubmitAsync();
        await cut.WaitForElement($"{Drawer} #action-close-unreached", Waits.Push).ClickAsync(new());

        // A closed row leaves the board; the drawer says it is done and the incident closed with the reason.
        cut.WaitForElement("[data-testid=action-done]", Waits.Push);
        var detail = (await App.Detail(reported.Id))!;
        Assert.Equal((IncidentState.Closed, true), (detail.State, detail.Follow.CallerNotReached));
    }
}
