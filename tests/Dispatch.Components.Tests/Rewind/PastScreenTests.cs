using System.Globalization;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components;
using Dispatch.Server.Incidents;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Components.Rewind;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests.Rewind;

/// <summary>The past screens (issue 20): the board as it stood, read-only and marked so, and the scrubber's keys.</summary>
public sealed class PastScreenTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    /// <summary>An incident accepted, the moment after that, then assigned: the record has both states.</summary>
    async Task<(CommandOutcome.Done Incident, DateTimeOffset BeforeAssign)> AcceptedThenAssigned()
    {
        var reported = await App.Report();
        await App.Do(reported.Id, new AcceptIncident(ConsoleContext.Seat));
        // The store stamps an event when its transaction starts: the accept's stamp lies before this, the assign's after.
        var beforeAssign = DateTimeOffset.UtcNow;
        await App.Do(reported.Id, new AssignIncident("urban-management", ConsoleContext.Seat));
        return (reported, beforeAssign);
    }

    IRenderedComponent<TestHost> OpenPast(DateTimeOffset at)
    {
        Ctx.Services.GetRequiredService<NavigationManager>()
            .NavigateTo($"/past?at={Uri.EscapeDataString(at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}");
        return Ctx.RenderWithPopovers<PastScreen>();
    }

    static string Row(string number) => $"[data-testid=past-board] [data-testid=board-row][data-number='{number}']";

    [Fact]
    public async Task Given_an_incident_assigned_after_a_moment_When_the_past_board_opens_at_that_moment_Then_it_shows_it_accepted_under_the_past_banner()
    {
        var (incident, beforeAssign) = await AcceptedThenAssigned();

        var cut = OpenPast(beforeAssign);

        cut.WaitForAssertion(() => Assert.Equal("Accepted", cut.Find(Row(incident.Number)).GetAttribute("data-state")), Waits.Push);
        var banner = cut.Find("[data-testid=past-banner]").TextContent;
        Assert.Contains("the past, read-only", banner);
        Assert.Contains("As of " + Local(beforeAssign), banner);
        Assert.Equal("/", cut.Find("[data-testid=back-to-live]").GetAttribute("href"));
        Assert.Contains("past-frame", cut.Find("[data-testid=past-board]").ClassList);
        // Nothing on the past board acts: the buttons there are the scrubber's and the banner's links only.
        Assert.Empty(cut.FindAll("[data-testid=past-board] button, [data-testid=past-board] input"));
        Assert.Equal("Assigned", (await App.Detail(incident.Id))!.State.ToString());
    }

    [Fact]
    public async Task Given_the_past_board_When_a_row_is_opened_Then_the_drawer_shows_the_incident_then_with_no_action_buttons()
    {
        var (incident, beforeAssign) = await AcceptedThenAssigned();
        var cut = OpenPast(beforeAssign);

        cut.ClickRow(Row(incident.Number), Waits.Push);

        cut.WaitForAssertion(() =>
        {
            var drawer = cut.Find("[data-testid=incident-drawer]");
            Assert.Equal("true", drawer.GetAttribute("data-past"));
            Assert.Equal("Accepted", drawer.GetAttribute("data-state"));
        }, Waits.Push);
        var drawer = cut.Find("[data-testid=incident-drawer]");
        Assert.Contains("the past, read-only", drawer.QuerySelector("[data-testid=drawer-past]")!.TextContent);
        Assert.DoesNotContain("Assigned", drawer.QuerySelectorAll("[data-testid=timeline] [data-kind]").Select(e => e.GetAttribute("data-kind")));
        Assert.Empty(drawer.QuerySelectorAll("[id^=action-], [data-testid=reveal-caller], [data-testid=incident-units], textarea, input"));
        // The one button left closes the drawer.
        Assert.All(drawer.QuerySelectorAll("button"), b => Assert.True(b.HasAttribute("data-close")));
    }

    [Fact]
    public async Task Given_a_jump_to_an_incident_When_stepping_with_the_keys_Then_the_board_moves_through_its_steps_and_back()
    {
        var (incident, beforeAssign) = await AcceptedThenAssigned();
        var cut = OpenPast(beforeAssign);
        cut.WaitForElement(Row(incident.Number), Waits.Push);

        // The past board may still be rendering what it read: find and act in one dispatch, so no render falls between.
        await cut.InvokeAsync(() => cut.Find("[data-testid=jump-number]").Change(incident.Number));
        await cut.InvokeAsync(() => cut.Find("[data-testid=jump]").ClickAsync(new()));
        cut.WaitForAssertion(() => Assert.Equal(incident.Id.ToString(), cut.Find("[data-testid=scrubber]").GetAttribute("data-following")), Waits.Push);
        var scrubber = cut.FindComponent<TimelineScrubber>();

        // → until the assignment (its last step); then ← once stands on the step before it, still accepted.
        for (var i = 0; i < 8 && cut.Find(Row(incident.Number)).GetAttribute("data-state") != "Assigned"; i++)
        {
            var step = cut.Find("[data-testid=scrubber]").GetAttribute("data-step");
            await cut.InvokeAsync(() => scrubber.Instance.Key("next"));
            cut.WaitForAssertion(() => Assert.NotEqual(step, cut.Find("[data-testid=scrubber]").GetAttribute("data-step")), Waits.Push);
        }
        Assert.Equal("Assigned", cut.Find(Row(incident.Number)).GetAttribute("data-state"));
        await cut.InvokeAsync(() => scrubber.Instance.Key("prev"));

        cut.WaitForAssertion(() => Assert.Equal("Accepted", cut.Find(Row(incident.Number)).GetAttribute("data-state")), Waits.Push);
        Assert.Equal("false", cut.Find("[data-testid=scrubber]").GetAttribute("data-playing"));
    }

    [Fact]
    public void Given_a_person_who_may_not_rewind_When_the_past_opens_Then_it_is_not_allowed_and_nothing_of_the_past_shows()
    {
        SignIn(new Actor("admin-only", "Admin", [new Grant(Role.Admin, "city")]));

        var cut = OpenPast(DateTimeOffset.UtcNow.AddMinutes(-5));

        cut.WaitForElement("[data-testid=not-allowed]", Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=past-banner], [data-testid=scrubber]"));
    }

    [Fact]
    public void Given_an_unreadable_time_When_the_past_opens_Then_it_says_how_to_write_it()
    {
        Ctx.Services.GetRequiredService<NavigationManager>().NavigateTo("/past?at=yesterday-ish");

        var cut = Ctx.RenderWithPopovers<PastScreen>();

        cut.WaitForElement("[data-testid=past-bad-time]", Waits.Push);
    }

    [Theory]
    [InlineData(Role.Leader, true)]
    [InlineData(Role.Dispatcher, true)]
    [InlineData(Role.Admin, false)]
    public void Given_a_role_When_the_menu_renders_Then_Rewind_is_offered_only_to_those_who_may_rewind(Role role, bool offered)
    {
        SignIn(new Actor($"menu-{role}", "Menu", [new Grant(role, "demo")]));

        var layout = Ctx.Render<Dispatch.Server.Components.Layout.MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(_ => { })));

        layout.WaitForElement("[data-testid=signed-in]", Waits.Push);
        Assert.Equal(offered, layout.FindAll("[data-testid=nav-rewind]").Count == 1);
        if (offered) Assert.Equal("/past", layout.Find("[data-testid=nav-rewind]").GetAttribute("href"));
    }

    string Local(DateTimeOffset at) =>
        App.Services.GetRequiredService<Dispatch.Server.City.CityCatalog>().ToLocal(at).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
