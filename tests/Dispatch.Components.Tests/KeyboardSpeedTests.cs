using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Components.Units;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// Issue 19, the pieces of a fast and safe keyboard path: the units list holds still after a dispatch and a repeated
/// number key sends nothing more without a confirmation; new incidents are highlighted and counted, n opens the next one
/// waiting; j/k move the board's selection; accepting opens the assign form with the suggested lead filled in.
/// Real services and PostgreSQL (own database for this class); the clock of the drawer's hold is a manual one.
/// </summary>
public sealed class KeyboardSpeedTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    // Starts now (positions are reported in real time), moves only when a test says.
    readonly ManualClock _clock = new(DateTimeOffset.UtcNow);

    protected override void ReplaceServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(_clock);

    const string Section = "[data-testid=incident-units]";

    IRenderedComponent<TestHost> Drawer(Guid incident)
    {
        var cut = Ctx.Render<TestHost>(p => p.AddChildContent<IncidentDrawer>(d => d.Add(x => x.IncidentId, incident)));
        cut.WaitForElement($"{Section} [data-testid=units-proposed]", Waits.Push);
        return cut;
    }

    static Task Key(IRenderedComponent<TestHost> cut, string key) =>
        cut.InvokeAsync(() => cut.Find($"{Section}[data-unit-keys]").TriggerEventAsync("onunitkey", new UnitKeyEventArgs { Key = key }));

    static string? KeyOf(IRenderedComponent<TestHost> cut, string callSign) =>
        cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='{callSign}']").GetAttribute("data-key");

    [Fact]
    public async Task Given_a_unit_just_sent_with_key_1_When_its_push_arrives_Then_the_numbers_hold_with_it_marked_sent_until_the_moment_passes()
    {
        var (lat, lon) = (31.2330, 121.4790);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        var near = await App.Unit("冻结-近", home, lat + 0.0005, lon);
        await App.Unit("冻结-远", home, lat + 0.003, lon);
        var cut = Drawer(incident.Id);
        Assert.Equal("1", KeyOf(cut, "冻结-近"));

        await Key(cut, "1");

        // The unit is on the incident (pushed), yet the list the dispatcher is looking at has not renumbered.
        cut.WaitForElement($"{Section} [data-testid=unit-on-incident][data-call-sign='冻结-近']", Waits.Push);
        Assert.Equal(incident.Id, (await App.RosterLine(near)).IncidentId);
        Assert.Equal("1", KeyOf(cut, "冻结-近"));
        Assert.Equal("true", cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='冻结-近']").GetAttribute("data-sent"));
        Assert.Equal("2", KeyOf(cut, "冻结-远"));

        // The moment passes: the live ranking again, the far unit now takes key 1.
        _clock.Advance(UnitKeyGuard.Hold + TimeSpan.FromMilliseconds(100));
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll($"{Section} [data-testid=unit-proposed][data-call-sign='冻结-近']"));
            Assert.Equal("1", KeyOf(cut, "冻结-远"));
        }, Waits.Push);
    }

    [Fact]
    public async Task Given_a_unit_just_sent_When_1_is_pressed_again_Then_nothing_more_is_sent_and_another_number_asks_first()
    {
        var (lat, lon) = (31.2212, 121.4432);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        var near = await App.Unit("重复-近", home, lat + 0.0005, lon);
        var far = await App.Unit("重复-远", home, lat + 0.003, lon);
        var cut = Drawer(incident.Id);

        await Key(cut, "1");
        await Key(cut, "1");

        cut.WaitForAssertion(() => Assert.Contains("重复-近 was sent a moment ago", cut.Find("[data-testid=units-key-notice]").TextContent));
        Assert.Equal(incident.Id, (await App.RosterLine(near)).IncidentId);
        Assert.Equal(UnitStatus.Available, (await App.RosterLine(far)).Status);

        // Another number a moment later asks first; Esc (the cancel button) sends nothing.
        await Key(cut, "2");
        var prompt = cut.WaitForElement("[data-testid=second-unit-prompt]");
        Assert.Equal("重复-远", prompt.GetAttribute("data-call-sign"));
        Assert.Contains("Send a second unit, 重复-远?", prompt.TextContent);
        // Find and act in one dispatch: the units list is live (the first unit's pushes may still be arriving).
        await cut.InvokeAsync(() => cut.Find("[data-testid=second-unit-cancel]").ClickAsync(new()));
        Assert.Empty(cut.FindAll("[data-testid=second-unit-prompt]"));
        Assert.Equal(UnitStatus.Available, (await App.RosterLine(far)).Status);

        // Asked again and confirmed (Enter on the focused button): the second unit goes, deliberately.
        await Key(cut, "2");
        await cut.WaitForElement("[data-testid=second-unit-confirm]").ClickAsync(new());
        Assert.Equal(incident.Id, (await App.RosterLine(far)).IncidentId);
    }

    [Fact]
    public async Task Given_a_proposed_unit_with_an_old_position_or_far_away_Then_its_row_carries_a_warning()
    {
        var (lat, lon) = (31.2456, 121.4620);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        await App.Unit("警示-旧", home, lat + 0.0003, lon, ago: TimeSpan.FromMinutes(7));
        await App.Unit("警示-远", home, lat + 0.02, lon);
        await App.Unit("警示-好", home, lat + 0.001, lon);
        var cut = Drawer(incident.Id);

        // The nearest sits at key 1 with its warning in sight; a fresh near one has none.
        Assert.Equal("1", KeyOf(cut, "警示-旧"));
        Assert.Matches(@"position [67] min old", cut.Find($"{Section} [data-call-sign='警示-旧'] [data-testid=unit-caution]").TextContent);
        Assert.Contains("2.2 km away", cut.Find($"{Section} [data-call-sign='警示-远'] [data-testid=unit-caution]").TextContent);
        Assert.Empty(cut.FindAll($"{Section} [data-call-sign='警示-好'] [data-testid=unit-caution]"));
    }

    [Fact]
    public async Task Given_an_open_board_When_a_new_incident_arrives_Then_its_row_is_highlighted_and_counted_and_n_opens_it()
    {
        await App.Report(Calls.Form(urgency: 2));
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.WaitForAssertion(() => Assert.Contains("0 new", cut.Find("[data-testid=board-new]").TextContent));

        var reported = await App.Report(Calls.Form(category: "gas-leak", urgency: 4));

        var row = cut.WaitForElement($"[data-testid=board-row][data-number='{reported.Number}'][data-fresh=true]", Waits.Push);
        Assert.Contains("fresh", row.ClassName);
        Assert.Contains("1 new", cut.Find("[data-testid=board-new]").TextContent);

        // n: the next incident waiting for this dispatcher, the most urgent first, opens; it is no longer new.
        await cut.InvokeAsync(() => cut.Find("[data-board-keys]").TriggerEventAsync("onboardkey", new BoardKeyEventArgs { Key = "waiting" }));
        cut.WaitForAssertion(() => Assert.Equal(reported.Id.ToString(), cut.Find("[data-testid=incident-drawer]").GetAttribute("data-id")), Waits.Push);
        Assert.Contains("0 new", cut.Find("[data-testid=board-new]").TextContent);
        Assert.Empty(cut.FindAll($"[data-testid=board-row][data-number='{reported.Number}'][data-fresh]"));
    }

    [Fact]
    public async Task Given_a_board_When_j_and_k_are_pressed_Then_the_selection_moves_Enter_opens_it_and_closing_returns_to_it()
    {
        await App.Report(Calls.Form(urgency: 1));
        await App.Report(Calls.Form(urgency: 1));
        var shown = new JSCalls("dispatch.showRow");
        Ctx.JSInterop.AddInvocationHandler(shown);
        var cut = Ctx.RenderWithPopovers<Board>();
        cut.WaitForAssertion(() => Assert.True(cut.FindAll("[data-testid=board-row]").Count >= 2), Waits.Push);
        var ids = cut.FindAll("[data-testid=board-row]").Select(r => r.GetAttribute("data-id")!).ToList();
        Task Press(string key) => cut.InvokeAsync(() => cut.Find("[data-board-keys]").TriggerEventAsync("onboardkey", new BoardKeyEventArgs { Key = key }));
        string? Selected() => cut.FindAll("[data-testid=board-row][aria-selected=true]").SingleOrDefault()?.GetAttribute("data-id");

        await Press("next");   // j from nowhere: the top row
        Assert.Equal(ids[0], Selected());
        await Press("next");   // j
        Assert.Equal(ids[1], Selected());
        await Press("prev");   // k
        Assert.Equal(ids[0], Selected());
        // Each move brings its row into view.
        var moves = new[] { await shown.Call(1), await shown.Call(2), await shown.Call(3) };
        Assert.Equal(new object?[] { ids[0], ids[1], ids[0] }, moves.Select(call => call.Arguments[^1]));

        await Press("open");   // Enter
        cut.WaitForAssertion(() => Assert.Equal(ids[0], cut.Find("[data-testid=incident-drawer]").GetAttribute("data-id")), Waits.Push);
        await cut.WaitForElement("[data-testid=incident-drawer] [data-close]", Waits.Push).ClickAsync(new());   // Esc presses it
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=incident-drawer]")));
        // The selection stays on that row, and the focus is sent back to it.
        Assert.Equal(ids[0], Selected());
        Assert.Equal(ids[0], (await shown.Call(4)).Arguments[^1]);
    }

    [Fact]
    public async Task Given_a_reported_incident_When_it_is_accepted_in_the_drawer_Then_the_assign_form_opens_with_the_suggested_lead_and_one_Enter_assigns()
    {
        var reported = await App.Report(Calls.Form(category: "road-damage"));
        var focusSubmit = new JSCalls("dispatch.focus", call => call.Arguments[0] is string[] s && s.Contains("#action-submit"));
        Ctx.JSInterop.AddInvocationHandler(focusSubmit);
        var cut = Ctx.Render<TestHost>(p => p.AddChildContent<IncidentDrawer>(d => d.Add(x => x.IncidentId, reported.Id)));
        await cut.WaitForElement("#action-accept", Waits.Push).ClickAsync(new());

        var form = cut.WaitForElement("[data-testid=action-form][data-action=assign]", Waits.Push);
        Assert.NotNull(cut.Find("#action-submit").GetAttribute("data-autofocus"));
        await focusSubmit.Call(1);

        await form.SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal("urban-management", cut.Find("[data-testid=detail-lead]").GetAttribute("data-department")), Waits.Push);
        Assert.Equal(IncidentState.Assigned, (await App.Card(reported.Id)).State);
    }
}
