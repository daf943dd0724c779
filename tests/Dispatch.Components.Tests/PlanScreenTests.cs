using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Domain.Warning;
using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Components.Situation;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Plans;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using SituationPage = Dispatch.Server.Components.Pages.Situation;

namespace Dispatch.Components.Tests;

/// <summary>
/// A running plan's progress on the screens: the board row's badge (response level, tasks done of total, late in red) and
/// the situation screen's "plans running" panel, both kept live by the card pushes (a task completed elsewhere, a task
/// the deadline watch records overdue), the panel scoped to the viewer like the rest of the screen.
/// </summary>
public sealed class PlanScreenTests(ClockedDispatchApp app) : ConsoleTest<ClockedDispatchApp>(app)
{
    static string Badge(string number) => $"[data-testid=board-row][data-number='{number}'] [data-testid=plan-badge]";

    [Fact]
    public async Task Given_a_plan_running_on_an_open_board_when_a_task_is_done_and_another_runs_out_then_the_badge_shows_both_by_push()
    {
        var incident = await App.Report(Calls.Form(category: "gas-leak", urgency: 4, description: "小区燃气爆炸，有人受伤"));
        var plan = App.Services.GetRequiredService<PlanLibrary>().Find("gas-explosion")!;
        await App.Do(incident.Id, new ActivatePlan(plan, "现场确认爆炸", "dispatcher"));
        var cut = Ctx.Render<Board>();

        var badge = cut.WaitForElement(Badge(incident.Number), Waits.Push);
        Assert.Equal(("II", "0/6", "true"), (badge.GetAttribute("data-level"), badge.QuerySelector("[data-testid=plan-progress]")!.TextContent,
            badge.GetAttribute("data-running")));
        Assert.Contains("Ⅱ", badge.TextContent);
        Assert.Null(badge.QuerySelector("[data-testid=plan-late]"));

        await App.Do(incident.Id, new CompletePlanTask("cut-gas", "gas-utility", "阀门已关闭", "gas.handler"));
        cut.WaitForAssertion(() => Assert.Equal("1/6", cut.Find($"{Badge(incident.Number)} [data-testid=plan-progress]").TextContent), Waits.Push);

        // Ten minutes on, fire-rescue (due in 10) is recorded late by the watch: the late count shows, in red.
        App.Time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        cut.WaitForAssertion(() =>
        {
            var late = cut.Find($"{Badge(incident.Number)} [data-testid=plan-late]");
            Assert.Equal("1 late", late.TextContent.Trim());
            Assert.Equal("1", cut.Find(Badge(incident.Number)).GetAttribute("data-late"));
        }, Waits.Push);
    }

    JurisdictionTree Tree => App.Services.GetRequiredService<JurisdictionTree>();

    async Task<CommandOutcome.Done> Explosion(double lat, double lon)
    {
        var incident = await App.Report(Calls.Form(category: "gas-leak", urgency: 4, description: "小区燃气爆炸，有人受伤") with { Lat = lat, Lon = lon });
        var plan = App.Services.GetRequiredService<PlanLibrary>().Find("gas-explosion")!;
        await App.Do(incident.Id, new ActivatePlan(plan, "现场确认爆炸", "dispatcher"));
        return incident;
    }

