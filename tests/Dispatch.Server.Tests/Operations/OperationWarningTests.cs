using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Operations;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Tests.Warnings;
using Dispatch.Server.Warnings;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Operations;

/// <summary>
/// An operation's public warning (CAP 1.2), through the real API on real PostgreSQL: declared with the operation in its
/// transaction, over its area, expiring at its until-time; cancelled when it is ended by hand; none when it has none or
/// the declaration is refused. Every message validates against the OASIS schema.
/// </summary>
public sealed class OperationWarningTests(OperationsApp app) : IClassFixture<OperationsApp>
{
    static readonly GeoPoint[] Points = [new(31.2304, 121.4737), new(31.2212, 121.4432), new(31.2105, 121.4903), new(31.2498, 121.4562), new(31.1980, 121.5120)];

    DateTimeOffset Now => app.Clock.GetUtcNow();

    JurisdictionTree Tree => app.Services.GetRequiredService<JurisdictionTree>();

    string DistrictOf(GeoPoint p) => string.Join('/', Tree.PlaceOf(p)!.Path.Split('/')[..2]);

    HttpClient LeaderOf(string path, string tag = "warn") => app.Client($"leader-{path.Replace('/', '-')}-{tag}", "en", new Grant(Role.Leader, path));

    static JsonObject Warning() => new()
    {
        ["category"] = "Transport", ["event"] = "马拉松交通管制", ["urgency"] = "Expected", ["severity"] = "Minor", ["certainty"] = "Likely",
        ["headline"] = "周日上午马拉松赛道沿线交通管制", ["instruction"] = "请提前规划出行，乘坐公共交通。",
    };

    static JsonArray Square(GeoPoint p, double half = 0.0015) =>
    [
        new JsonObject { ["lat"] = p.Lat - half, ["lon"] = p.Lon - half }, new JsonObject { ["lat"] = p.Lat - half, ["lon"] = p.Lon + half },
        new JsonObject { ["lat"] = p.Lat + half, ["lon"] = p.Lon + half }, new JsonObject { ["lat"] = p.Lat + half, ["lon"] = p.Lon - half },
    ];

    JsonObject Marathon(GeoPoint p, JsonObject? warning) => new()
    {
        ["name"] = Api.Unique("marathon"),
        ["area"] = new JsonObject { ["polygon"] = Square(p) },
        ["from"] = Now - TimeSpan.FromMinutes(1),
        ["until"] = Now + TimeSpan.FromHours(6),
        ["desk"] = DistrictOf(p),
        ["warning"] = warning,
    };

