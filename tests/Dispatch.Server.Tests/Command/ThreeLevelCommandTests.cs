using System.Net;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Command;

/// <summary>
/// Through the real API: the policy sends each matter to its level, the commanding centre (and those above it)
/// dispatches, and levels change only by events with reasons.
/// </summary>
public class ThreeLevelCommandTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static System.Text.Json.Nodes.JsonObject GasLeak(string description = "楼道内闻到明显燃气味") =>
        Api.Report(description, category: "gas-leak", urgency: 3);

    [Fact]
    public async Task Intake_routes_a_gas_leak_to_the_district_with_the_gas_utility_suggested()
    {
        var incident = await app.Client().ReportOk(GasLeak());

        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal("District", detail.GetProperty("level").GetString());
        Assert.Equal("gas-utility", detail.GetProperty("suggestedDepartment").GetString());
        var routed = detail.GetProperty("timeline")[2];
        Assert.Equal(("Routed", "District · gas-leak"), (routed.GetProperty("kind").GetString(), routed.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task A_keyword_sends_the_matter_to_the_city()
    {
        var incident = await app.Client().ReportOk(GasLeak("燃气泄漏后起火，有爆炸声"));

        Assert.Equal("City", (await app.Client().Detail(incident.Id)).GetProperty("level").GetString());
    }

    [Fact]
    public async Task A_district_commanded_incident_is_read_by_the_town_but_dispatched_by_the_district()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(GasLeak());
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "command");
        var district = scopes.As(app, Role.Dispatcher, Where.District, tag: "command");

        await town.Detail(incident.Id);
        using (var refused = await town.Command(incident.Id, "accept")) await refused.Problem(HttpStatusCode.Forbidden);
        await district.CommandOk(incident.Id, "accept");
    }

    [Fact]
    public async Task The_district_delegates_a_routine_matter_to_the_town_which_then_dispatches_it()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(GasLeak());
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "delegate");
        var district = scopes.As(app, Role.Dispatcher, Where.District, tag: "delegate");

        using (var noReason = await district.Command(incident.Id, "delegate", new { reason = "" }))
            Assert.Contains("reason", (await noReason.FieldErrors()).Keys);
        await district.CommandOk(incident.Id, "delegate", new { reason = "只是邻居做饭的气味" });
        await town.CommandOk(incident.Id, "accept");

        var last = (await app.Client().Detail(incident.Id)).GetProperty("timeline").EnumerateArray().First(e => e.GetProperty("kind").GetString() == "Delegated");
        Assert.Equal("District → Town · 只是邻居做饭的气味", last.GetProperty("text").GetString());
    }

    [Fact]
    public async Task The_town_escalates_by_hand_and_then_no_longer_dispatches_it()
    {
        var scopes = new Scopes(app);
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "escalate");
        var incident = await town.Accepted();

        await town.CommandOk(incident.Id, "escalate", new { reason = "涉及多个部门，街道协调不了" });

        Assert.Equal("District", (await app.Client().Detail(incident.Id)).GetProperty("level").GetString());
        using var refused = await town.Command(incident.Id, "assign", new { department = "urban-management" });
        await refused.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_dispatcher_overrides_the_suggestion_with_a_reason_and_a_bad_level_is_named()
    {
        var incident = await app.Client().ReportOk();

        using (var bad = await app.Client().Command(incident.Id, "override", new { level = "province", reason = "x" }))
            Assert.Contains("level", (await bad.FieldErrors()).Keys);
        await app.Client().CommandOk(incident.Id, "override", new { level = "city", department = "emergency", reason = "市领导关注" });

        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal(("City", "emergency"), (detail.GetProperty("level").GetString(), detail.GetProperty("suggestedDepartment").GetString()));
    }

    [Fact]
    public async Task A_leader_supervises_and_the_board_carries_it_dispatchers_may_not()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Accepted();
        var leader = scopes.As(app, Role.Leader, Where.District, tag: "supervise");

        using (var dispatcher = await app.Client().Command(incident.Id, "supervise", new { comment = "请尽快" }))
            await dispatcher.Problem(HttpStatusCode.Forbidden);
        await leader.CommandOk(incident.Id, "supervise", new { comment = "请今日内办结并回复" });

        var card = (await app.Client().GetJson("/api/board")).EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == incident.Id);
        Assert.Equal("请今日内办结并回复", card.GetProperty("supervision").GetString());
        Assert.Equal(JsonValueKindString, card.GetProperty("supervisedAt").ValueKind);
    }

    const System.Text.Json.JsonValueKind JsonValueKindString = System.Text.Json.JsonValueKind.String;

    [Fact]
    public async Task An_assignment_carries_assisting_departments_and_the_policys_deadlines()
    {
        var before = DateTimeOffset.UtcNow;
        var incident = await app.Client().Accepted();

        await app.Client().CommandOk(incident.Id, "assign", new { department = "urban-management", assisting = new[] { "water", "transport" } });

        var card = (await app.Client().GetJson("/api/board")).EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == incident.Id);
        Assert.Equal(["water", "transport"], card.GetProperty("assisting").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("Acknowledge", card.GetProperty("deadlineKind").GetString());
        var due = card.GetProperty("deadlineDue").GetDateTimeOffset();
        // Urgency 2 (normal): two hours to acknowledge (src/Dispatch.Server/command-policy.json).
        Assert.InRange(due - before, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
    }

    [Fact]
    public async Task Joint_handling_goes_on_when_an_assisting_department_is_slow_and_an_unknown_one_is_named()
    {
        var incident = await app.Client().Accepted();
        using (var unknown = await app.Client().Command(incident.Id, "assign", new { department = "urban-management", assisting = new[] { "nobody" } }))
            Assert.Contains("assisting", (await unknown.FieldErrors()).Keys);
        await app.Client().CommandOk(incident.Id, "assign", new { department = "urban-management", assisting = new[] { "water" } });

        await app.Client().CommandOk(incident.Id, "acknowledge", new { department = "urban-management" });
        using (var early = await app.Client().Command(incident.Id, "progress", new { department = "water", note = "已关阀" }))
            await early.Refusal("progress.not-acknowledged");
        var resolved = await app.Client().CommandOk(incident.Id, "resolve", new { department = "urban-management", resolution = "已处置" });

        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal("Resolved", detail.GetProperty("state").GetString());
        Assert.Equal(["urban-management"], detail.GetProperty("acknowledgedBy").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(resolved.Version, detail.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task An_assisting_departments_handler_sees_the_incident_and_acknowledges_its_part()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Accepted();
        var water = scopes.As(app, Role.Handler, Where.Town, "water", tag: "assisting");
        var transport = scopes.As(app, Role.Handler, Where.Town, "transport", tag: "assisting");

        await app.Client().CommandOk(incident.Id, "assign", new { department = "urban-management", assisting = new[] { "water" } });

        Assert.Contains((await water.GetJson("/api/board")).EnumerateArray(), c => c.GetProperty("id").GetGuid() == incident.Id);
        Assert.DoesNotContain((await transport.GetJson("/api/board")).EnumerateArray(), c => c.GetProperty("id").GetGuid() == incident.Id);
        await water.CommandOk(incident.Id, "acknowledge", new { department = "water" });
        using var notTheirs = await water.Command(incident.Id, "acknowledge", new { department = "urban-management" });
        await notTheirs.Problem(HttpStatusCode.Forbidden);
    }
}