    [Fact]
    public async Task Given_a_leaders_situation_screen_when_a_plan_runs_in_the_district_then_the_panel_shows_it_live_and_not_one_elsewhere()
    {
        var (lat, lon) = (31.2078, 121.4846);
        var district = Tree.Place(lat, lon).District!.Path;
        SignIn(new Actor("plans-leader", "Leader", [new Grant(Role.Leader, district)]));
        var cut = Ctx.Render<SituationPage>();
        cut.WaitForElement("[data-testid=situation][data-interactive=true]", Waits.Push);

        var inside = await Explosion(lat, lon);
        var outside = Tree.OfKind(JurisdictionKind.Town).First(t => !AccessRules.Covers(district, t.Path));
        var elsewhere = await Explosion(outside.Boundary.InteriorPoint.Y, outside.Boundary.InteriorPoint.X);
        string Row(string number) => $"[data-testid=panel-plans] [data-testid=situation-plan][data-number='{number}']";

        var row = cut.WaitForElement(Row(inside.Number), Waits.Push);
        Assert.Equal(("gas-explosion", "II", "0", "6"), (row.GetAttribute("data-plan"), row.GetAttribute("data-level"), row.GetAttribute("data-done"),
            row.GetAttribute("data-total")));
        Assert.Contains("燃气爆炸事故应急预案", row.TextContent);
        Assert.Contains("Ⅱ", row.TextContent);

        await App.Do(inside.Id, new CompletePlanTask("cut-gas", "gas-utility", "阀门已关闭", "gas.handler"));
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find(Row(inside.Number)).GetAttribute("data-done")), Waits.Push);
        Assert.Empty(cut.FindAll(Row(elsewhere.Number)));

        // Stood down, it leaves the panel.
        await App.Do(inside.Id, new StandDownPlan("险情消除", "dispatcher"));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(Row(inside.Number))), Waits.Push);
    }

    [Fact]
    public void Given_plans_in_the_ledger_when_the_picture_is_drawn_then_the_gravest_come_first_with_their_late_tasks_in_scope()
    {
        var now = App.Time.GetUtcNow();
        var ledger = new SituationLedger(App.Services.GetRequiredService<CityCatalog>(), Tree, SurgeSettings.Default);
        ledger.Rollover(now);
        var cells = Tree.OfKind(JurisdictionKind.Grid).ToList();
        var district = Tree.Find(Tree.Find(cells[0].Parent!)!.Parent!)!;
        var otherCell = cells.First(c => !AccessRules.Covers(district.Path, c.Path));
        IncidentCard Card(string number, Jurisdiction cell, ResponseLevel level, int late)
        {
            var due = now.AddMinutes(-5);
            var plan = CardPlan.Evolve(null, new PlanActivated(Guid.NewGuid(), "p-" + number, 1, "预案 " + number, level, CommandLevel.District, "emergency", [],
                [new("a", "甲", "fire", null, due), new("b", "乙", "health", null, due), new("c", "丙", "water", null, now.AddHours(1))], "演练", "dispatcher", now.AddHours(-1)));
            foreach (var task in new[] { "a", "b" }.Take(late)) plan = CardPlan.Evolve(plan, new PlanTaskOverdue(Guid.NewGuid(), task, due, "deadline-watch", now));
            return new IncidentCard
            {
                Id = Guid.NewGuid(), Number = number, Category = "gas-leak", Urgency = Urgency.Critical, State = IncidentState.Assigned,
                ScopePath = cell.Path, Place = new Place(cell.Path, null, null, cell.Code), ReportedAt = now.AddHours(-1), UpdatedAt = now,
                Version = 5, Level = CommandLevel.District, Plan = plan,
            };
        }
        ledger.Apply(Card("P-IV", cells[0], ResponseLevel.IV, late: 0));
        ledger.Apply(Card("P-II", cells[0], ResponseLevel.II, late: 2));
        ledger.Apply(Card("P-out", otherCell, ResponseLevel.I, late: 0));

        var picture = ledger.Picture(district.Path, now, new("en"));
        var panel = Ctx.Render<RunningPlansPanel>(p => p.Add(x => x.Plans, picture.Plans));

        Assert.Equal(2, picture.Plans.Total);
        var rows = panel.FindAll("[data-testid=situation-plan]");
        Assert.Equal(["P-II", "P-IV"], rows.Select(r => r.GetAttribute("data-number")));
        Assert.Equal("2 late", rows[0].QuerySelector("[data-testid=situation-plan-late]")!.TextContent);
        Assert.Contains("0/3 done", rows[0].TextContent);
        Assert.Null(rows[1].QuerySelector("[data-testid=situation-plan-late]"));
        Assert.Equal(3, ledger.Picture(Tree.City.Path, now, new("en")).Plans.Total);
    }
}
