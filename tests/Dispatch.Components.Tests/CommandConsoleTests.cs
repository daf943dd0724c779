using AngleSharp.Dom;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// Three-level command on the console: the level and centre on each row, escalation and supervision from the drawer
/// reaching the board by push, the dispatcher's own queue, and joint handling with assisting departments.
/// </summary>
public sealed class CommandConsoleTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    Jurisdiction _town = null!;

    protected override Task Prepare()
    {
        _town = App.Services.GetRequiredService<JurisdictionTree>().Place(31.2304, 121.4737).Town!;
        return Task.CompletedTask;
    }

    const string Drawer = "[data-testid=incident-drawer]";

    static string Row(string number) => $"[data-testid=board-row][data-number='{number}']";

    void SignInAs(params Grant[] grants) => SignIn(new Actor("someone", "Someone", grants));

    /// <summary>A report placed in the town; the routing policy decides its level by category.</summary>
    Task<CommandOutcome.Done> ReportInTown(string category = "road-damage") =>
        App.Report(new IntakeForm(Channel.Hotline, "张伟", Calls.NewPhone(), _town.Boundary.InteriorPoint.Y,
            _town.Boundary.InteriorPoint.X, null, category, "需要处置", 2));

    IRenderedComponent<TestHost> OpenDrawer(string number)
    {
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.ClickRow(Row(number), Waits.Push);
        cut.WaitForElement($"{Drawer} [data-testid=timeline]", Waits.Push);
        return cut;
    }

    static string FieldError(IRenderedComponent<TestHost> cut, string inputId) =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    static async Task Pick(IRenderedComponent<TestHost> cut, string inputId, string itemText)
    {
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.MouseDown();
        var item = cut.WaitForElements(".mud-popover-open .mud-list-item").Single(i => i.TextContent.Contains(itemText));
        await item.ClickAsync(new());
    }

    [Fact]
    public async Task Escalating_from_the_drawer_moves_the_level_badge_on_the_board_by_push()
    {
        var reported = await ReportInTown();
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        var cut = OpenDrawer(reported.Number);
        var command = cut.Find($"{Row(reported.Number)} [data-testid=command]");
        Assert.Equal("Town", command.GetAttribute("data-level"));
        Assert.Equal(_town.Path, command.GetAttribute("data-centre"));
        Assert.Contains(_town.Name, command.TextContent);
        Assert.Empty(cut.FindAll($"{Row(reported.Number)} [data-testid=badge-escalated]"));

        // Find and act in one dispatch: board and drawer are live (a push can re-render them between a Find and the act).
        // Without a reason the form says so under the reason field, and nothing is written.
        await cut.InvokeAsync(() => cut.Find("#action-escalate").ClickAsync(new()));
        await cut.WaitForElement("[data-testid=action-form]").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal("Fill in the reason.", FieldError(cut, "action-reason")));
        Assert.Equal(CommandLevel.Town, (await App.Detail(reported.Id))!.Level);

        await cut.InvokeAsync(() => cut.Find("#action-reason").Input("涉及多个街道，需区级协调"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find($"{Row(reported.Number)} [data-testid=command]");
            Assert.Equal("District", row.GetAttribute("data-level"));
            Assert.Equal(_town.Path[.._town.Path.LastIndexOf('/')], row.GetAttribute("data-centre"));
            Assert.Equal("1", cut.Find($"{Row(reported.Number)} [data-testid=badge-escalated]").GetAttribute("data-count"));
            Assert.Equal("District", cut.Find($"{Drawer} [data-testid=detail-command] [data-testid=level-badge]").GetAttribute("data-level"));
            Assert.Contains("涉及多个街道", cut.Find($"{Drawer} [data-kind=Escalated]").TextContent);
        }, Waits.Push);
    }

    [Fact]
    public async Task A_leader_supervises_from_the_drawer_and_the_board_shows_the_badge_with_the_comment()
    {
        var reported = await ReportInTown();
        SignInAs(new Grant(Role.Leader, App.Services.GetRequiredService<JurisdictionTree>().City.Path));
        var cut = OpenDrawer(reported.Number);
        Assert.Empty(cut.FindAll($"{Row(reported.Number)} [data-testid=badge-supervised]"));
        // A leader supervises; dispatching is not theirs.
        Assert.Empty(cut.FindAll($"{Drawer} #action-accept"));
        Assert.Empty(cut.FindAll($"{Drawer} #action-escalate"));

        await cut.InvokeAsync(() => cut.Find("#action-supervise").ClickAsync(new()));
        cut.WaitForElement("#action-comment").Input("请今日内办结并回复");
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            var badge = cut.Find($"{Row(reported.Number)} [data-testid=badge-supervised]");
            Assert.Equal("请今日内办结并回复", badge.GetAttribute("title"));
            Assert.Contains("请今日内办结并回复", cut.Find($"{Drawer} [data-testid=detail-supervision]").TextContent);
        }, Waits.Push);
    }

    [Fact]
    public async Task A_supervision_made_elsewhere_reaches_an_open_board_and_the_badge_stays_while_the_incident_is_handled()
    {
        var reported = await ReportInTown();
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.WaitForElement(Row(reported.Number), Waits.Push);

        var city = App.Services.GetRequiredService<JurisdictionTree>().City.Path;
        await App.Do(reported.Id, new SuperviseIncident("市领导督办", "leader"), new Grant(Role.Leader, city));
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find(Row(reported.Number));
            Assert.Equal("Accepted", row.GetAttribute("data-state"));
            Assert.Equal("市领导督办", row.QuerySelector("[data-testid=badge-supervised]")!.GetAttribute("title"));
        }, Waits.Push);
    }

    [Fact]
    public async Task My_queue_hides_a_district_commanded_incident_from_a_town_dispatcher()
    {
        var mine = await ReportInTown("road-damage");     // routed to the town
        var district = await ReportInTown("fire-hazard"); // routed to the district
        SignInAs(new Grant(Role.Dispatcher, _town.Path));
        var cut = Ctx.RenderWithPopovers<Board>();
        // The town reads both: both lie in its streets.
        cut.WaitForElement(Row(mine.Number), Waits.Push);
        cut.WaitForElement(Row(district.Number), Waits.Push);
        Assert.Equal("District", cut.Find($"{Row(district.Number)} [data-testid=command]").GetAttribute("data-level"));
        Assert.Equal("false", cut.Find("[data-testid=board-my-queue]").GetAttribute("aria-pressed"));

        await cut.InvokeAsync(() => cut.Find("[data-testid=board-my-queue]").Click());

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll(Row(district.Number)));
            Assert.NotEmpty(cut.FindAll(Row(mine.Number)));
            Assert.Equal("true", cut.Find("[data-testid=board-my-queue]").GetAttribute("aria-pressed"));
            var rows = cut.FindAll("[data-testid=board-row]");
            Assert.All(rows, r => Assert.Equal(_town.Path, r.QuerySelector("[data-testid=command]")!.GetAttribute("data-centre")));
            Assert.Equal(rows.Count, int.Parse(cut.Find("[data-testid=board-count]").TextContent));
            Assert.Equal(rows.Count, int.Parse(cut.Find("[data-testid=board-queue-count]").TextContent));
            Assert.True(int.Parse(cut.Find("[data-testid=board-total]").TextContent) > rows.Count);
        });
    }

    [Fact]
    public void A_console_without_a_dispatcher_role_has_no_queue_toggle()
    {
        SignInAs(new Grant(Role.Leader, _town.Path));
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.WaitForElement("[data-testid=board-overdue]");
        Assert.Empty(cut.FindAll("[data-testid=board-my-queue]"));
    }

    [Fact]
    public async Task Assigning_with_an_assisting_department_shows_both_in_the_drawer_and_on_the_row()
    {
        var reported = await ReportInTown();
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        var cut = OpenDrawer(reported.Number);
        await cut.InvokeAsync(() => cut.Find("#action-assign").ClickAsync(new()));
        cut.WaitForElement("[data-testid=action-form]");

        await Pick(cut, "action-department", "Urban Management");
        await Pick(cut, "action-assisting", "Public Security Bureau");
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("Assigned", cut.Find(Drawer).GetAttribute("data-state"));
            Assert.Equal("urban-management", cut.Find($"{Drawer} [data-testid=detail-lead]").GetAttribute("data-department"));
            var assisting = Assert.Single(cut.FindAll($"{Drawer} [data-testid=detail-assisting] [data-testid=assisting]"));
            Assert.Equal("public-security", assisting.GetAttribute("data-department"));
            Assert.Equal("false", assisting.GetAttribute("data-acknowledged"));
            Assert.Contains("not yet acknowledged", assisting.TextContent);
        }, Waits.Push);
        var detail = (await App.Detail(reported.Id))!;
        Assert.Equal("urban-management", detail.LeadDepartment);
        Assert.Equal(["public-security"], detail.Assisting);

        // The assisting department acknowledges its part elsewhere: drawer and row mark it.
        await App.Do(reported.Id, new AcknowledgeIncident("public-security", "police-desk"));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("true", cut.Find($"{Drawer} [data-testid=detail-assisting] [data-testid=assisting]").GetAttribute("data-acknowledged"));
            var mark = cut.Find($"{Row(reported.Number)} [data-testid=assisting][data-department=public-security]");
            Assert.Equal("true", mark.GetAttribute("data-acknowledged"));
            Assert.Contains("✓", mark.TextContent);
            // The lead has not acknowledged: the incident is still waiting for it.
            Assert.Equal("Assigned", cut.Find(Drawer).GetAttribute("data-state"));
        }, Waits.Push);
    }

    [Fact]
    public async Task A_handler_of_an_assisting_department_acknowledges_in_that_department_s_name()
    {
        var reported = await ReportInTown();
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        await App.Do(reported.Id, new AssignIncident("urban-management", "dispatcher", ["public-security"]));
        var city = App.Services.GetRequiredService<JurisdictionTree>().City.Path;
        // Reading comes from the leader's role: a handler alone reads only what its department leads.
        SignInAs(new Grant(Role.Leader, city), new Grant(Role.Handler, city, "public-security"));
        var cut = OpenDrawer(reported.Number);
        var hint = cut.Find($"{Drawer} [data-testid=action-department-hint]");
        Assert.Equal("public-security", hint.GetAttribute("data-department"));
        Assert.Contains("assisting department", hint.TextContent);
        // Resolving is the lead's: an assisting department is not offered it.
        Assert.Empty(cut.FindAll($"{Drawer} #action-resolve"));

        await cut.InvokeAsync(() => cut.Find("#action-acknowledge").ClickAsync(new()));

        cut.WaitForAssertion(() =>
            Assert.Equal("true", cut.Find($"{Drawer} [data-testid=assisting][data-department=public-security]").GetAttribute("data-acknowledged")),
            Waits.Push);
        var detail = (await App.Detail(reported.Id))!;
        Assert.Equal(["public-security"], detail.AcknowledgedBy);
        Assert.Equal(IncidentState.Assigned, detail.State);
        var acknowledged = detail.Timeline.Single(e => e.Kind == "Acknowledged");
        Assert.Equal("public-security", acknowledged.Department);
        // Its next step is progress on its own part.
        cut.WaitForElement($"{Drawer} #action-progress", Waits.Push);
    }

    [Fact]
    public async Task Overriding_the_routing_from_the_drawer_asks_for_a_reason_then_moves_command_to_the_chosen_level()
    {
        var reported = await ReportInTown();
        var cut = OpenDrawer(reported.Number);
        Assert.Equal("Urban Management", cut.Find($"{Drawer} [data-testid=detail-suggested]").TextContent.Trim());
        await cut.InvokeAsync(() => cut.Find("#action-override").ClickAsync(new()));
        cut.WaitForElement("[data-testid=action-form]");

        await Pick(cut, "action-level", "City");
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());
        cut.WaitForAssertion(() => Assert.Equal("Fill in the reason.", FieldError(cut, "action-reason")));

        await Pick(cut, "action-department", "Emergency Management");
        await cut.InvokeAsync(() => cut.Find("#action-reason").Input("重大隐患"));
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("City", cut.Find($"{Row(reported.Number)} [data-testid=command]").GetAttribute("data-level"));
            Assert.Equal("Emergency Management", cut.Find($"{Drawer} [data-testid=detail-suggested]").TextContent.Trim());
            // Nothing higher than the city: escalation is no longer offered.
            Assert.Empty(cut.FindAll($"{Drawer} #action-escalate"));
            Assert.NotEmpty(cut.FindAll($"{Drawer} #action-delegate"));
        }, Waits.Push);
    }
}
