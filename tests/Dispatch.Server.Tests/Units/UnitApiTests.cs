using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Units;

/// <summary>Units through the real API on real PostgreSQL: registration, the status machine, double booking, thinning.</summary>
public class UnitApiTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static Task<HttpResponseMessage> Send(HttpClient client, Guid unit, string action, object? body = null) =>
        client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));

    static async Task<long> SendOk(HttpClient client, Guid unit, string action, object? body = null)
    {
        using var response = await Send(client, unit, action, body);
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
    }

    async Task<Guid> Registered(HttpClient client, string callSign, string jurisdiction)
    {
        using var response = await client.PostAsJsonAsync("/api/units", new
        {
            callSign, department = "urban-management", jurisdiction, capabilities = new[] { "enforcement" }, members = new[] { "王强", "李明" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    static async Task<JsonElement> Roster(HttpClient client, Guid id) =>
        (await client.GetJson("/api/units")).EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == id);

    [Fact]
    public async Task A_unit_goes_on_duty_is_sent_goes_arrives_and_is_released_each_step_on_the_roster()
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var unit = await Registered(dispatcher, "东湖-城管-01", scopes.Town.Code);
        var incident = await dispatcher.Assigned();
        Assert.Equal("OffDuty", (await Roster(dispatcher, unit)).GetProperty("status").GetString());

        await SendOk(dispatcher, unit, "on-duty");
        await SendOk(dispatcher, unit, "dispatch", new { incidentId = incident.Id });
        var sent = await Roster(dispatcher, unit);
        Assert.Equal(("Dispatched", incident.Number), (sent.GetProperty("status").GetString(), sent.GetProperty("incidentNumber").GetString()));
        await SendOk(dispatcher, unit, "accept-and-go");
        await SendOk(dispatcher, unit, "on-scene");
        await SendOk(dispatcher, unit, "release", new { incidentId = incident.Id });

        var free = await Roster(dispatcher, unit);
        Assert.Equal("Available", free.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, free.GetProperty("incidentId").ValueKind);
    }

    [Fact]
    public async Task An_illegal_move_is_refused_naming_the_unit_and_its_status_and_writes_nothing()
    {
        var scopes = new Scopes(app);
        var unit = await Registered(app.Client(), "东湖-城管-02", scopes.Town.Code);
        var before = (await Roster(app.Client(), unit)).GetProperty("version").GetInt64();

        using var response = await Send(app.Client(), unit, "on-scene");

        var detail = await response.Refusal("on-scene.not-en-route");
        Assert.Contains("东湖-城管-02", detail);
        Assert.Equal(before, (await Roster(app.Client(), unit)).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Two_dispatchers_sending_the_same_unit_at_once_one_succeeds_and_the_other_is_told_where_it_went()
    {
        var scopes = new Scopes(app);
        var unit = await Registered(app.Client(), "东湖-城管-03", scopes.Town.Code);
        await SendOk(app.Client(), unit, "on-duty");
        var first = await app.Client().Assigned();
        var second = await app.Client().Assigned();
        var (alice, bob) = (app.Client("unit-dispatcher-alice"), app.Client("unit-dispatcher-bob"));

        var answers = await Task.WhenAll(Send(alice, unit, "dispatch", new { incidentId = first.Id }), Send(bob, unit, "dispatch", new { incidentId = second.Id }));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        var refused = Assert.Single(answers, a => a.StatusCode == HttpStatusCode.UnprocessableEntity);
        var detail = await refused.Refusal("dispatch.double-booked");
        var winner = (await Roster(app.Client(), unit)).GetProperty("incidentNumber").GetString()!;
        Assert.Contains(winner, detail);
        Assert.Contains(winner, new[] { first.Number, second.Number });
        foreach (var answer in answers) answer.Dispose();
    }

    [Fact]
    public async Task A_position_is_telemetry_it_writes_no_event_and_the_roster_shows_the_latest_fix()
    {
        var scopes = new Scopes(app);
        var unit = await Registered(app.Client(), "东湖-城管-04", scopes.Town.Code);
        await SendOk(app.Client(), unit, "on-duty");
        var at = DateTimeOffset.UtcNow;

        var kept = await SendOk(app.Client(), unit, "position", new { lat = 31.2304, lon = 121.4737, accuracy = 8, reportedAt = at });
        var thinned = await SendOk(app.Client(), unit, "position", new { lat = 31.23041, lon = 121.47371, accuracy = 8, reportedAt = at.AddSeconds(5) });
        using var bad = await Send(app.Client(), unit, "position", new { lat = 91.0, lon = 121.47, accuracy = 8, reportedAt = at.AddSeconds(10) });

        // Issue 15: no event per fix (the stream's version does not move), and the roster shows the newest fix.
        Assert.Equal(kept, thinned);
        await bad.Refusal("position.lat");
        var roster = await Roster(app.Client(), unit);
        Assert.Equal(31.23041, roster.GetProperty("lat").GetDouble());
        Assert.DoesNotContain(await app.Events(unit), e => e.Data is Dispatch.Domain.Units.UnitPositionReported);
    }

    [Fact]
    public async Task Units_are_registered_and_sent_only_within_the_dispatchers_jurisdiction()
    {
        var scopes = new Scopes(app);
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "units");
        var neighbour = scopes.As(app, Role.Dispatcher, Where.OtherTown, tag: "units");
        var unit = await Registered(town, "东湖-城管-05", scopes.Town.Code);

        using var outside = await neighbour.PostAsJsonAsync("/api/units", new { callSign = "越界", department = "urban-management", jurisdiction = scopes.Town.Code });
        using var sendOther = await Send(neighbour, unit, "on-duty");
        using var unknown = await town.PostAsJsonAsync("/api/units", new { callSign = "x", department = "urban-management", jurisdiction = "nowhere" });

        await outside.Problem(HttpStatusCode.Forbidden);
        await sendOther.Problem(HttpStatusCode.Forbidden);
        Assert.Contains("jurisdiction", (await unknown.FieldErrors()).Keys);
        Assert.DoesNotContain((await neighbour.GetJson("/api/units")).EnumerateArray(), u => u.GetProperty("id").GetGuid() == unit);
    }

    [Fact]
    public async Task Cancelling_an_incident_releases_the_units_sent_to_it_in_the_same_commit()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Assigned();
        var units = new[] { await Registered(app.Client(), "东湖-城管-06", scopes.Town.Code), await Registered(app.Client(), "东湖-城管-07", scopes.Town.Code) };
        foreach (var unit in units)
        {
            await SendOk(app.Client(), unit, "on-duty");
            await SendOk(app.Client(), unit, "dispatch", new { incidentId = incident.Id });
        }
        await SendOk(app.Client(), units[1], "accept-and-go");

        await app.Client().CommandOk(incident.Id, "cancel", new { reason = "invalid", note = "误报" });

        foreach (var unit in units)
        {
            var entry = await Roster(app.Client(), unit);
            Assert.Equal("Available", entry.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, entry.GetProperty("incidentNumber").ValueKind);
            Assert.IsType<Dispatch.Domain.Units.UnitAvailable>((await app.Events(unit))[^1].Data);
        }
    }

    [Fact]
    public async Task Recommendations_list_free_capable_units_nearest_first_and_say_why_the_others_are_left_out()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Assigned();
        var now = DateTimeOffset.UtcNow;
        async Task<Guid> At(string callSign, double lat, double lon, TimeSpan age, string capability = "enforcement")
        {
            using var response = await app.Client().PostAsJsonAsync("/api/units", new
            {
                callSign, department = "urban-management", jurisdiction = scopes.Town.Code, capabilities = new[] { capability }, members = new[] { "队员" },
            });
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            await SendOk(app.Client(), id, "on-duty");
            await SendOk(app.Client(), id, "position", new { lat, lon, accuracy = 10, reportedAt = now - age });
            return id;
        }
        var far = await At("推荐-远", Api.ReportLat + 0.01, Api.ReportLon, TimeSpan.FromMinutes(1));
        var near = await At("推荐-近", Api.ReportLat + 0.001, Api.ReportLon, TimeSpan.FromMinutes(1));
        var stale = await At("推荐-旧", Api.ReportLat, Api.ReportLon, TimeSpan.FromMinutes(30));
        var medic = await At("推荐-医", Api.ReportLat, Api.ReportLon, TimeSpan.FromMinutes(1), capability: "medic");
        var busy = await At("推荐-忙", Api.ReportLat, Api.ReportLon, TimeSpan.FromMinutes(1));
        var other = await app.Client().Assigned();
        await SendOk(app.Client(), busy, "dispatch", new { incidentId = other.Id });

        var answer = await app.Client().GetJson($"/api/incidents/{incident.Id}/units?capability=enforcement&staleMinutes=10");

        var proposed = answer.GetProperty("proposed").EnumerateArray().Where(p => p.GetProperty("callSign").GetString()!.StartsWith("推荐")).ToList();
        Assert.Equal([near, far], proposed.Select(p => p.GetProperty("id").GetGuid()));
        Assert.InRange(proposed[0].GetProperty("distanceMeters").GetDouble(), 100, 125);
        var leftOut = answer.GetProperty("leftOut").EnumerateArray().ToDictionary(l => l.GetProperty("id").GetGuid(), l => l.GetProperty("reason").GetString()!);
        Assert.Contains("stale", leftOut[stale]);
        Assert.Equal("no enforcement", leftOut[medic]);
        Assert.Contains(other.Number, leftOut[busy]);
    }

    [Fact]
    public async Task A_command_body_streamed_without_a_length_is_read_like_any_other()
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var unit = await Registered(dispatcher, "分块-01", scopes.Town.Code);
        await SendOk(dispatcher, unit, "on-duty");
        var incident = await dispatcher.Assigned();

        // PostAsJsonAsync streams the JSON (Transfer-Encoding: chunked, no Content-Length), as many clients do.
        using var response = await dispatcher.PostAsJsonAsync($"/api/units/{unit}/dispatch", new { incidentId = incident.Id });

        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Null(response.RequestMessage!.Content!.Headers.ContentLength);
        Assert.Equal(incident.Id, (await Roster(dispatcher, unit)).GetProperty("incidentId").GetGuid());
    }
}
