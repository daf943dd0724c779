using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>The incident drawer: the full incident, its timeline, and the steps taken from it.</summary>
public sealed class IncidentDrawerTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const string Drawer = "[data-testid=incident-drawer]";

    /// <summary>The board with this incident's drawer opened by clicking its row.</summary>
    IRenderedComponent<TestHost> OpenDrawer(string number)
    {
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.ClickRow($"[data-testid=board-row][data-number='{number}']", Waits.Push);
        cut.WaitForElement($"{Drawer} [data-testid=timeline]", Waits.Push);
        return cut;
    }

    [Fact]
    public async Task Given_a_row_When_it_is_clicked_Then_the_drawer_shows_the_whole_incident_and_its_timeline()
    {
        var reported = await App.Report(Calls.Form(phone: "13800138000", category: "water-supply"));

        var cut = OpenDrawer(reported.Number);

        var drawer = cut.Find(Drawer);
        Assert.Equal(reported.Number, drawer.QuerySelector("[data-testid=drawer-number]")!.TextContent);
        Assert.Contains("张伟", drawer.QuerySelector("[data-testid=detail-caller]")!.TextContent);
        Assert.Contains("13800138000", drawer.QuerySelector("[data-testid=detail-caller]")!.TextContent);
        Assert.Contains("东湖区人民路 128 号", drawer.QuerySelector("[data-testid=detail-address]")!.TextContent);
        // Reported with an address only, so flagged for the dispatcher to place — and placing is offered first.
        var entries = drawer.QuerySelectorAll("[data-testid=timeline] [data-kind]");
        Assert.Equal(["Reported", "PlacementFlagged", "Routed"], entries.Select(e => e.GetAttribute("data-kind")));
        Assert.Contains("another-call-taker", entries[0].TextContent);
        Assert.NotNull(drawer.QuerySelector("[data-testid=detail-place] [data-testid=badge-unplaced]"));
        Assert.NotNull(drawer.QuerySelector("#action-place"));
        // A new incident offers accepting it, not steps that come later.
        Assert.NotNull(drawer.QuerySelector("#action-accept"));
        Assert.Null(drawer.QuerySelector("#action-resolve"));
    }

    [Fact]
    public async Task Given_an_open_drawer_When_accept_is_clicked_Then_the_incident_is_accepted_and_the_drawer_shows_it()
    {
        var reported = await App.Report();
        var cut = OpenDrawer(reported.Number);

        // Find and act in one dispatch: board and drawer are live (a push can re-render them between a Find and the act).
        await cut.InvokeAsync(() => cut.Find("#action-accept").ClickAsync(new()));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("Accepted", cut.Find(Drawer).GetAttribute("data-state"));
            var accepted = cut.Find($"{Drawer} [data-kind=Accepted]");
            Assert.Contains("console", accepted.TextContent);
            Assert.NotNull(cut.Find($"{Drawer} #action-assign"));
        }, Waits.Push);
        Assert.Equal(IncidentState.Accepted, (await App.Detail(reported.Id))!.State);
        // The board row follows by push.
        cut.WaitForAssertion(() => Assert.Equal("Accepted",
            cut.Find($"[data-testid=board-row][data-number='{reported.Number}']").GetAttribute("data-state")), Waits.Push);
    }

    [Fact]
    public async Task Given_the_assign_form_When_another_department_is_picked_over_the_suggested_one_Then_it_is_assigned_to_that_one()
    {
        var reported = await App.Report();
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        var cut = OpenDrawer(reported.Number);
        await cut.InvokeAsync(() => cut.Find("#action-assign").ClickAsync(new()));

        // The suggested lead comes filled in (issue 19), so one Enter would assign it.
        cut.WaitForElement("[data-testid=action-form]");
        Assert.Matches("(?i)urban.management", cut.Find("#action-department").GetAttribute("value"));

        // Pick "Water Authority" from the department list.
        cut.Find("#action-department").Closest(".mud-input-control")!.MouseDown();
        var water = cut.WaitForElements(".mud-popover-open .mud-list-item").Single(i => i.TextContent.Contains("Water Authority"));
        await water.ClickAsync(new());
        await cut.InvokeAsync(() => cut.Find("[data-testid=action-form]").SubmitAsync());

        cut.WaitForAssertion(() => Assert.Equal("Assigned", cut.Find(Drawer).GetAttribute("data-state")), Waits.Push);
        Assert.Equal("water", (await App.Detail(reported.Id))!.LeadDepartment);
    }

    [Fact]
    public async Task Given_an_open_drawer_When_someone_else_moves_the_incident_Then_the_drawer_updates_live()
    {
        var reported = await App.Report();
        var cut = OpenDrawer(reported.Number);

        await App.Do(reported.Id, new AcceptIncident("dispatcher-2"));
        await App.Do(reported.Id, new AssignIncident("fire", "dispatcher-2"));

        cut.WaitForAssertion(() =>
        {
            Assert.Equal("Assigned", cut.Find(Drawer).GetAttribute("data-state"));
            Assert.Contains("Fire and Rescue", cut.Find($"{Drawer} [data-kind=Assigned]").TextContent);
        }, Waits.Push);
    }

    [Fact]
    public async Task Given_a_duplicate_cancel_without_the_other_number_When_submitted_Then_the_rule_s_refusal_is_shown()
    {
        var reported = await App.Report();
        var cut = OpenDrawer(reported.Number);
        await cut.InvokeAsync(() => cut.Find("#action-cancel").ClickAsync(new()));

        await cut.WaitForElement("[data-testid=action-form]").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal($"Name the incident that {reported.Number} duplicates.",
            cut.Find("[data-testid=action-refusal]").TextContent.Trim()));
        Assert.Equal(IncidentState.Reported, (await App.Detail(reported.Id))!.State);
    }

    [Fact]
    public async Task Given_a_stale_view_When_a_step_is_taken_Then_the_conflict_says_what_changed_and_nothing_is_written()
    {
        var reported = await App.Report();
        var seen = (await App.Detail(reported.Id))!;
        await App.Do(reported.Id, new AcceptIncident("dispatcher-2"));
        var changed = false;
        var cut = Ctx.Render<IncidentActions>(p => p
            .Add(a => a.Detail, seen)
            .Add(a => a.OnChanged, () => changed = true));

        await cut.Find("#action-cancel").ClickAsync(new());
        cut.WaitForElement("#action-note").Input("duplicate of nothing");
        await cut.Find("[data-testid=action-form]").SubmitAsync();

        cut.WaitForAssertion(() =>
        {
            var conflict = cut.Find("[data-testid=action-conflict]").TextContent;
            Assert.Contains($"Incident {reported.Number} changed since you saw version {reported.Version}; it is now version {reported.Version + 1}", conflict);
            Assert.Contains("Accepted by dispatcher-2", conflict);
        });
        Assert.True(changed, "the drawer was not asked to reload");
        Assert.Equal(IncidentState.Accepted, (await App.Detail(reported.Id))!.State);
    }
}
