using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Server.Plans;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Cluster;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Plans;

/// <summary>
/// The plan library's stored versions: the file seeds version 1, a city-wide administrator revises a plan (version 2,
/// audited with what changed), a bad revision is refused with its faults named and writes nothing, anyone else is
/// refused and audited; an activation uses the version in force and a running plan keeps its own; every node hears it.
/// </summary>
public class PlanVersionTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Login = "plan-admin";

    HttpClient Admin() => app.Client(Login, "en", new Grant(Role.Admin, new Scopes(app).City.Path));

    static async Task<JsonObject> Current(HttpClient client, string code)
    {
        var versions = await client.GetJson($"/api/plans/{code}/versions");
        return JsonNode.Parse(versions[0].GetProperty("plan").GetRawText())!.AsObject();
    }

    static Task<HttpResponseMessage> Put(HttpClient client, string code, JsonNode plan) =>
        client.PutAsync($"/api/plans/{code}", new StringContent(plan.ToJsonString(), Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Given_the_plan_file_when_the_server_has_started_then_each_plan_is_stored_as_version_1_seeded_by_the_system()
    {
        using var admin = Admin();

        foreach (var code in new[] { "gas-explosion", "urban-flooding", "elderly-missing" })
        {
            var versions = await admin.GetJson($"/api/plans/{code}/versions");
            // Other tests of this class revise plans too: the oldest version is the seed, and there is one.
            var only = Assert.Single(versions.EnumerateArray(), v => v.GetProperty("by").GetString() == "system");
            Assert.Equal(only, versions.EnumerateArray().Last());
            Assert.Equal((1, "system", "seeded from the plan file"), (only.GetProperty("version").GetInt32(), only.GetProperty("by").GetString(),
                only.GetProperty("changes").GetString()));
            Assert.Equal(code, only.GetProperty("plan").GetProperty("code").GetString());
        }
        using var unknown = await admin.GetAsync("/api/plans/volcano/versions");
        await unknown.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_an_admin_when_a_plan_is_revised_then_version_2_is_in_force_listed_and_audited_with_what_changed()
    {
        using var admin = Admin();
        var plan = await Current(admin, "urban-flooding");
        plan["responseLevel"] = "II";
        plan["tasks"]!.AsArray().Add(new JsonObject { ["code"] = "shelter", ["what"] = "开放临时避险场所", ["department"] = "emergency", ["within"] = "01:00:00" });

        using var answer = await Put(admin, "urban-flooding", plan);

        await answer.ShouldBe(HttpStatusCode.OK);
        var body = await answer.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("version").GetInt32());
        var listed = (await app.Client().GetJson("/api/plans")).EnumerateArray().Single(p => p.GetProperty("code").GetString() == "urban-flooding");
        Assert.Equal((2, "II"), (listed.GetProperty("version").GetInt32(), listed.GetProperty("responseLevel").GetString()));
        var versions = (await admin.GetJson("/api/plans/urban-flooding/versions")).EnumerateArray().ToList();
        Assert.Equal([2, 1], versions.Select(v => v.GetProperty("version").GetInt32()));
        Assert.Equal(Login, versions[0].GetProperty("by").GetString());
        Assert.Equal("responseLevel III→II; tasks +shelter", versions[0].GetProperty("changes").GetString());
        var audit = await new Scopes(app).As(app, Role.Leader, Where.City, tag: "plan-audit").GetJson($"/api/audit?user={Login}");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "plan.revise"
            && a.GetProperty("detail").GetString() == "urban-flooding v2: responseLevel III→II; tasks +shelter");
        // The same again is no new version; an edit of the old version is a conflict.
        plan["version"] = 2;
        using (var same = await Put(admin, "urban-flooding", plan))
            Assert.Equal("plan.unchanged", (await same.Problem((HttpStatusCode)422)).GetProperty("code").GetString());
        plan["version"] = 1;
        plan["name"] = "改名";
        using (var stale = await Put(admin, "urban-flooding", plan))
            Assert.Equal(2, (await stale.Problem(HttpStatusCode.Conflict)).GetProperty("currentVersion").GetInt32());
    }

    [Fact]
    public async Task Given_an_invalid_revision_when_it_is_saved_then_each_fault_is_named_and_nothing_is_written()
    {
        using var admin = Admin();
        var plan = await Current(admin, "elderly-missing");
        plan["lead"] = "nobody";
        plan["tasks"]![0]!["within"] = "soon";
        var before = await app.StreamVersion(PlanRevisions.StreamOf("elderly-missing"));

        using var answer = await Put(admin, "elderly-missing", plan);
        using var mismatch = await Put(admin, "other-code", await Current(admin, "elderly-missing"));
        using var broken = await admin.PutAsync("/api/plans/elderly-missing", new StringContent("{\"code\":", Encoding.UTF8, "application/json"));

        var faults = string.Join(" | ", (await answer.FieldErrors())["plan"]);
        Assert.Contains("lead: unknown department 'nobody'", faults);
        Assert.Contains("within must be a positive duration", faults);
        Assert.Contains("code", (await mismatch.FieldErrors()).Keys);
        Assert.Contains("not valid JSON", string.Join(" ", (await broken.FieldErrors())["plan"]));
        Assert.Equal(before, await app.StreamVersion(PlanRevisions.StreamOf("elderly-missing")));
        Assert.Null(await app.StreamVersion(PlanRevisions.StreamOf("other-code")));
        Assert.Equal(1, app.Services.GetRequiredService<PlanLibrary>().Find("elderly-missing")!.Version);
    }

    [Fact]
    public async Task Given_someone_not_a_city_admin_when_they_revise_a_plan_then_it_is_forbidden_audited_and_nothing_is_written()
    {
        var scopes = new Scopes(app);
        using var admin = Admin();
        var plan = await Current(admin, "elderly-missing");
        plan["name"] = "改了名字";
        using var dispatcher = scopes.As(app, Role.Dispatcher, Where.City, tag: "plan-edit");
        using var districtAdmin = scopes.As(app, Role.Admin, Where.District, tag: "plan-edit");

        using var byDispatcher = await Put(dispatcher, "elderly-missing", plan);
        using var byDistrict = await Put(districtAdmin, "elderly-missing", plan);

        await byDispatcher.Problem(HttpStatusCode.Forbidden);
        await byDistrict.Problem(HttpStatusCode.Forbidden);
        Assert.Single((await admin.GetJson("/api/plans/elderly-missing/versions")).EnumerateArray());
        var audit = await scopes.As(app, Role.Leader, Where.City, tag: "plan-audit2")
            .GetJson($"/api/audit?user={Scopes.Login(Role.Dispatcher, Where.City, tag: "plan-edit")}");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "plan.revise" && !a.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Given_a_plan_running_when_it_is_revised_then_a_new_activation_uses_version_2_and_the_running_one_keeps_version_1()
    {
        using var admin = Admin();
        var first = await app.Client().ReportOk(Api.Report($"燃气爆炸 {Api.Unique("v1")}", category: "gas-leak", urgency: 4));
        await app.Client().CommandOk(first.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" });
        var plan = await Current(admin, "gas-explosion");
        plan["tasks"]!.AsArray().Add(new JsonObject { ["code"] = "shelter", ["what"] = "安置疏散群众", ["department"] = "emergency", ["within"] = "01:00:00" });
        using (var revised = await Put(admin, "gas-explosion", plan)) await revised.ShouldBe(HttpStatusCode.OK);

        var second = await app.Client().ReportOk(Api.Report($"燃气爆炸 {Api.Unique("v2")}", category: "gas-leak", urgency: 4));
        await app.Client().CommandOk(second.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" });
        await app.Client().CommandOk(first.Id, "stand-down", new { reason = "险情消除" });

        var old = (await app.Events(first.Id)).Select(e => e.Data).ToList();
        var now = Assert.Single((await app.Events(second.Id)).Select(e => e.Data).OfType<PlanActivated>());
        Assert.Equal(1, Assert.Single(old.OfType<PlanActivated>()).Version);
        Assert.DoesNotContain(old.OfType<PlanActivated>().Single().Tasks, t => t.Code == "shelter");
        Assert.Equal(1, Assert.Single(old.OfType<PlanStoodDown>()).Version);
        Assert.Equal(2, now.Version);
        Assert.Contains(now.Tasks, t => t.Code == "shelter");
    }

    [Fact]
    public async Task Given_two_nodes_when_a_plan_is_revised_on_one_then_the_other_puts_the_new_version_in_force_and_the_seed_was_written_once()
    {
        await using var nodes = new Nodes();
        var a = await nodes.Start();
        var b = await nodes.Start();
        var heard = new TaskCompletionSource<ContingencyPlan>(TaskCreationOptions.RunContinuationsAsynchronously);
        b.Services.GetRequiredService<PlanLibrary>().Changed += p => { if (p.Code == "urban-flooding") heard.TrySetResult(p); };
        using var admin = a.Client(Login, "en", new Grant(Role.Admin, new Scopes(a).City.Path));
        Assert.Single((await admin.GetJson("/api/plans/urban-flooding/versions")).EnumerateArray());
        var plan = await Current(admin, "urban-flooding");
        plan["name"] = "城市内涝应急预案（修订）";

        using (var revised = await Put(admin, "urban-flooding", plan)) await revised.ShouldBe(HttpStatusCode.OK);

        var inForce = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((2, "城市内涝应急预案（修订）"), (inForce.Version, inForce.Name));
        Assert.Equal(2, b.Services.GetRequiredService<PlanLibrary>().Find("urban-flooding")!.Version);
    }
}
