using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Operations;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Operations;

/// <summary>A server on a test clock, so an operation's window can be walked through (before, during, after).</summary>
public sealed class OperationsApp : DispatchApp
{
    public static readonly DateTimeOffset Start = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);

    public OperationsApp() => Clock = new ManualClock(Start);

    public ManualClock Manual => (ManualClock)Clock;
}

/// <summary>
/// Through the real API on real PostgreSQL: an operation declared for an area and a window routes the reports made inside
/// it (its routing, deadlines and desk, tagged), and only those; ending it changes no running deadline; declaring and
/// ending are audited and scoped; bad declarations name their field. Each test works in its own corner of the demo city,
/// so the operations of one test never cover the reports of another.
/// </summary>
public sealed class OperationTests(OperationsApp app) : IClassFixture<OperationsApp>
{
    // Streets of the demo city (Demo/DemoCity.cs), one per test: 东湖区 ×2, 西山区 ×2, 南江区 ×2, 北城区 ×2, 高新区 ×2.
    static readonly GeoPoint[] Points =
    [
        new(31.2304, 121.4737), new(31.2351, 121.4810), new(31.2212, 121.4432), new(31.2260, 121.4501), new(31.2105, 121.4903),
        new(31.2051, 121.4788), new(31.2498, 121.4562), new(31.2456, 121.4620), new(31.1980, 121.5120), new(31.1931, 121.5066),
    ];

    DateTimeOffset Now => app.Clock.GetUtcNow();

    string DistrictOf(GeoPoint p) => app.Services.GetRequiredService<JurisdictionTree>().PlaceOf(p)!.Path.Split('/')[..2] is var parts ? string.Join('/', parts) : "";

    HttpClient LeaderOf(string path, string tag = "lead") => app.Client($"leader-{path.Replace('/', '-')}-{tag}", "en", new Grant(Role.Leader, path));

    /// <summary>A small square (about 300 m across) around <paramref name="p"/>: the operation's drawn area.</summary>
    static JsonArray Square(GeoPoint p, double half = 0.0015) =>
    [
        new JsonObject { ["lat"] = p.Lat - half, ["lon"] = p.Lon - half }, new JsonObject { ["lat"] = p.Lat - half, ["lon"] = p.Lon + half },
        new JsonObject { ["lat"] = p.Lat + half, ["lon"] = p.Lon + half }, new JsonObject { ["lat"] = p.Lat + half, ["lon"] = p.Lon - half },
    ];

    static JsonObject Declaration(string name, JsonNode area, DateTimeOffset from, DateTimeOffset until, string desk) => new()
    {
        ["name"] = name,
        ["area"] = area,
        ["from"] = from,
        ["until"] = until,
        ["desk"] = desk,
        ["routing"] = new JsonObject
        {
            ["minimumLevel"] = "district",
            ["rules"] = new JsonArray(new JsonObject { ["category"] = "elderly-assistance", ["level"] = "city", ["department"] = "health" }),
        },
        ["deadlines"] = new JsonObject { ["acknowledgeMinutes"] = 5, ["resolveMinutes"] = 90 },
    };

    JsonObject Marathon(GeoPoint p, DateTimeOffset from, DateTimeOffset until) =>
        Declaration(Api.Unique("marathon"), new JsonObject { ["polygon"] = Square(p) }, from, until, DistrictOf(p));

