using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dispatch.Domain.Access;
using Dispatch.Server.Audit;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Open311;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Open311;

/// <summary>
/// Open311 GeoReport v2 over real HTTP on a real server and database: services, a citizen's request filed with a client
/// key (and refused without one), the published requests and their filters, the public status page and the one-time
/// rating link, counted in the KPIs as the citizen callback.
/// </summary>
public sealed partial class Open311Tests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>, IAsyncLifetime
{
    const string Phone = "13912340000", Email = "wang.citizen@example.cn", FirstName = "丽", LastName = "王";
    HttpClient _admin = null!, _dispatcher = null!, _public = null!;
    string _key = "";

    public async Task InitializeAsync()
    {
        var city = app.Services.GetRequiredService<JurisdictionTree>().City.Path;
        _admin = app.Client("o311-admin", "en", new Grant(Role.Admin, city));
        _dispatcher = app.Client();
        _public = app.Anonymous();
        _public.DefaultRequestHeaders.AcceptLanguage.ParseAdd("en");
        _key = await Issue("City app");
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        _dispatcher.Dispose();
        _public.Dispose();
        return Task.CompletedTask;
    }

    async Task<string> Issue(string name)
    {
        using var response = await _admin.PostAsJsonAsync("/api/open311/clients", new { name });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>The specification's POST: form-encoded fields, api_key among them.</summary>
    Task<HttpResponseMessage> Post(Dictionary<string, string> fields, string format = "json") =>
        _public.PostAsync($"/open311/v2/requests.{format}", new FormUrlEncodedContent(fields));

    Dictionary<string, string> Fields(string? key = null, string service = "road-damage") => new()
    {
        ["api_key"] = key ?? _key, ["service_code"] = service,
        ["lat"] = Api.ReportLat.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["long"] = Api.ReportLon.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["address_string"] = "东湖区人民路 128 号", ["description"] = $"人行道砖块松动 {Api.Unique("o")}",
        ["first_name"] = FirstName, ["last_name"] = LastName, ["phone"] = Phone, ["email"] = Email,
        ["account_id"] = "acct-42", ["device_id"] = "dev-1",
    };

    sealed record Filed(string Number, Guid Id, string StatusToken, string Notice);

    async Task<Filed> File(Dictionary<string, string>? fields = null)
    {
        using var response = await Post(fields ?? Fields());
        await response.ShouldBe(HttpStatusCode.OK);
        var answer = (await response.Content.ReadFromJsonAsync<JsonElement>())[0];
        var number = answer.GetProperty("service_request_id").GetString()!;
        var notice = answer.GetProperty("service_notice").GetString()!;
        var token = StatusLink().Match(notice).Groups[1].Value;
        await using var query = app.Documents().QuerySession();
        var card = await query.Query<IncidentCard>().SingleAsync(c => c.Number == number);
        return new(number, card.Id, token, notice);
    }

    [GeneratedRegex("/status/([A-Za-z0-9_-]{43})")]
    private static partial Regex StatusLink();

    [GeneratedRegex("/rate/([A-Za-z0-9_-]{43})")]
    private static partial Regex RatingLink();

    async Task Resolve(Guid id)
    {
        await _dispatcher.CommandOk(id, "accept");
        await _dispatcher.CommandOk(id, "assign", new { department = Steps.Department });
        await _dispatcher.CommandOk(id, "acknowledge", new { department = Steps.Department });
        await _dispatcher.CommandOk(id, "resolve", new { department = Steps.Department, resolution = "已重新铺设，联系人王丽 13912340000" });
    }

    async Task<int> Audited(string action, Guid? incident = null)
    {
        await using var query = app.Documents().QuerySession();
        return await query.Query<AuditEntry>().CountAsync(e => e.Action == action && !e.Allowed && (incident == null || e.IncidentId == incident));
    }

    [Fact]
    public async Task Given_our_categories_when_a_client_lists_services_and_a_definition_then_json_and_xml_follow_the_specification()
    {
        var json = await _public.GetJson("/open311/v2/services.json");
        var road = json.EnumerateArray().Single(s => s.GetProperty("service_code").GetString() == "road-damage");
        Assert.Equal("Road damage", road.GetProperty("service_name").GetString());
        Assert.False(road.GetProperty("metadata").GetBoolean());
        Assert.Equal("realtime", road.GetProperty("type").GetString());
        Assert.Contains("道路破损", road.GetProperty("keywords").GetString());
        Assert.True(road.TryGetProperty("group", out _) && road.TryGetProperty("description", out _));

        using var xmlResponse = await _public.GetAsync("/open311/v2/services.xml");
        await xmlResponse.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("text/xml", xmlResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", xmlResponse.Content.Headers.ContentType?.CharSet);
        var xml = XDocument.Parse(await xmlResponse.Content.ReadAsStringAsync());
        Assert.Equal("services", xml.Root!.Name.LocalName);
        Assert.Equal(json.GetArrayLength(), xml.Root.Elements("service").Count());
        Assert.Contains(xml.Root.Elements("service"), s => s.Element("service_code")!.Value == "road-damage" && s.Element("metadata")!.Value == "false");

        var definition = await _public.GetJson("/open311/v2/services/road-damage.json");
        Assert.Equal("road-damage", definition.GetProperty("service_code").GetString());
        Assert.Equal(0, definition.GetProperty("attributes").GetArrayLength());
        using var definitionXml = await _public.GetAsync("/open311/v2/services/road-damage.xml");
        var root = XDocument.Parse(await definitionXml.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(("service_definition", "road-damage"), (root.Name.LocalName, root.Element("service_code")!.Value));

        using var unknown = await _public.GetAsync("/open311/v2/services/no-such-service.xml");
        await unknown.ShouldBe(HttpStatusCode.NotFound);
        var error = XDocument.Parse(await unknown.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("errors", error.Name.LocalName);
        Assert.Equal("404", error.Element("error")!.Element("code")!.Value);
        Assert.StartsWith("service_code:", error.Element("error")!.Element("description")!.Value);
    }

    [Fact]
    public async Task Given_a_client_key_when_a_citizen_posts_a_request_then_a_web_incident_lands_on_the_town_board_and_its_number_is_answered()
    {
        using var response = await Post(Fields(), "xml");
        await response.ShouldBe(HttpStatusCode.OK);
        var request = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Element("request")!;
        var number = request.Element("service_request_id")!.Value;
        Assert.Equal("acct-42", request.Element("account_id")!.Value);
        Assert.Matches(StatusLink(), request.Element("service_notice")!.Value);

        await using var query = app.Documents().QuerySession();
        var card = await query.Query<IncidentCard>().SingleAsync(c => c.Number == number);
        var detail = await _dispatcher.Detail(card.Id);
        Assert.Equal("web", detail.GetProperty("channel").GetString(), ignoreCase: true);
        Assert.Equal("road-damage", detail.GetProperty("category").GetString());
        // Through the normal intake: the caller's phone kept (masked by the usual rules), the e-mail not kept at all.
        Assert.Equal("王丽", detail.GetProperty("callerName").GetString());
        Assert.Equal(Phone, detail.GetProperty("callerPhone").GetString());
        Assert.DoesNotContain(Email, detail.ToString());
        var scopes = new Scopes(app);
        Assert.Equal(scopes.Town.Code, detail.GetProperty("place").GetProperty("town").GetString());

        using var town = app.Client(Api.Unique("o311-town"), "en", new Grant(Role.Dispatcher, scopes.Town.Path));
        var board = await town.GetJson("/api/board");
        Assert.Contains(board.EnumerateArray(), c => c.GetProperty("number").GetString() == number);
        var audit = await query.Query<AuditEntry>().Where(e => e.Number == number && e.Action == "incident.report").ToListAsync();
        Assert.Equal("open311", Assert.Single(audit).Via);

        // JSON is accepted too, with the same field names.
        using var asJson = await _public.PostAsJsonAsync("/open311/v2/requests.json", new
        {
            api_key = _key, service_code = "street-lighting", address_string = "东湖区人民路 130 号", description = "路灯不亮",
        });
        await asJson.ShouldBe(HttpStatusCode.OK);
        Assert.Matches(@"^\d{8}-\d+$", (await asJson.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("service_request_id").GetString());
    }

    [Fact]
    public async Task Given_no_wrong_or_revoked_key_when_a_request_is_posted_then_it_is_403_in_the_spec_format_audited_and_nothing_is_filed()
    {
        var revoked = await Issue("Old partner app");
        var id = revoked.Split('.')[1];
        using (var revoke = await _admin.DeleteAsync($"/api/open311/clients/{id}"))
            await revoke.ShouldBe(HttpStatusCode.OK);
        var before = await Audited("open311.request");
        await using var query = app.Documents().QuerySession();
        var cards = await query.Query<IncidentCard>().CountAsync();

        var missing = Fields();
        missing.Remove("api_key");
        foreach (var (fields, format) in new[] { (missing, "json"), (Fields("o311.c000000000000.wrong"), "json"), (Fields("nonsense"), "xml"), (Fields(revoked), "json") })
        {
            using var response = await Post(fields, format);
            await response.ShouldBe(HttpStatusCode.Forbidden);
            var body = await response.Content.ReadAsStringAsync();
            if (format == "json")
            {
                var error = JsonDocument.Parse(body).RootElement[0];
                Assert.Equal(403, error.GetProperty("code").GetInt32());
                Assert.StartsWith("api_key:", error.GetProperty("description").GetString());
            }
            else Assert.Equal("403", XDocument.Parse(body).Root!.Element("error")!.Element("code")!.Value);
        }
        Assert.Equal(before + 4, await Audited("open311.request"));
        Assert.Equal(cards, await query.Query<IncidentCard>().CountAsync());
    }

    [Fact]
    public async Task Given_bad_fields_when_a_request_is_posted_then_each_is_named_in_a_400_and_an_unknown_service_is_404()
    {
        var bad = Fields();
        bad["lat"] = "91";
        bad["phone"] = "12345";
        bad["media_url"] = "javascript:alert(1)";
        bad["attribute[WHAT]"] = "x";
        bad["email"] = "not-an-address";
        using var response = await Post(bad);
        await response.ShouldBe(HttpStatusCode.BadRequest);
        var descriptions = (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray()
            .Select(e => (e.GetProperty("code").GetInt32(), e.GetProperty("description").GetString()!)).ToList();
        Assert.All(descriptions, d => Assert.Equal(400, d.Item1));
        foreach (var field in new[] { "lat:", "phone:", "media_url:", "attribute[WHAT]:", "email:" })
            Assert.Contains(descriptions, d => d.Item2.StartsWith(field, StringComparison.Ordinal));

        var nowhere = Fields();
        nowhere.Remove("lat");
        nowhere.Remove("long");
        nowhere.Remove("address_string");
        using var noLocation = await Post(nowhere, "xml");
        await noLocation.ShouldBe(HttpStatusCode.BadRequest);
        Assert.StartsWith("lat:", XDocument.Parse(await noLocation.Content.ReadAsStringAsync()).Root!.Element("error")!.Element("description")!.Value);

        using var unknown = await Post(Fields(service: "no-such-service"));
        await unknown.ShouldBe(HttpStatusCode.NotFound);
        Assert.StartsWith("service_code:", (await unknown.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("description").GetString());
    }

    [Fact]
    public async Task Given_filed_requests_when_a_client_queries_them_then_the_ids_service_status_and_dates_filter()
    {
        var light = await File(Fields(service: "street-lighting"));
        var road = await File();
        await Resolve(road.Id);
        // A hotline incident is not published: Open311 shows the city's online requests.
        var hotline = await _dispatcher.Reported();

        var byIds = await _public.GetJson($"/open311/v2/requests.json?service_request_id={light.Number},{road.Number},{hotline.Number}");
        Assert.Equal([light.Number, road.Number], byIds.EnumerateArray().Select(r => r.GetProperty("service_request_id").GetString()).Order());

        var lights = await _public.GetJson("/open311/v2/requests.json?service_code=street-lighting");
        Assert.Contains(lights.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == light.Number);
        Assert.All(lights.EnumerateArray(), r => Assert.Equal("street-lighting", r.GetProperty("service_code").GetString()));

        var closed = await _public.GetJson("/open311/v2/requests.json?status=closed");
        Assert.Contains(closed.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == road.Number);
        Assert.DoesNotContain(closed.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == light.Number);
        var open = await _public.GetJson("/open311/v2/requests.json?status=open");
        Assert.Contains(open.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == light.Number);
        Assert.All(open.EnumerateArray(), r => Assert.Equal("open", r.GetProperty("status").GetString()));

        var now = app.Time.GetUtcNow();
        var window = await _public.GetJson($"/open311/v2/requests.json?start_date={Uri.EscapeDataString(now.AddHours(-1).ToString("yyyy-MM-ddTHH:mm:ssZ"))}&end_date={Uri.EscapeDataString(now.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ"))}");
        Assert.Contains(window.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == road.Number);
        var before = await _public.GetJson($"/open311/v2/requests.json?end_date={Uri.EscapeDataString(now.AddDays(-1).ToString("yyyy-MM-ddTHH:mm:ssZ"))}");
        Assert.DoesNotContain(before.EnumerateArray(), r => r.GetProperty("service_request_id").GetString() == road.Number);

        using var xml = await _public.GetAsync($"/open311/v2/requests.xml?service_request_id={road.Number}");
        var request = Assert.Single(XDocument.Parse(await xml.Content.ReadAsStringAsync()).Root!.Elements("request"));
        Assert.Equal(("closed", "Urban Management"), (request.Element("status")!.Value, request.Element("agency_responsible")!.Value));

        foreach (var (query, field) in new[] { ("status=pending", "status"), ("start_date=yesterday", "start_date"),
                     ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", "end_date"), ("service_code=nope", "service_code"),
                     ("end_date=2026-01-01T00:00:00", "end_date") })
        {
            using var wrong = await _public.GetAsync($"/open311/v2/requests.json?{query}");
            await wrong.ShouldBe(HttpStatusCode.BadRequest);
            Assert.StartsWith(field + ":", (await wrong.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("description").GetString());
        }
    }

    [Fact]
    public async Task Given_a_filed_request_when_anyone_reads_it_then_it_shows_state_agency_and_place_and_no_personal_data()
    {
        var media = Fields();
        media["media_url"] = "https://photos.example.cn/p/123.jpg";
        var filed = await File(media);
        await _dispatcher.CommandOk(filed.Id, "accept");
        await _dispatcher.CommandOk(filed.Id, "assign", new { department = Steps.Department });

        var one = (await _public.GetJson($"/open311/v2/requests/{filed.Number}.json"))[0];
        Assert.Equal(filed.Number, one.GetProperty("service_request_id").GetString());
        Assert.Equal("open", one.GetProperty("status").GetString());
        Assert.Equal("Assigned to Urban Management.", one.GetProperty("status_notes").GetString());
        Assert.Equal("Urban Management", one.GetProperty("agency_responsible").GetString());
        Assert.Equal("Road damage", one.GetProperty("service_name").GetString());
        Assert.Equal("东湖区人民路 128 号", one.GetProperty("address").GetString());
        Assert.Equal(Api.ReportLat, one.GetProperty("lat").GetDouble());
        Assert.Equal(Api.ReportLon, one.GetProperty("long").GetDouble());
        Assert.Equal("https://photos.example.cn/p/123.jpg", one.GetProperty("media_url").GetString());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$", one.GetProperty("requested_datetime").GetString());
        Assert.Matches(@"\+08:00$", one.GetProperty("updated_datetime").GetString());

        using var xml = await _public.GetAsync($"/open311/v2/requests/{filed.Number}.xml");
        var text = await xml.Content.ReadAsStringAsync();
        foreach (var body in new[] { one.ToString(), text })
        {
            foreach (var personal in new[] { Phone, Email, "王丽", FirstName + LastName, "acct-42", "dev-1", "人行道砖块松动", "test-dispatcher" })
                Assert.DoesNotContain(personal, body);
        }
        Assert.Equal("Urban Management", XDocument.Parse(text).Root!.Element("request")!.Element("agency_responsible")!.Value);

        using var missing = await _public.GetAsync("/open311/v2/requests/20000101-9999.json");
        await missing.ShouldBe(HttpStatusCode.NotFound);
        // A hotline incident is not an Open311 request, even by its number.
        var hotline = await _dispatcher.Reported();
        using var notPublished = await _public.GetAsync($"/open311/v2/requests/{hotline.Number}.json");
        await notPublished.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_a_status_link_when_the_citizen_opens_it_without_signing_in_then_it_shows_the_steps_without_personal_data()
    {
        var filed = await File();
        await Resolve(filed.Id);

        using var page = await _public.GetAsync($"/status/{filed.StatusToken}");
        await page.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("no-store", page.Headers.CacheControl?.ToString());
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(filed.Number, html);
        Assert.Contains("Resolved by Urban Management", html);
        Assert.Contains("Assigned to Urban Management", html);
        Assert.Matches(RatingLink(), html);
        foreach (var personal in new[] { Phone, Email, "王丽", "人行道砖块松动", "test-dispatcher", "已重新铺设" })
            Assert.DoesNotContain(personal, html);

        var wrongBefore = await Audited("open311.status");
        using var wrong = await _public.GetAsync($"/status/{new string('A', 43)}");
        await wrong.ShouldBe(HttpStatusCode.NotFound);
        Assert.Equal(wrongBefore + 1, await Audited("open311.status"));
    }

    [Fact]
    public async Task Given_a_resolved_request_when_the_citizen_rates_it_then_the_callback_is_recorded_once_counted_in_the_kpis_and_the_link_is_then_404()
    {
        var filed = await File();
        await Resolve(filed.Id);
        var html = await (await _public.GetAsync($"/status/{filed.StatusToken}")).Content.ReadAsStringAsync();
        var rating = RatingLink().Match(html).Groups[1].Value;

        var leader = app.Client("o311-leader", "en", new Grant(Role.Leader, app.Services.GetRequiredService<JurisdictionTree>().City.Path));
        var day = Dispatch.Server.Performance.KpiFold.DayOf(app.Time.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).ToString("yyyy-MM-dd");
        async Task<(int Callbacks, double? Average)> Kpi()
        {
            await Marten.Events.TestingExtensions.WaitForNonStaleProjectionDataAsync(app.Documents(), TimeSpan.FromSeconds(60));
            var rows = await leader.GetJson($"/api/kpis?from={day}&to={day}&by=department");
            var row = rows.EnumerateArray().FirstOrDefault(r => r.GetProperty("key").GetString() == Steps.Department);
            return row.ValueKind == JsonValueKind.Undefined ? (0, null)
                : (row.GetProperty("callbacks").GetInt32(), row.GetProperty("averageSatisfaction") is { ValueKind: JsonValueKind.Number } a ? a.GetDouble() : null);
        }
        var before = await Kpi();

        using (var form = await _public.GetAsync($"/rate/{rating}"))
        {
            await form.ShouldBe(HttpStatusCode.OK);
            Assert.Contains("name=\"satisfaction\"", await form.Content.ReadAsStringAsync());
        }
        using (var rated = await _public.PostAsync($"/rate/{rating}",
                   new FormUrlEncodedContent(new Dictionary<string, string> { ["satisfaction"] = "4", ["comment"] = "处理及时" })))
            await rated.ShouldBe(HttpStatusCode.OK);

        var detail = await _dispatcher.Detail(filed.Id);
        Assert.True(detail.GetProperty("callbackRecorded").GetBoolean());
        Assert.Equal(4, detail.GetProperty("satisfaction").GetInt32());
        var after = await Kpi();
        Assert.Equal(before.Callbacks + 1, after.Callbacks);
        // The callback recorded, the centre closes the loop as after a hotline callback.
        await _dispatcher.CommandOk(filed.Id, "close");

        var used = await Audited("open311.rating", filed.Id);
        using (var again = await _public.PostAsync($"/rate/{rating}", new FormUrlEncodedContent(new Dictionary<string, string> { ["satisfaction"] = "1" })))
            await again.ShouldBe(HttpStatusCode.NotFound);
        using (var reopen = await _public.GetAsync($"/rate/{rating}"))
            await reopen.ShouldBe(HttpStatusCode.NotFound);
        Assert.Equal(used + 2, await Audited("open311.rating", filed.Id));
        Assert.Equal(4, (await _dispatcher.Detail(filed.Id)).GetProperty("satisfaction").GetInt32());
        Assert.Equal(after.Callbacks, (await Kpi()).Callbacks);
        Assert.Contains("Thank you: your rating is recorded.", await (await _public.GetAsync($"/status/{filed.StatusToken}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Given_a_request_closed_without_a_callback_when_the_citizen_rates_it_afterwards_then_the_rating_is_recorded()
    {
        var noPhone = Fields();
        noPhone.Remove("phone");
        var filed = await File(noPhone);
        await Resolve(filed.Id);
        await _dispatcher.CommandOk(filed.Id, "close");
        var rating = CitizenCases.RatingToken(filed.StatusToken);
        using (var rated = await _public.PostAsync($"/rate/{rating}", new FormUrlEncodedContent(new Dictionary<string, string> { ["satisfaction"] = "5" })))
            await rated.ShouldBe(HttpStatusCode.OK);
        var detail = await _dispatcher.Detail(filed.Id);
        Assert.Equal(("Closed", 5), (detail.GetProperty("state").GetString()!, detail.GetProperty("satisfaction").GetInt32()));
    }

    [Fact]
    public async Task Given_a_rating_link_when_it_is_expired_wrong_or_not_yet_due_then_it_is_404_and_audited_and_nothing_is_recorded()
    {
        var filed = await File();
        var rating = CitizenCases.RatingToken(filed.StatusToken);
        var audited = await Audited("open311.rating");
        // Not resolved yet: the link does not work.
        using (var early = await _public.GetAsync($"/rate/{rating}"))
            await early.ShouldBe(HttpStatusCode.NotFound);

        await Resolve(filed.Id);
        var lifetime = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Open311Options>>().Value.RatingLinkLifetime;
        app.Time.Advance(lifetime + TimeSpan.FromMinutes(1));
        using (var expired = await _public.GetAsync($"/rate/{rating}"))
            await expired.ShouldBe(HttpStatusCode.NotFound);
        using (var late = await _public.PostAsync($"/rate/{rating}", new FormUrlEncodedContent(new Dictionary<string, string> { ["satisfaction"] = "5" })))
            await late.ShouldBe(HttpStatusCode.NotFound);
        using (var wrong = await _public.PostAsync($"/rate/{new string('x', 43)}", new FormUrlEncodedContent(new Dictionary<string, string> { ["satisfaction"] = "5" })))
            await wrong.ShouldBe(HttpStatusCode.NotFound);
        Assert.Equal(audited + 4, await Audited("open311.rating"));
        // Two weeks on, the morning's sign-in has ended: a fresh one reads the incident.
        using var later = app.Client();
        Assert.False((await later.Detail(filed.Id)).GetProperty("callbackRecorded").GetBoolean());
        Assert.DoesNotMatch(RatingLink(), await (await _public.GetAsync($"/status/{filed.StatusToken}")).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Given_a_dispatcher_when_they_manage_client_keys_then_it_is_403_and_audited_and_keys_are_listed_without_secrets()
    {
        var denied = await Audited("open311.client.issue");
        using var issue = await _dispatcher.PostAsJsonAsync("/api/open311/clients", new { name = "Rogue" });
        await issue.ShouldBe(HttpStatusCode.Forbidden);
        Assert.Equal(denied + 1, await Audited("open311.client.issue"));

        var list = await _admin.GetJson("/api/open311/clients");
        Assert.Contains(list.EnumerateArray(), c => c.GetProperty("name").GetString() == "City app");
        Assert.DoesNotContain(_key, list.ToString());
        Assert.DoesNotContain("keyHash", list.ToString(), StringComparison.OrdinalIgnoreCase);
        await using var query = app.Documents().QuerySession();
        // Kept hashed: the key itself is nowhere in the store.
        Assert.All(await query.Query<Open311Client>().ToListAsync(), c => Assert.NotEqual(_key, c.KeyHash));
        Assert.Contains(await query.Query<Open311Client>().ToListAsync(), c => c.KeyHash == Open311Clients.Hash(_key));

        // The small admin page lists the same clients, and only to a city-wide administrator.
        using var page = await _admin.GetAsync("/admin/open311");
        await page.ShouldBe(HttpStatusCode.OK);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"open311-clients\"", html);
        Assert.Contains("City app", html);
        Assert.DoesNotContain(_key, html);
        using var other = await _dispatcher.GetAsync("/admin/open311");
        var refused = await other.Content.ReadAsStringAsync();
        Assert.Contains("Only a city-wide administrator manages Open311 client keys.", refused);
        Assert.DoesNotContain("City app", refused);
    }
}