    static async Task<Guid> Declared(HttpClient client, JsonObject body)
    {
        using var response = await client.PostRaw("/api/operations", body.ToJsonString());
        await response.ShouldBe(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    async Task<IReadOnlyList<PublicWarning>> WarningsOf(Guid operation)
    {
        await using var query = app.Documents().QuerySession();
        var code = operation.ToString();
        return await query.Query<PublicWarning>().Where(w => w.Source.Kind == "operation" && w.Source.Code == code).OrderBy(w => w.Sent).ToListAsync();
    }

    async Task<int> AllWarnings()
    {
        await using var query = app.Documents().QuerySession();
        return await query.Query<PublicWarning>().CountAsync();
    }

    async Task<XDocument> Alert(string identifier)
    {
        using var anonymous = app.Anonymous();
        using var response = await anonymous.GetAsync($"/warnings/cap/{identifier}.xml");
        await response.ShouldBe(HttpStatusCode.OK);
        return CapSchema.Validate(await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The PostgreSQL transaction that inserted a row (xmin): two rows written together share it.</summary>
    async Task<string> Transaction(string sql, object id)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = id } } };
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Given_an_operation_declared_with_a_warning_then_one_valid_CAP_alert_over_its_polygon_expiring_at_its_until_is_recorded_in_its_transaction()
    {
        var p = Points[0];
        var body = Marathon(p, Warning());
        var operation = await Declared(LeaderOf(DistrictOf(p)), body);

        var issued = Assert.Single(await WarningsOf(operation));
        Assert.Equal(("Alert", DistrictOf(p)), (issued.MsgType, issued.Source.Scope));
        Assert.Equal(
            await Transaction("select xmin::text from dispatch.mt_events where stream_id = $1 and version = 1", operation),
            await Transaction("select xmin::text from dispatch.mt_doc_publicwarning where id = $1", issued.Id));
        var alert = await Alert(issued.Id);
        Assert.Equal(("Alert", "Transport", "马拉松交通管制", "Minor", "Expected", "Likely"), (alert.Value("msgType"), alert.Value("category"),
            alert.Value("event"), alert.Value("severity"), alert.Value("urgency"), alert.Value("certainty")));
        Assert.Equal(("周日上午马拉松赛道沿线交通管制", "请提前规划出行，乘坐公共交通。"), (alert.Value("headline"), alert.Value("instruction")));
        var until = body["until"]!.GetValue<DateTimeOffset>();
        Assert.Equal(until, DateTimeOffset.Parse(alert.Value("expires"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.EndsWith("+08:00", alert.Value("expires"));
        // The drawn square, closed: five "lat,lon" points, the first repeated last.
        var polygon = Assert.Single(alert.Descendants(CapSchema.Cap + "polygon")).Value.Split(' ');
        Assert.Equal(5, polygon.Length);
        Assert.Equal(polygon[0], polygon[^1]);
        var corner = polygon[0].Split(',').Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal((p.Lat - 0.0015, p.Lon - 0.0015), (corner[0], corner[1]));
        Assert.Contains(body["name"]!.GetValue<string>(), alert.Value("areaDesc"));
    }

    [Fact]
    public async Task Given_an_operation_over_jurisdictions_when_it_warns_then_the_area_is_their_boundaries_and_names()
    {
        var p = Points[1];
        var district = DistrictOf(p);
        var towns = Tree.Children(district.Split('/')[^1]).Take(2).ToList();
        var body = Marathon(p, Warning());
        body["area"] = new JsonObject { ["jurisdictions"] = new JsonArray([.. towns.Select(t => (JsonNode)t.Path)]) };

        var operation = await Declared(LeaderOf(district), body);

        var alert = await Alert(Assert.Single(await WarningsOf(operation)).Id);
        Assert.Equal(towns.Sum(t => t.Boundary.NumGeometries), alert.Descendants(CapSchema.Cap + "polygon").Count());
        Assert.All(towns, t => Assert.Contains(t.Name, alert.Value("areaDesc")));
    }

    [Fact]
    public async Task Given_a_warning_out_when_it_is_updated_and_the_operation_is_ended_by_hand_then_the_cancel_references_both_and_the_feed_lists_them()
    {
        var p = Points[2];
        var desk = DistrictOf(p);
        var operation = await Declared(LeaderOf(desk), Marathon(p, Warning()));
        var alert = Assert.Single(await WarningsOf(operation));

        app.Manual.Advance(TimeSpan.FromMinutes(1));
        using (var updated = await LeaderOf(desk).PostAsJsonAsync($"/api/warnings/{alert.Id}/update", new { headline = "马拉松赛道管制延长至中午", reason = "赛事延时" }))
            await updated.ShouldBe(HttpStatusCode.OK);
        app.Manual.Advance(TimeSpan.FromMinutes(1));
        using (var ended = await LeaderOf(desk).PostRaw($"/api/operations/{operation}/end", """{"reason":"比赛提前结束"}"""))
            await ended.ShouldBe(HttpStatusCode.OK);

        var series = await WarningsOf(operation);
        Assert.Equal(["Alert", "Update", "Cancel"], series.Select(w => w.MsgType));
        var ending = (await app.Events(operation)).Single(e => e.Data is OperationEnded);
        Assert.Equal(
            await Transaction("select xmin::text from dispatch.mt_events where stream_id = $1 and version = 2", operation),
            await Transaction("select xmin::text from dispatch.mt_doc_publicwarning where id = $1", series[2].Id));
        Assert.Equal(2, ending.Version);
        var update = await Alert(series[1].Id);
        var cancel = await Alert(series[2].Id);
        Assert.Equal((alert.Reference, "马拉松赛道管制延长至中午"), (update.Value("references"), update.Value("headline")));
        Assert.Equal(("Cancel", $"{alert.Reference} {series[1].Reference}", "AllClear"),
            (cancel.Value("msgType"), cancel.Value("references"), cancel.Value("responseType")));
        Assert.DoesNotContain("比赛提前结束", cancel.ToString());

        using var anonymous = app.Anonymous();
        using var feed = await anonymous.GetAsync("/warnings/feed.atom");
        await feed.ShouldBe(HttpStatusCode.OK);
        XNamespace atom = "http://www.w3.org/2005/Atom";
        var ids = XDocument.Parse(await feed.Content.ReadAsStringAsync()).Root!.Elements(atom + "entry").Select(e => e.Element(atom + "id")!.Value).ToList();
        Assert.All(series, w => Assert.Contains(ids, id => id.EndsWith(w.Id, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Given_no_warning_or_a_refused_declaration_when_declared_or_ended_then_no_alert_is_recorded()
    {
        var p = Points[3];
        var desk = DistrictOf(p);
        var before = await AllWarnings();

        var plain = await Declared(LeaderOf(desk), Marathon(p, warning: null));
        using (var ended = await LeaderOf(desk).PostRaw($"/api/operations/{plain}/end", """{"reason":"取消"}"""))
            await ended.ShouldBe(HttpStatusCode.OK);
        var other = Tree.Children(Tree.City.Code).First(d => d.Path != desk).Path;
        await app.StartsNoStream(async () =>
        {
            using var forbidden = await LeaderOf(other, "elsewhere").PostRaw("/api/operations", Marathon(p, Warning()).ToJsonString());
            await forbidden.Problem(HttpStatusCode.Forbidden);
            var invalid = Marathon(p, Warning());
            invalid["until"] = Now - TimeSpan.FromHours(1);
            using var bad = await LeaderOf(desk).PostRaw("/api/operations", invalid.ToJsonString());
            Assert.Contains("until", (await bad.FieldErrors()).Keys);
        });

        Assert.Equal(before, await AllWarnings());
        Assert.Empty(await WarningsOf(plain));
    }

    [Theory]
    [InlineData("severity", "Bad", "warning.severity")]
    [InlineData("urgency", "soon", "warning.urgency")]
    [InlineData("certainty", "", "warning.certainty")]
    [InlineData("category", "Weather", "warning.category")]
    [InlineData("headline", " ", "warning.headline")]
    [InlineData("event", null, "warning.event")]
    [InlineData("instruction", "a\u0000b", "warning.instruction")]
    public async Task Given_a_bad_warning_value_when_an_operation_is_declared_then_400_names_the_field_and_nothing_is_written(
        string field, string? value, string named)
    {
        var p = Points[4];
        var warning = Warning();
        warning[field] = value;
        var before = await AllWarnings();

        await app.StartsNoStream(async () =>
        {
            using var response = await LeaderOf(DistrictOf(p)).PostRaw("/api/operations", Marathon(p, warning).ToJsonString());
            Assert.Contains(named, (await response.FieldErrors()).Keys);
        });
        Assert.Equal(before, await AllWarnings());
    }
}