    static async Task<Guid> Declared(HttpClient client, JsonObject body)
    {
        using var response = await client.PostRaw("/api/operations", body.ToJsonString());
        await response.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    static JsonObject ReportAt(GeoPoint p, string category = "road-damage")
    {
        var report = Api.Report(category: category);
        report["lat"] = p.Lat;
        report["lon"] = p.Lon;
        return report;
    }

    async Task<Dispatch.Server.Incidents.IncidentCard> Card(Guid id) => (await app.Card(id))!;

    [Fact]
    public async Task Given_a_marathon_in_force_when_reports_arrive_inside_its_route_then_they_follow_its_routing_deadlines_and_desk_and_are_tagged()
    {
        var p = Points[0];
        var desk = DistrictOf(p);
        var body = Marathon(p, Now - TimeSpan.FromMinutes(1), Now + TimeSpan.FromHours(6));
        var operation = await Declared(LeaderOf(desk), body);

        var pothole = await app.Client().ReportOk(ReportAt(p));
        var runner = await app.Client().ReportOk(ReportAt(p, "elderly-assistance"));

        var card = await Card(pothole.Id);
        Assert.Equal((operation, body["name"]!.GetValue<string>()), (card.OperationId!.Value, card.OperationName));
        // Ordinarily a town's pothole: inside the operation it is commanded at its desk, the district command post.
        Assert.Equal((CommandLevel.District, desk), (card.Level, card.CentrePath));
        var routed = Assert.Single((await app.Events(pothole.Id)).Select(e => e.Data).OfType<IncidentRouted>());
        Assert.StartsWith("operation:", routed.Rule);
        var runnerCard = await Card(runner.Id);
        Assert.Equal((CommandLevel.City, "health", operation), (runnerCard.Level, runnerCard.SuggestedDepartment, runnerCard.OperationId!.Value));

        await app.Client().CommandOk(pothole.Id, "accept");
        await app.Client().CommandOk(pothole.Id, "assign", new { department = "urban-management" });
        var assigned = Assert.Single((await app.Events(pothole.Id)).Select(e => e.Data).OfType<IncidentAssigned>());
        Assert.Equal((assigned.At + TimeSpan.FromMinutes(5), assigned.At + TimeSpan.FromMinutes(90)), (assigned.AcknowledgeBy, assigned.ResolveBy));

        var detail = await app.Client().Detail(pothole.Id);
        Assert.Equal(body["name"]!.GetValue<string>(), detail.GetProperty("operationName").GetString());
        Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "InOperation");
        var read = await LeaderOf(desk).GetJson($"/api/operations/{operation}");
        Assert.Equal(("active", 2, 0), (read.GetProperty("state").GetString(), read.GetProperty("openIncidents").GetInt32(), read.GetProperty("closedIncidents").GetInt32()));
    }

    [Fact]
    public async Task Given_an_operation_in_force_when_a_report_lies_outside_its_area_then_it_is_routed_as_ever()
    {
        var inside = Points[2];
        var outside = Points[3];
        await Declared(LeaderOf(DistrictOf(inside)), Marathon(inside, Now - TimeSpan.FromMinutes(1), Now + TimeSpan.FromHours(6)));

        var report = await app.Client().ReportOk(ReportAt(outside));

        var card = await Card(report.Id);
        Assert.Null(card.OperationId);
        Assert.Equal(CommandLevel.Town, card.Level);
        Assert.DoesNotContain((await app.Events(report.Id)).Select(e => e.Data), e => e is IncidentInOperation);
        Assert.Equal("everyday", Assert.Single((await app.Events(report.Id)).Select(e => e.Data).OfType<IncidentRouted>()).Rule);
    }

