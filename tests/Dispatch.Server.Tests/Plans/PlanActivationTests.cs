using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Plans;

/// <summary>
/// Through the real API: the console's proposals, activation by the commanding centre with a reason (one activation
/// when two dispatchers press at once), the plan's tasks worked by their departments, and stand-down.
/// </summary>
public class PlanActivationTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static System.Text.Json.Nodes.JsonObject Explosion() => Api.Report($"小区楼道燃气爆炸，有人受伤 {Api.Unique("e")}", category: "gas-leak", urgency: 4);

    [Fact]
    public async Task Given_an_explosion_report_when_plans_are_asked_for_it_then_the_gas_explosion_plan_is_proposed()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Explosion());
        var city = scopes.As(app, Role.Dispatcher, Where.City, tag: "plans");

        var all = await city.GetJson("/api/plans");
        var proposed = await city.GetJson($"/api/plans?incident={incident.Id}");

        Assert.Contains(all.EnumerateArray(), p => p.GetProperty("code").GetString() == "urban-flooding");
        var plan = Assert.Single(proposed.EnumerateArray());
        Assert.Equal(("gas-explosion", "II", "city"), (plan.GetProperty("code").GetString(), plan.GetProperty("responseLevel").GetString(),
            plan.GetProperty("commandLevel").GetString()));
        using var handler = await scopes.As(app, Role.Handler, Where.City, department: "fire", tag: "plans").GetAsync("/api/plans");
        await handler.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Given_an_explosion_when_the_city_activates_the_plan_then_level_lead_version_and_task_deadlines_are_recorded_and_audited()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Explosion());
        var city = scopes.As(app, Role.Dispatcher, Where.City, tag: "activate");

        await city.CommandOk(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "现场确认爆炸，三人受伤" });

        var detail = await city.Detail(incident.Id);
        Assert.Equal(("City", "Assigned", "emergency"), (detail.GetProperty("level").GetString(), detail.GetProperty("state").GetString(),
            detail.GetProperty("leadDepartment").GetString()));
        var activated = Assert.Single((await app.Events(incident.Id)).Select(e => e.Data).OfType<PlanActivated>());
        Assert.Equal(("gas-explosion", 1, ResponseLevel.II, "现场确认爆炸，三人受伤"), (activated.Plan, activated.Version, activated.Level, activated.Reason));
        Assert.Equal(activated.At + TimeSpan.FromMinutes(15), activated.Tasks.Single(t => t.Code == "cut-gas").Due);
        Assert.Equal(Scopes.Login(Role.Dispatcher, Where.City, tag: "activate"), activated.By);
        var audit = await scopes.As(app, Role.Leader, Where.City, tag: "audit").GetJson($"/api/audit?incident={incident.Id}");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "incident.activateplan"
            && a.GetProperty("detail").GetString()!.StartsWith("gas-explosion v1 (Ⅱ)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Given_two_dispatchers_when_both_activate_at_once_then_there_is_one_activation_and_the_other_hears_why()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Explosion());
        var first = scopes.As(app, Role.Dispatcher, Where.City, tag: "race-1");
        var second = scopes.As(app, Role.Dispatcher, Where.City, tag: "race-2");

        var answers = await Task.WhenAll(
            first.Command(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" }),
            second.Command(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" }));

        Assert.Single(answers, a => a.IsSuccessStatusCode);
        var refused = Assert.Single(answers, a => !a.IsSuccessStatusCode);
        Assert.Equal("plan.running", (await refused.Problem((HttpStatusCode)422)).GetProperty("code").GetString());
        Assert.Single((await app.Events(incident.Id)).Select(e => e.Data).OfType<PlanActivated>());
        foreach (var a in answers) a.Dispose();
    }

    [Fact]
    public async Task Given_a_city_level_plan_when_a_town_dispatcher_activates_it_then_it_is_forbidden_and_nothing_is_written()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Api.Report($"燃气爆炸 {Api.Unique("t")}", category: "gas-leak", urgency: 4));
        // The city hands it down to the town first, so the town is the commanding centre.
        await app.Client().CommandOk(incident.Id, "delegate", new { reason = "先由镇处置" });
        await app.Client().CommandOk(incident.Id, "delegate", new { reason = "先由镇处置" });
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "plan-town");
        var count = (await app.Events(incident.Id)).Count;

        using var answer = await town.Command(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" });

        await answer.Problem(HttpStatusCode.Forbidden);
        Assert.Equal(count, (await app.Events(incident.Id)).Count);
    }

    [Fact]
    public async Task Given_bad_fields_when_activating_then_each_is_named()
    {
        var incident = await app.Client().ReportOk(Explosion());

        using var unknown = await app.Client().Command(incident.Id, "activate-plan", new { plan = "volcano", reason = "x" });
        using var missing = await app.Client().Command(incident.Id, "activate-plan", new { });

        Assert.Contains("plan", (await unknown.FieldErrors()).Keys);
        var errors = await missing.FieldErrors();
        Assert.Contains("plan", errors.Keys);
        Assert.Contains("reason", errors.Keys);
    }

    [Fact]
    public async Task Given_a_running_plan_when_departments_work_their_tasks_and_it_stands_down_then_each_step_is_recorded_by_whom()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Explosion());
        await app.Client().CommandOk(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" });
        var gas = scopes.As(app, Role.Handler, Where.City, department: "gas-utility", tag: "task");
        var police = scopes.As(app, Role.Handler, Where.City, department: "public-security", tag: "task");

        await gas.CommandOk(incident.Id, "acknowledge-task", new { task = "cut-gas", department = "gas-utility" });
        await gas.CommandOk(incident.Id, "complete-task", new { task = "cut-gas", department = "gas-utility", note = "上游阀门已关闭" });
        using (var wrong = await police.Command(incident.Id, "complete-task", new { task = "cut-gas", department = "public-security", note = "x" }))
            Assert.Equal("plan.task-wrong-department", (await wrong.Problem((HttpStatusCode)422)).GetProperty("code").GetString());
        using (var notTheirs = await police.Command(incident.Id, "complete-task", new { task = "cordon", department = "gas-utility", note = "x" }))
            await notTheirs.Problem(HttpStatusCode.Forbidden);
        await app.Client().CommandOk(incident.Id, "stand-down", new { reason = "险情消除" });

        var events = (await app.Events(incident.Id)).Select(e => e.Data).ToList();
        var done = Assert.Single(events.OfType<PlanTaskCompleted>());
        Assert.Equal(("cut-gas", "上游阀门已关闭", Scopes.Login(Role.Handler, Where.City, "gas-utility", "task")), (done.Task, done.Note, done.By));
        var stoodDown = Assert.Single(events.OfType<PlanStoodDown>());
        Assert.DoesNotContain("cut-gas", stoodDown.TasksLeft);
        Assert.Contains("cordon", stoodDown.TasksLeft);
    }
}
