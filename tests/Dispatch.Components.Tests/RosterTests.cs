using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>The unit roster page on real services and real PostgreSQL: scope, live pushes, filters, and the way to the incident.</summary>
public sealed class RosterTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    const string Rows = "[data-testid=roster-row]";

    static string Row(string callSign) => $"{Rows}[data-call-sign='{callSign}']";

    /// <summary>Clicks the first item of the open list whose text matches, once it is there.</summary>
    static async Task ClickItem(IRenderedComponent<TestHost> cut, Func<string, bool> matches)
    {
        const string Items = ".mud-popover-open .mud-list-item";
        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll(Items), i => matches(i.TextContent.Trim())));
        // Found and clicked in one renderer turn: a pushed re-render in between would leave a stale handler.
        await cut.InvokeAsync(() => cut.FindAll(Items).First(i => matches(i.TextContent.Trim())).ClickAsync(new()));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(".mud-popover-open .mud-list-item")));
    }

    [Fact]
    public async Task A_town_dispatcher_sees_the_units_of_the_town_only_and_a_status_change_arrives_without_reload()
    {
        var (lat, lon) = (31.2078, 121.4846);
        var town = App.TownAt(lat, lon);
        var tree = App.Services.GetRequiredService<JurisdictionTree>();
        var elsewhere = tree.Place(31.2477, 121.4591).Town!.Path;
        var resting = await App.Unit("名册-休", town, onDuty: false);
        await App.Unit("名册-闲", town, lat, lon);
        await App.Unit("名册-外", elsewhere, onDuty: false);
        SignIn(new Actor("roster-town", "Town dispatcher", [new Grant(Role.Dispatcher, town)]));

        var cut = Ctx.RenderWithPopovers<Roster>();

        cut.WaitForElement(Row("名册-闲"), Waits.Push);
        Assert.Equal("OffDuty", cut.Find(Row("名册-休")).GetAttribute("data-status"));
        Assert.Empty(cut.FindAll(Row("名册-外")));
        Assert.All(cut.FindAll(Rows), r => Assert.True(AccessRules.Covers(town, r.GetAttribute("data-home")!), r.GetAttribute("data-home")));

        await App.Move(resting, new GoOnDuty(""));

        cut.WaitForAssertion(() => Assert.Equal("Available", cut.Find(Row("名册-休")).GetAttribute("data-status")), Waits.Push);
    }

    [Fact]
    public async Task Filtering_by_status_shows_only_that_status_and_a_unit_entering_it_appears_by_push()
    {
        var (lat, lon) = (31.2078, 121.4846);
        var town = App.TownAt(lat, lon);
        var later = await App.Unit("筛选-休", town, onDuty: false);
        await App.Unit("筛选-闲", town, lat, lon);
        var cut = Ctx.RenderWithPopovers<Roster>();
        cut.WaitForElement(Row("筛选-休"), Waits.Push);

        await cut.InvokeAsync(() => cut.Find("[data-testid=roster-status-filter][data-status=Available]").ClickAsync(new()));

        cut.WaitForAssertion(() =>
        {
            Assert.NotEmpty(cut.FindAll(Row("筛选-闲")));
            Assert.Empty(cut.FindAll(Row("筛选-休")));
            Assert.All(cut.FindAll(Rows), r => Assert.Equal("Available", r.GetAttribute("data-status")));
            Assert.Equal(cut.FindAll(Rows).Count.ToString(), cut.Find("[data-testid=roster-count]").TextContent);
        });

        await App.Move(later, new GoOnDuty(""));

        cut.WaitForAssertion(() => Assert.Equal("Available", cut.Find(Row("筛选-休")).GetAttribute("data-status")), Waits.Push);
    }

    [Fact]
    public async Task The_incident_a_unit_is_on_opens_in_the_drawer_from_its_line()
    {
        var (lat, lon) = (31.2078, 121.4846);
        var incident = await App.AssignedAt(lat, lon);
        var unit = await App.Unit("名册-派", App.TownAt(lat, lon), lat, lon);
        var cut = Ctx.RenderWithPopovers<Roster>();
        cut.WaitForElement(Row("名册-派"), Waits.Push);

        await App.Move(unit, new DispatchUnit(incident.Id, "", ""));

        var link = cut.WaitForElement($"{Row("名册-派")} [data-testid=roster-incident]", Waits.Push);
        Assert.Equal(incident.Number, link.TextContent.Trim());
        await cut.InvokeAsync(() => cut.Find($"{Row("名册-派")} [data-testid=roster-incident]").ClickAsync(new()));
        cut.WaitForAssertion(() =>
        {
            Assert.Equal(incident.Number, cut.Find("[data-testid=incident-drawer] [data-testid=drawer-number]").TextContent);
            Assert.NotNull(cut.Find($"[data-testid=incident-units] [data-testid=unit-on-incident][data-call-sign='名册-派']"));
        }, Waits.Push);
    }

    [Fact]
    public async Task A_dispatcher_registers_a_unit_and_it_appears_on_the_roster()
    {
        var town = App.TownAt(31.2078, 121.4846);
        var cut = Ctx.RenderWithPopovers<Roster>();
        cut.WaitForElement("[data-testid=roster-page]", Waits.Push);
        await cut.InvokeAsync(() => cut.Find("[data-testid=roster-register]").ClickAsync(new()));

        // Nothing filled in: each missing field says so.
        await cut.InvokeAsync(() => cut.Find("#register-unit-form").SubmitAsync());
        Assert.Contains("Give the unit a call sign.", cut.Find("[data-testid=register-unit]").TextContent);
        Assert.Contains("Choose the unit's department.", cut.Find("[data-testid=register-unit]").TextContent);

        await cut.InvokeAsync(() => cut.Find("#register-call-sign").Input("登记-01"));
        cut.Find("#register-department").Closest(".mud-input-control")!.MouseDown();
        await ClickItem(cut, text => text == "Urban Management");
        await cut.InvokeAsync(() => cut.Find("#register-jurisdiction").Input(town.Split('/')[^1]));
        var node = App.Services.GetRequiredService<JurisdictionTree>().Find(town.Split('/')[^1])!;
        await ClickItem(cut, text => text.EndsWith(node.Name));
        await cut.InvokeAsync(() => cut.Find("#register-capabilities").Input("enforcement, patrol"));
        await cut.InvokeAsync(() => cut.Find("#register-members").Input("王强，李明"));
        await cut.InvokeAsync(() => cut.Find("#register-unit-form").SubmitAsync());

        var row = cut.WaitForElement(Row("登记-01"), Waits.Push);
        Assert.Equal("OffDuty", row.GetAttribute("data-status"));
        Assert.Equal(town, row.GetAttribute("data-home"));
        Assert.Contains("Enforcement, Patrol", row.TextContent);
        Assert.Empty(cut.FindAll("[data-testid=register-unit]"));
    }
}