    [Fact]
    public async Task Given_an_operation_on_sunday_morning_when_reports_arrive_before_during_and_after_its_window_then_only_those_during_it_follow_it()
    {
        var p = Points[4];
        var from = Now + TimeSpan.FromHours(1);
        var until = from + TimeSpan.FromHours(6);
        var operation = await Declared(LeaderOf(DistrictOf(p)), Marathon(p, from, until));

        var before = await app.Client().ReportOk(ReportAt(p));
        app.Manual.Set(from);
        var during = await app.Client().ReportOk(ReportAt(p));
        app.Manual.Set(until);
        var after = await app.Client().ReportOk(ReportAt(p));

        Assert.Equal((null, CommandLevel.Town), ((await Card(before.Id)).OperationId, (await Card(before.Id)).Level));
        Assert.Equal((operation, CommandLevel.District), ((await Card(during.Id)).OperationId!.Value, (await Card(during.Id)).Level));
        Assert.Equal((null, CommandLevel.Town), ((await Card(after.Id)).OperationId, (await Card(after.Id)).Level));
        var read = await LeaderOf(DistrictOf(p)).GetJson($"/api/operations/{operation}");
        Assert.Equal("over", read.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Given_an_assigned_incident_in_an_operation_when_the_operation_is_ended_by_hand_then_its_deadline_stands_and_new_reports_are_ordinary()
    {
        var p = Points[5];
        var desk = DistrictOf(p);
        var operation = await Declared(LeaderOf(desk), Marathon(p, Now - TimeSpan.FromMinutes(1), Now + TimeSpan.FromHours(6)));
        var incident = await app.Client().ReportOk(ReportAt(p));
        await app.Client().CommandOk(incident.Id, "accept");
        await app.Client().CommandOk(incident.Id, "assign", new { department = "urban-management" });
        var due = (await Card(incident.Id)).DeadlineDue;

        app.Manual.Advance(TimeSpan.FromMinutes(1));
        using (var ended = await LeaderOf(desk).PostRaw($"/api/operations/{operation}/end", """{"reason":"比赛提前结束"}"""))
            await ended.ShouldBe(HttpStatusCode.OK);
        var later = await app.Client().ReportOk(ReportAt(p));

        Assert.Equal(due, (await Card(incident.Id)).DeadlineDue);
        Assert.Equal(Assert.Single((await app.Events(incident.Id)).Select(e => e.Data).OfType<IncidentAssigned>()).At + TimeSpan.FromMinutes(5), due);
        Assert.Equal(operation, (await Card(incident.Id)).OperationId);
        Assert.Null((await Card(later.Id)).OperationId);
        var read = await LeaderOf(desk).GetJson($"/api/operations/{operation}");
        Assert.Equal(("ended", "比赛提前结束"), (read.GetProperty("state").GetString(), read.GetProperty("endReason").GetString()));
        using var again = await LeaderOf(desk).PostRaw($"/api/operations/{operation}/end", """{"reason":"again"}""");
        Assert.Equal("operation.ended", (await again.Problem((HttpStatusCode)422)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Given_a_leader_and_a_city_dispatcher_when_they_declare_and_end_then_both_are_on_the_audit_trail_with_who()
    {
        var p = Points[6];
        var desk = DistrictOf(p);
        var leader = LeaderOf(desk, "audited");
        var operation = await Declared(leader, Marathon(p, Now + TimeSpan.FromHours(1), Now + TimeSpan.FromHours(2)));
        var city = app.Client("dispatcher-city-operations", "en", new Grant(Role.Dispatcher, app.Services.GetRequiredService<JurisdictionTree>().City.Path));
        using (var ended = await city.PostRaw($"/api/operations/{operation}/end", """{"reason":"天气原因取消"}"""))
            await ended.ShouldBe(HttpStatusCode.OK);

        var audit = await app.Client("audit-reader-ops", "en", new Grant(Role.Leader, app.Services.GetRequiredService<JurisdictionTree>().City.Path))
            .GetJson("/api/audit?limit=500");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "operation.declare"
            && a.GetProperty("user").GetString() == $"leader-{desk.Replace('/', '-')}-audited" && a.GetProperty("scope").GetString() == desk);
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "operation.end"
            && a.GetProperty("user").GetString() == "dispatcher-city-operations" && a.GetProperty("detail").GetString()!.EndsWith("天气原因取消"));
    }

    [Fact]
    public async Task Given_a_town_dispatcher_or_a_leader_of_another_district_when_they_declare_or_end_then_it_is_forbidden_audited_and_nothing_is_written()
    {
        var p = Points[7];
        var desk = DistrictOf(p);
        var tree = app.Services.GetRequiredService<JurisdictionTree>();
        var town = tree.PlaceOf(p)!.Path.Split('/')[..3] is var parts ? string.Join('/', parts) : "";
        var other = tree.Children(tree.City.Code).First(d => d.Path != desk).Path;
        var townDispatcher = app.Client("dispatcher-town-ops", "en", new Grant(Role.Dispatcher, town));
        var elsewhere = LeaderOf(other, "elsewhere");

        await app.StartsNoStream(async () =>
        {
            using var a = await townDispatcher.PostRaw("/api/operations", Declaration("town", new JsonObject { ["jurisdictions"] = new JsonArray(town) },
                Now, Now + TimeSpan.FromHours(1), town).ToJsonString());
            await a.Problem(HttpStatusCode.Forbidden);
            using var b = await elsewhere.PostRaw("/api/operations", Marathon(p, Now, Now + TimeSpan.FromHours(1)).ToJsonString());
            await b.Problem(HttpStatusCode.Forbidden);
        });
        var operation = await Declared(LeaderOf(desk), Marathon(p, Now + TimeSpan.FromHours(1), Now + TimeSpan.FromHours(2)));
        using (var end = await elsewhere.PostRaw($"/api/operations/{operation}/end", """{"reason":"not mine"}"""))
            await end.Problem(HttpStatusCode.Forbidden);

        Assert.Equal("scheduled", (await LeaderOf(desk).GetJson($"/api/operations/{operation}")).GetProperty("state").GetString());
        var audit = await app.Client("audit-reader-ops2", "en", new Grant(Role.Leader, tree.City.Path)).GetJson("/api/audit?limit=500");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "operation.declare"
            && a.GetProperty("user").GetString() == "dispatcher-town-ops" && !a.GetProperty("allowed").GetBoolean());
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "operation.end"
            && a.GetProperty("user").GetString() == $"leader-{other.Replace('/', '-')}-elsewhere" && !a.GetProperty("allowed").GetBoolean());
    }

    [Theory]
    [InlineData("polygon", "area.polygon")]
    [InlineData("until-before-from", "until")]
    [InlineData("unknown-jurisdiction", "area.jurisdictions[0]")]
    [InlineData("unknown-desk", "desk")]
    [InlineData("bad-level", "routing.rules[0].level")]
    [InlineData("no-name", "name")]
    [InlineData("deadline", "deadlines.acknowledgeMinutes")]
    public async Task Given_a_bad_declaration_when_it_is_sent_then_400_names_the_field_and_nothing_is_written(string fault, string field)
    {
        var p = Points[8];
        var desk = DistrictOf(p);
        var body = Marathon(p, Now, Now + TimeSpan.FromHours(2));
        switch (fault)
        {
            case "polygon": body["area"] = new JsonObject { ["polygon"] = new JsonArray(new JsonObject { ["lat"] = p.Lat, ["lon"] = p.Lon }, new JsonObject { ["lat"] = p.Lat + 0.001, ["lon"] = p.Lon }) }; break;
            case "until-before-from": body["until"] = Now - TimeSpan.FromMinutes(1); break;
            case "unknown-jurisdiction": body["area"] = new JsonObject { ["jurisdictions"] = new JsonArray($"{desk}/nowhere") }; break;
            case "unknown-desk": body["desk"] = "demo/atlantis"; break;
            case "bad-level": body["routing"]!["rules"]![0]!["level"] = "galaxy"; break;
            case "no-name": body["name"] = " "; break;
            case "deadline": body["deadlines"]!["acknowledgeMinutes"] = -5; break;
        }

        await app.StartsNoStream(async () =>
        {
            using var response = await LeaderOf(desk).PostRaw("/api/operations", body.ToJsonString());
            Assert.Contains(field, (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task Given_an_operation_with_units_to_preposition_when_it_is_declared_then_each_unit_is_told_where_to_stand_by()
    {
        var p = Points[9];
        var desk = DistrictOf(p);
        var town = app.Services.GetRequiredService<JurisdictionTree>().PlaceOf(p)!.Town!;
        using var registered = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = "医疗-" + Api.Unique("")[1..6], department = "health", jurisdiction = town,
            capabilities = new[] { "medical" }, members = new[] { "李医生" },
        });
        await registered.ShouldBe(HttpStatusCode.OK);
        var unit = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var body = Marathon(p, Now + TimeSpan.FromHours(1), Now + TimeSpan.FromHours(3));
        body["units"] = new JsonArray(new JsonObject { ["unit"] = unit, ["lat"] = p.Lat, ["lon"] = p.Lon, ["label"] = "起点医疗点" });

        var operation = await Declared(LeaderOf(desk), body);

        var messages = await app.Services.GetRequiredService<Dispatch.Server.Units.UnitMailbox>().Unacknowledged(unit);
        var told = Assert.Single(messages, m => m.Kind == Dispatch.Contracts.UnitMessageKind.Text);
        Assert.Contains("起点医疗点", Assert.IsType<Dispatch.Contracts.DispatcherTextMessage>(told.Read()).Text);
        var read = await LeaderOf(desk).GetJson($"/api/operations/{operation}");
        Assert.Equal(unit, Assert.Single(read.GetProperty("units").EnumerateArray()).GetProperty("unit").GetGuid());
        var active = await LeaderOf(desk).GetJson("/api/operations?active=true");
        Assert.DoesNotContain(active.EnumerateArray(), o => o.GetProperty("id").GetGuid() == operation);
        var all = await LeaderOf(desk).GetJson("/api/operations");
        Assert.Contains(all.EnumerateArray(), o => o.GetProperty("id").GetGuid() == operation && o.GetProperty("state").GetString() == "scheduled");
    }

    [Fact]
    public async Task Given_incidents_reported_in_an_operation_when_the_kpis_are_read_by_operation_then_they_are_counted_for_it_and_no_others()
    {
        var p = Points[1];
        var desk = DistrictOf(p);
        var body = Marathon(p, Now - TimeSpan.FromMinutes(1), Now + TimeSpan.FromHours(6));
        var operation = await Declared(LeaderOf(desk), body);
        var first = await app.Client().ReportOk(ReportAt(p));
        await app.Client().ReportOk(ReportAt(p));
        await app.Client().ReportOk(ReportAt(Points[3]));
        await app.Client().CommandOk(first.Id, "accept");
        await app.Client().CommandOk(first.Id, "assign", new { department = "urban-management" });

        await Marten.Events.TestingExtensions.WaitForNonStaleProjectionDataAsync(app.Documents(), TimeSpan.FromSeconds(60));
        var rows = await LeaderOf(desk, "kpi").GetJson("/api/kpis?by=operation");

        var row = Assert.Single(rows.EnumerateArray(), r => r.GetProperty("key").GetString() == operation.ToString());
        Assert.Equal((body["name"]!.GetValue<string>(), 2), (row.GetProperty("name").GetString(), row.GetProperty("received").GetInt32()));
    }
}
