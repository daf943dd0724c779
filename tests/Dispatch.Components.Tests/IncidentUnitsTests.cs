using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Components.Units;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using MudBlazor;
using Npgsql;

namespace Dispatch.Components.Tests;

/// <summary>
/// The incident drawer's units section on real services and real PostgreSQL: recommendations nearest first with the
/// others apart and why, sending with one key, the rules' refusal in words, and who sees the keys at all.
/// Each test works around its own point of the demo city, so the units of the other tests rank far behind its own.
/// </summary>
public sealed class IncidentUnitsTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const string Section = "[data-testid=incident-units]";

    /// <summary>The drawer opened on an incident (as the board or the roster opens it), beside a popover provider for the picker.</summary>
    IRenderedComponent<TestHost> Drawer(Guid incident)
    {
        var cut = Ctx.Render<TestHost>(p => p.AddChildContent<IncidentDrawer>(d => d.Add(x => x.IncidentId, incident)));
        cut.WaitForElement($"{Section} [data-testid=units-proposed]", Waits.Push);
        return cut;
    }

    static string[] Proposed(IRenderedComponent<TestHost> cut, string prefix) =>
        [.. cut.FindAll($"{Section} [data-testid=unit-proposed]").Select(r => r.GetAttribute("data-call-sign")!).Where(c => c.StartsWith(prefix))];

    static string LeftOutReason(IRenderedComponent<TestHost> cut, string callSign) =>
        cut.Find($"{Section} [data-testid=unit-left-out][data-call-sign='{callSign}'] [data-testid=unit-reason]").TextContent.Trim();

    IEnumerable<string> Snackbars() => Ctx.Services.GetRequiredService<ISnackbar>().ShownSnackbars.Select(s => s.Message ?? "");

    [Fact]
    public async Task The_drawer_lists_free_able_units_nearest_first_and_the_others_apart_with_why()
    {
        var (lat, lon) = (31.2304, 121.4737);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        await App.Unit("列表-远", home, lat + 0.006, lon);
        await App.Unit("列表-近", home, lat + 0.001, lon);
        await App.Unit("列表-医", home, lat + 0.002, lon, capabilities: ["medic"]);
        await App.Unit("列表-旧", home, lat, lon, ago: TimeSpan.FromMinutes(30));
        await App.Unit("列表-休", home, onDuty: false);
        var busy = await App.Unit("列表-忙", home, lat, lon);
        var other = await App.AssignedAt(lat, lon);
        await App.Move(busy, new DispatchUnit(other.Id, "", ""));

        var cut = Drawer(incident.Id);

        // No capability asked for: any free unit with a fresh position, nearest first.
        Assert.Equal(["列表-近", "列表-医", "列表-远"], Proposed(cut, "列表-"));
        var near = cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='列表-近']");
        Assert.Equal("111 m", near.QuerySelector("[data-testid=unit-distance]")!.TextContent.Trim());
        Assert.Equal("Available", near.QuerySelector("[data-testid=unit-reason]")!.TextContent.Trim());
        Assert.Equal("Position stale (30 min old)", LeftOutReason(cut, "列表-旧"));
        Assert.Equal("Off duty", LeftOutReason(cut, "列表-休"));
        Assert.Equal($"Dispatched to {other.Number}", LeftOutReason(cut, "列表-忙"));

        // Asking for enforcement: the medic is left out for lacking it, the rest keep their order.
        cut.Find("#units-capability").Closest(".mud-input-control")!.MouseDown();
        var enforcement = cut.WaitForElements(".mud-popover-open .mud-list-item").Single(i => i.TextContent.Trim() == "Enforcement");
        await enforcement.ClickAsync(new());

        cut.WaitForAssertion(() =>
        {
            Assert.Equal(["列表-近", "列表-远"], Proposed(cut, "列表-"));
            Assert.Equal("No Enforcement", LeftOutReason(cut, "列表-医"));
            Assert.Equal("Available, can do Enforcement",
                cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='列表-近'] [data-testid=unit-reason]").TextContent.Trim());
        });
    }

    [Fact]
    public async Task Pressing_1_sends_the_nearest_unit_its_roster_line_and_the_incident_card_show_it()
    {
        var (lat, lon) = (31.2330, 121.4790);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        var first = await App.Unit("按键-近", home, lat + 0.0005, lon);
        await App.Unit("按键-远", home, lat + 0.003, lon);
        var cut = Drawer(incident.Id);
        Assert.Equal("1", cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='按键-近']").GetAttribute("data-key"));
        Assert.Equal("2", cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='按键-远']").GetAttribute("data-key"));

        await cut.InvokeAsync(() => cut.Find($"{Section}[data-unit-keys]").TriggerEventAsync("onunitkey", new UnitKeyEventArgs { Key = "1" }));

        var line = await App.RosterLine(first);
        Assert.Equal((UnitStatus.Dispatched, incident.Id, incident.Number), (line.Status, line.IncidentId, line.IncidentNumber));
        Assert.Contains((await App.Card(incident.Id)).Units, u => u.Id == first && u.Status == UnitStatus.Dispatched);
        Assert.Contains($"按键-近 sent to {incident.Number}.", Snackbars());
        // The drawer follows by push: the unit is on the incident now and no longer proposed; the far one takes key 1.
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("Dispatched", cut.Find($"{Section} [data-testid=unit-on-incident][data-call-sign='按键-近']").GetAttribute("data-status"));
            Assert.Empty(cut.FindAll($"{Section} [data-testid=unit-proposed][data-call-sign='按键-近']"));
            Assert.Equal("1", cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='按键-远']").GetAttribute("data-key"));
        }, Waits.Push);
    }

    [Fact]
    public async Task Sending_a_unit_someone_else_just_sent_elsewhere_says_which_incident_it_is_on()
    {
        // A console the unit's push has not reached yet, so the drawer still offers the unit after another dispatcher sent
        // it away. The rules refuse, and say where it went.
        await Ctx.DisposeAsync();
        Ctx = Unheard();
        var (lat, lon) = (31.2236, 121.4467);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        var elsewhere = await App.AssignedAt(lat, lon);
        var unit = await App.Unit("双派-01", home, lat + 0.0005, lon);
        var cut = Drawer(incident.Id);
        Assert.Equal("1", cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='双派-01']").GetAttribute("data-key"));

        await App.Move(unit, new DispatchUnit(elsewhere.Id, "", ""));
        await cut.InvokeAsync(() => cut.Find($"{Section}[data-unit-keys]").TriggerEventAsync("onunitkey", new UnitKeyEventArgs { Key = "1" }));

        var refusal = Assert.Single(Snackbars(), m => m.Contains("双派-01"));
        Assert.Contains($"release it from incident {elsewhere.Number}", refusal);
        Assert.Equal(elsewhere.Id, (await App.RosterLine(unit)).IncidentId);
        Assert.DoesNotContain((await App.Card(incident.Id)).Units, u => u.Id == unit);
    }

    /// <summary>A console whose unit feed is real but not listening: the units' pushes have not reached it yet.</summary>
    BunitContext Unheard(string culture = "en") => ConsoleContext.For(App, culture, services: s => s.AddSingleton(new UnitFeed(
        App.Services.GetRequiredService<NpgsqlDataSource>(), App.Services.GetRequiredService<IDocumentStore>(),
        App.Services.GetRequiredService<UnitMailbox>(), App.Services.GetRequiredService<Dispatch.Server.Units.Positions.UnitPositions>(),
        NullLogger<UnitFeed>.Instance)));

    [Fact]
    public async Task A_chinese_console_says_why_a_unit_is_left_out_and_the_refusal_in_chinese()
    {
        await Ctx.DisposeAsync();
        Ctx = Unheard("zh-CN");
        var (lat, lon) = (31.2078, 121.4846);
        var home = App.TownAt(lat, lon);
        var incident = await App.AssignedAt(lat, lon);
        var elsewhere = await App.AssignedAt(lat, lon);
        var unit = await App.Unit("中文-01", home, lat + 0.0005, lon);
        await App.Unit("中文-旧", home, lat, lon, ago: TimeSpan.FromMinutes(30));
        var cut = Drawer(incident.Id);
        Assert.Equal("位置已过时（30 分钟前）", LeftOutReason(cut, "中文-旧"));
        Assert.Equal("空闲可派", cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='中文-01'] [data-testid=unit-reason]").TextContent.Trim());

        await App.Move(unit, new DispatchUnit(elsewhere.Id, "", ""));
        await cut.InvokeAsync(() => cut.Find($"{Section}[data-unit-keys]").TriggerEventAsync("onunitkey", new UnitKeyEventArgs { Key = "1" }));

        Assert.Contains($"力量 中文-01 已在处置工单 {elsewhere.Number}，须先从 {elsewhere.Number} 释放才能派往别处。", Snackbars());
    }

    [Fact]
    public async Task Someone_who_may_not_send_sees_the_recommendation_without_keys_or_buttons_and_a_digit_sends_nothing()
    {
        var (lat, lon) = (31.2477, 121.4591);
        var incident = await App.AssignedAt(lat, lon);
        var unit = await App.Unit("只读-01", App.TownAt(lat, lon), lat + 0.0005, lon);
        await App.Move(unit, new DispatchUnit(incident.Id, "", ""));
        await App.Unit("只读-02", App.TownAt(lat, lon), lat + 0.0007, lon);
        var city = App.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>().City.Path;
        SignIn(new Actor("leader-units", "Leader", [new Grant(Role.Leader, city)]));

        var cut = Drawer(incident.Id);

        Assert.Contains("只读-02", Proposed(cut, "只读-"));
        Assert.NotNull(cut.Find($"{Section} [data-testid=unit-on-incident][data-call-sign='只读-01']"));
        Assert.Null(cut.Find(Section).GetAttribute("data-unit-keys"));
        Assert.Empty(cut.FindAll($"{Section} [data-testid=unit-key]"));
        Assert.Empty(cut.FindAll($"{Section} [data-send]"));
        Assert.Empty(cut.FindAll($"{Section} [data-release]"));
        Assert.All(cut.FindAll($"{Section} [data-testid=unit-proposed]"), r => Assert.Equal("NotAllowed", r.GetAttribute("data-block")));

        await cut.InvokeAsync(() => cut.Find(Section).TriggerEventAsync("onunitkey", new UnitKeyEventArgs { Key = "1" }));

        Assert.Equal(UnitStatus.Available, (await App.RosterLine(await IdOf("只读-02"))).Status);
        Assert.Empty(Snackbars());
    }

    [Fact]
    public async Task A_dispatcher_releases_a_unit_from_the_incident_and_the_list_follows()
    {
        var (lat, lon) = (31.1956, 121.5093);
        var incident = await App.AssignedAt(lat, lon);
        var unit = await App.Unit("释放-01", App.TownAt(lat, lon), lat + 0.0005, lon);
        await App.Move(unit, new DispatchUnit(incident.Id, "", ""));
        var cut = Drawer(incident.Id);

        await cut.InvokeAsync(() => cut.Find($"{Section} [data-release='{unit}']").ClickAsync(new()));

        Assert.Equal(UnitStatus.Available, (await App.RosterLine(unit)).Status);
        Assert.Contains($"释放-01 released from {incident.Number}.", Snackbars());
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll($"{Section} [data-testid=unit-on-incident]"));
            Assert.NotNull(cut.Find($"{Section} [data-testid=unit-proposed][data-call-sign='释放-01']"));
        }, Waits.Push);
    }

    async Task<Guid> IdOf(string callSign)
    {
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Query<UnitRosterEntry>().SingleAsync(u => u.CallSign == callSign)).Id;
    }
}
