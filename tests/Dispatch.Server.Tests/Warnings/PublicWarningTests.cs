using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Warnings;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Warnings;

/// <summary>
/// Public warnings in CAP 1.2: the plan's activation issues the alert in its own transaction, an update and the stand-down
/// follow it, an operation issues one through the same API; every message validates against the OASIS schema, the Atom
/// feed is well formed and carries no caller's details.
/// </summary>
public class PublicWarningTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static readonly XNamespace Atom = "http://www.w3.org/2005/Atom";

    static System.Text.Json.Nodes.JsonObject Explosion(string token) =>
        Api.Report($"小区楼道燃气爆炸，有人受伤 {token}", category: "gas-leak", urgency: 4, callerPhone: "138-1234-5678");

    async Task<IReadOnlyList<PublicWarning>> WarningsOf(Guid incident)
    {
        await using var query = app.Documents().QuerySession();
        return await query.Query<PublicWarning>().Where(w => w.Source.IncidentId == incident).OrderBy(w => w.Sent).ToListAsync();
    }

    async Task<(HttpResponseMessage Response, XDocument Alert)> Alert(string identifier)
    {
        using var anonymous = app.Anonymous();
        var response = await anonymous.GetAsync($"/warnings/cap/{identifier}.xml");
        await response.ShouldBe(HttpStatusCode.OK);
        return (response, CapSchema.Validate(await response.Content.ReadAsByteArrayAsync()));
    }

    async Task<Guid> Activated(string token)
    {
        var incident = await app.Client().ReportOk(Explosion(token));
        await app.Client().CommandOk(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "现场确认爆炸" });
        return incident.Id;
    }

    [Fact]
    public async Task Given_a_plan_with_a_warning_when_it_is_activated_then_one_valid_CAP_alert_is_recorded_with_the_activation()
    {
        var scopes = new Scopes(app);
        var id = await Activated(Api.Unique("a"));

        var issued = Assert.Single(await WarningsOf(id));
        var events = await app.Events(id);
        var activated = events.Single(e => e.Data is PlanActivated);
        var recorded = events.Single(e => e.Data is PublicWarningIssued);
        // One transaction: the warning's event follows the activation's in the same append, the message beside it.
        Assert.Equal(activated.Version + 1, recorded.Version);
        Assert.Equal(issued.Id, ((PublicWarningIssued)recorded.Data).Identifier);
        var (response, alert) = await Alert(issued.Id);
        Assert.Equal("application/cap+xml", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("immutable", response.Headers.CacheControl!.ToString());
        Assert.Equal((issued.Id, "Alert", "Actual", "Public"), (alert.Value("identifier"), alert.Value("msgType"), alert.Value("status"), alert.Value("scope")));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", alert.Value("sent"));
        Assert.Equal(("zh-CN", "Fire", "燃气爆炸", "Severe", "Immediate", "Observed"), (alert.Value("language"), alert.Value("category"),
            alert.Value("event"), alert.Value("severity"), alert.Value("urgency"), alert.Value("certainty")));
        Assert.Equal("燃气爆炸事故，请远离现场", alert.Value("headline"));
        Assert.Contains(scopes.Town.Name, alert.Value("areaDesc"));
        Assert.NotEmpty(alert.Descendants(CapSchema.Cap + "polygon"));
        Assert.Empty(alert.Descendants(CapSchema.Cap + "references"));
        using var again = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/warnings/cap/{issued.Id}.xml");
        request.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var cached = await again.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    [Fact]
    public async Task Given_an_activation_refused_or_forbidden_when_it_is_tried_then_no_further_alert_is_recorded()
    {
        var scopes = new Scopes(app);
        var id = await Activated(Api.Unique("r"));
        using (var second = await app.Client().Command(id, "activate-plan", new { plan = "gas-explosion", reason = "再次启动" }))
            Assert.Equal("plan.running", (await second.Problem((HttpStatusCode)422)).GetProperty("code").GetString());

        var other = await app.Client().ReportOk(Explosion(Api.Unique("f")));
        await app.Client().CommandOk(other.Id, "delegate", new { reason = "先由镇处置" });
        await app.Client().CommandOk(other.Id, "delegate", new { reason = "先由镇处置" });
        using (var town = await scopes.As(app, Role.Dispatcher, Where.Town, tag: "warn-town").Command(other.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" }))
            await town.Problem(HttpStatusCode.Forbidden);

        Assert.Single(await WarningsOf(id));
        Assert.Single((await app.Events(id)).Select(e => e.Data).OfType<PublicWarningIssued>());
        Assert.Empty(await WarningsOf(other.Id));
    }

    [Fact]
    public async Task Given_a_warning_out_when_it_is_updated_and_the_plan_stands_down_then_update_and_cancel_reference_it_and_validate()
    {
        var scopes = new Scopes(app);
        var id = await Activated(Api.Unique("u"));
        var alert = Assert.Single(await WarningsOf(id));

        using (var outside = await scopes.As(app, Role.Dispatcher, Where.OtherDistrict, tag: "warn-out")
                   .PostAsJsonAsync($"/api/warnings/{alert.Id}/update", new { headline = "x", reason = "y" }))
            await outside.Problem(HttpStatusCode.Forbidden);
        using (var updated = await app.Client().PostAsJsonAsync($"/api/warnings/{alert.Id}/update",
                   new { headline = "燃气爆炸事故，警戒区扩大至周边两个街区", reason = "现场指挥部要求扩大警戒" }))
            await updated.ShouldBe(HttpStatusCode.OK);
        await app.Client().CommandOk(id, "stand-down", new { reason = "险情消除" });
        using (var late = await app.Client().PostAsJsonAsync($"/api/warnings/{alert.Id}/update", new { headline = "x", reason = "y" }))
            Assert.Equal("warning.cancelled", (await late.Problem((HttpStatusCode)422)).GetProperty("code").GetString());

        var series = await WarningsOf(id);
        Assert.Equal(["Alert", "Update", "Cancel"], series.Select(w => w.MsgType));
        var (_, update) = await Alert(series[1].Id);
        var (_, cancel) = await Alert(series[2].Id);
        Assert.Equal(("Update", alert.Reference), (update.Value("msgType"), update.Value("references")));
        Assert.Equal("燃气爆炸事故，警戒区扩大至周边两个街区", update.Value("headline"));
        Assert.Equal(("Cancel", $"{alert.Reference} {series[1].Reference}"), (cancel.Value("msgType"), cancel.Value("references")));
        Assert.Matches(@"^\S+,\S+,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$", alert.Reference);
        // The reasons stay in the console.
        Assert.DoesNotContain("险情消除", cancel.ToString());
        Assert.DoesNotContain("现场指挥部要求", update.ToString());
        var audit = await scopes.As(app, Role.Leader, Where.City, tag: "warn-audit").GetJson($"/api/audit?incident={id}");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "warning.alert");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "warning.cancel");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "warning.update"
            && a.GetProperty("allowed").GetBoolean() == false);
    }

    [Fact]
    public async Task Given_a_warning_out_when_the_incident_is_cancelled_then_the_warning_is_cancelled_with_it()
    {
        var id = await Activated(Api.Unique("c"));

        await app.Client().CommandOk(id, "cancel", new { reason = "invalid", note = "误报" });

        var series = await WarningsOf(id);
        Assert.Equal(["Alert", "Cancel"], series.Select(w => w.MsgType));
        var (_, cancel) = await Alert(series[1].Id);
        Assert.Equal(series[0].Reference, cancel.Value("references"));
    }

    [Fact]
    public async Task Given_an_operation_when_it_issues_a_warning_without_a_polygon_then_the_alert_is_valid_with_only_its_area_description()
    {
        var warnings = app.Services.GetRequiredService<PublicWarnings>();
        var pipeline = app.Services.GetRequiredService<CommandPipeline>();
        var city = new Scopes(app).City.Path;

        var identifier = await pipeline.Run(CommandPipeline.System, Via.System, "warning.issue", work =>
        {
            var effects = warnings.Issue(work, WarningSource.Operation("marathon", city),
                new WarningText("Transport", "马拉松交通管制", "Expected", "Minor", "Likely", "周日上午马拉松赛道沿线交通管制",
                    "城市马拉松比赛期间部分道路封闭。", "请提前规划出行，乘坐公共交通。"), new WarningArea("马拉松赛道沿线", []));
            var id = ((PublicWarning)effects.OfType<StoreDocument>().Single().Document).Id;
            return Task.FromResult(Decided.With(effects, _ => id));
        });

        var (_, alert) = await Alert(identifier);
        Assert.Equal(("马拉松赛道沿线", "Transport"), (alert.Value("areaDesc"), alert.Value("category")));
        Assert.Empty(alert.Descendants(CapSchema.Cap + "polygon"));
    }

    [Fact]
    public async Task Given_warnings_issued_when_the_feed_is_read_then_it_is_Atom_newest_first_linking_each_alert_with_no_caller_details()
    {
        var token = Api.Unique("p");
        var id = await Activated(token);
        await app.Client().CommandOk(id, "stand-down", new { reason = "险情消除" });
        var series = await WarningsOf(id);

        using var anonymous = app.Anonymous();
        using var response = await anonymous.GetAsync("/warnings/feed.atom");
        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("application/atom+xml", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var feed = XDocument.Parse(text).Root!;

        Assert.Equal(Atom + "feed", feed.Name);
        Assert.False(string.IsNullOrWhiteSpace(feed.Element(Atom + "id")?.Value));
        Assert.False(string.IsNullOrWhiteSpace(feed.Element(Atom + "title")?.Value));
        var entries = feed.Elements(Atom + "entry").ToList();
        var updated = entries.Select(e => DateTimeOffset.Parse(e.Element(Atom + "updated")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(updated.OrderByDescending(u => u), updated);
        Assert.Equal(DateTimeOffset.Parse(feed.Element(Atom + "updated")!.Value, System.Globalization.CultureInfo.InvariantCulture), updated[0]);
        Assert.Equal(entries.Count, entries.Select(e => e.Element(Atom + "id")!.Value).Distinct().Count());
        var original = entries.Single(e => e.Element(Atom + "id")!.Value.EndsWith(series[0].Id, StringComparison.Ordinal));
        Assert.StartsWith("[已解除 Cancelled]", original.Element(Atom + "title")!.Value);
        var link = original.Elements(Atom + "link").Single(l => (string?)l.Attribute("rel") == "alternate");
        Assert.Equal("application/cap+xml", (string?)link.Attribute("type"));
        var href = new Uri((string)link.Attribute("href")!);
        Assert.True(href.IsAbsoluteUri);
        using (var linked = await anonymous.GetAsync(href.PathAndQuery))
            CapSchema.Validate(await linked.Content.ReadAsByteArrayAsync());
        // Public: never the caller's name or number, never the incident's own words.
        Assert.DoesNotContain("王女士", text);
        Assert.DoesNotContain("1234", text);
        Assert.DoesNotContain(token, text);
        Assert.DoesNotContain("有人受伤", text);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/warnings/feed.atom");
        request.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        using var cached = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, cached.StatusCode);
    }

    [Fact]
    public async Task Given_the_console_list_when_a_dispatcher_and_a_handler_ask_then_the_dispatcher_sees_the_series_and_the_handler_is_refused_and_audited()
    {
        var scopes = new Scopes(app);
        var id = await Activated(Api.Unique("l"));

        var list = await scopes.As(app, Role.Dispatcher, Where.City, tag: "warn-list").GetJson($"/api/warnings?incident={id}");
        using var handler = await scopes.As(app, Role.Handler, Where.City, department: "fire", tag: "warn-list").GetAsync("/api/warnings");

        var shown = Assert.Single(list.EnumerateArray());
        Assert.Equal(("Alert", true, "gas-explosion"), (shown.GetProperty("msgType").GetString(), shown.GetProperty("live").GetBoolean(),
            shown.GetProperty("sourceCode").GetString()));
        await handler.Problem(HttpStatusCode.Forbidden);
        var audit = await scopes.As(app, Role.Leader, Where.City, tag: "warn-audit2").GetJson(
            $"/api/audit?user={Scopes.Login(Role.Handler, Where.City, "fire", "warn-list")}");
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "warning.read" && !a.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Given_hostile_input_when_the_warning_endpoints_are_called_then_each_answers_4xx_and_nothing_is_written()
    {
        var id = await Activated(Api.Unique("h"));
        var alert = Assert.Single(await WarningsOf(id));
        var before = (await app.Events(id)).Count;
        using var anonymous = app.Anonymous();
        using var client = app.Client();

        foreach (var identifier in new[] { "nope", "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", new string('a', 5000), "%E7%81%AB", "a%20b", "'%3B--" })
        {
            using var answer = await anonymous.GetAsync($"/warnings/cap/{identifier}.xml");
            Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode);
        }
        using (var feed = await anonymous.GetAsync("/warnings/feed.atom?x=%00%FF&updated=-1"))
            Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        using (var list = await client.GetAsync("/api/warnings?incident=not-a-guid"))
            Assert.True((int)list.StatusCode is >= 400 and < 500);
        using (var anonymousList = await anonymous.GetAsync("/api/warnings"))
            Assert.True((int)anonymousList.StatusCode is 401 or 403 or 302);
        string[] bodies = ["", "null", "[]", "{", "{\"headline\":5}", "{\"headline\":\"\",\"reason\":\"\"}",
            $"{{\"headline\":\"{new string('x', 600)}\",\"reason\":\"r\"}}", "{\"headline\":\"a\u0000b\",\"reason\":\"r\"}"];
        foreach (var body in bodies)
        {
            using var answer = await client.PostAsync($"/api/warnings/{alert.Id}/update", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.True((int)answer.StatusCode is >= 400 and < 500, $"{body}: {answer.StatusCode}");
        }
        using (var unknown = await client.PostAsJsonAsync("/api/warnings/no-such-warning/update", new { headline = "x", reason = "y" }))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        using (var weird = await client.PostAsJsonAsync("/api/warnings/%3Cx%3E/update", new { headline = "x", reason = "y" }))
            Assert.Equal(HttpStatusCode.NotFound, weird.StatusCode);
        using (var xml = await client.PostAsync($"/api/warnings/{alert.Id}/update", new StringContent("<a/>", Encoding.UTF8, "application/xml")))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, xml.StatusCode);

        Assert.Equal(before, (await app.Events(id)).Count);
        Assert.Single(await WarningsOf(id));
        Assert.Empty(app.ServerErrors.All);
    }

    [Fact]
    public void Given_an_alert_with_a_UTC_time_when_validated_then_the_schema_refuses_it()
    {
        var bad = Encoding.UTF8.GetBytes("""
            <alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier><sender>s</sender>
            <sent>2026-12-05T10:43:00Z</sent><status>Actual</status><msgType>Alert</msgType><scope>Public</scope></alert>
            """);

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => CapSchema.Validate(bad));
    }
}
