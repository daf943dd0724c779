using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Sensors;
using Dispatch.Server.Audit;
using Dispatch.Server.Incidents;
using Dispatch.Server.Sensors;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Sensors;

/// <summary>A registered device as a test drives it: its id and its key (shown once, at registration).</summary>
public sealed record TestDevice(Guid Id, string Key);

public static class Devices
{
    /// <summary>A water-level device at the standard report's point: alarms above 3.0 m, recovers at 2.5 m.</summary>
    public static JsonObject Body(string category, double lat = Api.ReportLat, double lon = Api.ReportLon, int silenceMinutes = 60) => new()
    {
        ["name"] = Api.Unique("WL"),
        ["type"] = "water-level",
        ["lat"] = lat,
        ["lon"] = lon,
        ["thresholds"] = new JsonArray(new JsonObject { ["measure"] = "level", ["alarm"] = "above", ["level"] = 3.0, ["recovery"] = 2.5 }),
        ["department"] = "water",
        ["category"] = category,
        ["urgency"] = 3,
        ["silenceMinutes"] = silenceMinutes,
    };

    public static async Task<TestDevice> Register(this HttpClient admin, JsonObject body)
    {
        using var response = await admin.PostAsync("/api/devices", new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        await response.ShouldBe(HttpStatusCode.Created);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new TestDevice(json.GetProperty("id").GetGuid(), json.GetProperty("key").GetString()!);
    }

    /// <summary>A client that speaks only as a device: no cookie, just its key.</summary>
    public static HttpClient Keyed(this DispatchApp app, string key)
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Device", key);
        return client;
    }

    public static Task<HttpResponseMessage> Send(this HttpClient device, Guid id, params (string Measure, double Value, DateTimeOffset At)[] readings) =>
        device.PostAsJsonAsync($"/api/devices/{id}/readings",
            new { readings = readings.Select(r => new { measure = r.Measure, value = r.Value, at = r.At }) });

    public static async Task<JsonElement> SendOk(this HttpClient device, Guid id, params (string Measure, double Value, DateTimeOffset At)[] readings)
    {
        using var response = await device.Send(id, readings);
        await response.ShouldBe(HttpStatusCode.OK);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<IReadOnlyList<IncidentCard>> SensorCards(this DispatchApp app, string category)
    {
        await using var query = app.Documents().QuerySession();
        return await query.Query<IncidentCard>().Where(c => c.Channel == Channel.Sensor && c.Category == category).ToListAsync();
    }

    public static async Task<IReadOnlyList<AuditEntry>> Audit(this DispatchApp app, string action)
    {
        await using var query = app.Documents().QuerySession();
        return await query.Query<AuditEntry>().Where(a => a.Action == action).ToListAsync();
    }
}

/// <summary>
/// Sensors raise incidents, end to end over the real API on a real server and PostgreSQL, on a manual clock. Each test
/// uses a category of its own, so the places' open incidents of one test never fold another's alarms.
/// </summary>
public class SensorTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    HttpClient Admin => app.Client();
    DateTimeOffset Now => app.Time.GetUtcNow();

    [Fact]
    public async Task Given_a_registration_when_it_answers_then_the_key_is_shown_once_and_only_its_hash_is_stored()
    {
        var device = await Admin.Register(Devices.Body("noise"));
        Assert.StartsWith("dk_" + device.Id.ToString("N") + "_", device.Key);

        // Reading the device back never shows the key.
        var shown = await Admin.GetJson($"/api/devices/{device.Id}");
        Assert.DoesNotContain(device.Key, shown.GetRawText());
        Assert.False(shown.TryGetProperty("key", out _));
        Assert.Equal("water", shown.GetProperty("department").GetString());

        // Stored: the SHA-256 of the key, not the key, nowhere in any document or event.
        await using var query = app.Documents().QuerySession();
        var stored = await query.LoadAsync<DeviceKey>(device.Id);
        Assert.Equal(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(device.Key))), stored!.Hash);
        await using var db = new NpgsqlConnection(app.ConnectionString);
        await db.OpenAsync();
        var secret = device.Key[^43..];
        await using var search = new NpgsqlCommand(
            "select (select count(*) from dispatch.mt_events where data::text like '%' || $1 || '%') + (select count(*) from dispatch.mt_doc_devicekey where data::text like '%' || $1 || '%')", db)
            { Parameters = { new() { Value = secret } } };
        Assert.Equal(0L, (long)(await search.ExecuteScalarAsync())!);

        // A rotation answers a new key once; the old one stops at once.
        using var rotated = await Admin.PostAsJsonAsync($"/api/devices/{device.Id}/key", new { reason = "key leaked in a photo" });
        await rotated.ShouldBe(HttpStatusCode.OK);
        var newKey = (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        Assert.NotEqual(device.Key, newKey);
        using (var old = await app.Keyed(device.Key).Send(device.Id, ("level", 1.0, Now)))
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        await app.Keyed(newKey).SendOk(device.Id, ("level", 1.0, Now));
        Assert.Contains(await app.Audit("device.rotatekey"), a => a.User == DispatchApp.DefaultUser && a.Detail == device.Id.ToString());
    }

    [Fact]
    public async Task Given_readings_under_the_threshold_when_sent_then_they_are_kept_and_make_no_incident()
    {
        var device = await Admin.Register(Devices.Body("heating"));
        var streams = await app.StreamCount();
        var answer = await app.Keyed(device.Key).SendOk(device.Id, ("level", 1.2, Now.AddMinutes(-2)), ("level", 2.9, Now.AddMinutes(-1)), ("level", 3.0, Now));
        Assert.Equal(3, answer.GetProperty("accepted").GetInt32());
        Assert.Equal(0, answer.GetProperty("alarms").GetInt32());
        Assert.Equal(streams, await app.StreamCount());
        Assert.Empty(await app.SensorCards("heating"));
        Assert.Equal(3, await SensorTables.Count(app.Services.GetRequiredService<NpgsqlDataSource>(), device.Id, default));
    }

    [Fact]
    public async Task Given_a_reading_over_the_threshold_when_sent_then_one_incident_lands_on_the_towns_board_routed_to_the_owner()
    {
        var scopes = new Scopes(app);
        await using var board = await BoardClient.Connect(app, "sensor-town-dispatcher", new Grant(Role.Dispatcher, scopes.Town.Path));
        var device = await Admin.Register(Devices.Body("drainage-flooding"));

        var answer = await app.Keyed(device.Key).SendOk(device.Id, ("level", 3.4, Now));
        Assert.Equal(1, answer.GetProperty("alarms").GetInt32());
        var number = answer.GetProperty("incident").GetString();

        var card = await board.Next(c => c.Channel == Channel.Sensor && c.Category == "drainage-flooding");
        Assert.Equal(number, card.Number);
        Assert.Equal(scopes.Grid.Path, card.ScopePath);
        Assert.Equal("water", card.SuggestedDepartment);
        Assert.Equal(Urgency.High, card.Urgency);
        Assert.Equal(1, card.SensorAlarms);
        var detail = await Admin.Detail(card.Id);
        Assert.Equal("Sensor", detail.GetProperty("channel").GetString());
        Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "Routed");
        Assert.Contains("3.4", detail.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Given_ten_alarms_in_five_minutes_from_one_device_when_sent_one_by_one_then_one_incident_holds_ten_readings()
    {
        var device = await Admin.Register(Devices.Body("gas-leak"));
        var keyed = app.Keyed(device.Key);
        var start = Now.AddMinutes(-5);
        for (var i = 0; i < 10; i++) await keyed.SendOk(device.Id, ("level", 3.1 + i / 10.0, start.AddSeconds(30 * i)));

        var card = Assert.Single(await app.SensorCards("gas-leak"));
        var detail = await Admin.Detail(card.Id);
        Assert.Equal(10, detail.GetProperty("sensorAlarms").GetInt32());
        Assert.Equal(10, detail.GetProperty("timeline").EnumerateArray().Count(t => t.GetProperty("kind").GetString() == "SensorAlarm"));
    }

    [Fact]
    public async Task Given_ten_alarms_from_one_device_when_fired_at_once_then_exactly_one_incident_holds_ten_readings()
    {
        var device = await Admin.Register(Devices.Body("fire-hazard"));
        var start = Now.AddMinutes(-5);
        // Ten clients, ten connections, all at once: they race for the same place's lock.
        var clients = Enumerable.Range(0, 10).Select(_ => app.Keyed(device.Key)).ToList();
        using var go = new SemaphoreSlim(0);
        var sends = clients.Select(async (c, i) =>
        {
            await go.WaitAsync();
            return await c.SendOk(device.Id, ("level", 3.5, start.AddSeconds(30 * i)));
        }).ToList();
        go.Release(10);
        var answers = await Task.WhenAll(sends);

        var card = Assert.Single(await app.SensorCards("fire-hazard"));
        Assert.All(answers, a => Assert.Equal(card.Number, a.GetProperty("incident").GetString()));
        var detail = await Admin.Detail(card.Id);
        Assert.Equal(10, detail.GetProperty("sensorAlarms").GetInt32());
        // A batch sent again (the device saw no answer) is not noted twice.
        await clients[0].SendOk(device.Id, ("level", 3.5, start));
        Assert.Equal(10, (await Admin.Detail(card.Id)).GetProperty("sensorAlarms").GetInt32());
    }

    [Fact]
    public async Task Given_an_open_sensor_incident_when_another_device_of_the_category_alarms_at_the_same_place_then_it_folds_in_and_a_recovery_is_noted()
    {
        var first = await Admin.Register(Devices.Body("environment-pollution"));
        var nearby = await Admin.Register(Devices.Body("environment-pollution", Api.ReportLat + 0.00005, Api.ReportLon + 0.00005));
        var opened = await app.Keyed(first.Key).SendOk(first.Id, ("level", 3.6, Now.AddMinutes(-1)));
        var folded = await app.Keyed(nearby.Key).SendOk(nearby.Id, ("level", 4.0, Now));
        Assert.Equal(opened.GetProperty("incident").GetString(), folded.GetProperty("incident").GetString());

        // Back under the recovery level: noted on the same incident; a normal reading after it notes nothing more.
        var recovered = await app.Keyed(first.Key).SendOk(first.Id, ("level", 2.4, Now.AddSeconds(1)));
        Assert.Equal(1, recovered.GetProperty("recoveries").GetInt32());
        await app.Keyed(first.Key).SendOk(first.Id, ("level", 2.0, Now.AddSeconds(2)));

        var card = Assert.Single(await app.SensorCards("environment-pollution"));
        var detail = await Admin.Detail(card.Id);
        Assert.Equal(2, detail.GetProperty("sensorAlarms").GetInt32());
        Assert.Equal(1, detail.GetProperty("sensorRecoveries").GetInt32());
        var recovery = Assert.Single(detail.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "SensorRecovered");
        Assert.Equal(SensorRules.Login(first.Id), recovery.GetProperty("by").GetString());
    }

    [Fact]
    public async Task Given_a_finished_sensor_incident_when_the_device_alarms_again_then_a_new_incident_opens()
    {
        var device = await Admin.Register(Devices.Body("tree-fallen"));
        var keyed = app.Keyed(device.Key);
        var first = (await keyed.SendOk(device.Id, ("level", 3.3, Now.AddMinutes(-1)))).GetProperty("incident").GetString();
        var card = Assert.Single(await app.SensorCards("tree-fallen"));
        await Admin.CommandOk(card.Id, "cancel", new { reason = "invalid", note = "sensor fault" });
        var second = (await keyed.SendOk(device.Id, ("level", 3.3, Now))).GetProperty("incident").GetString();
        Assert.NotEqual(first, second);
        Assert.Equal(2, (await app.SensorCards("tree-fallen")).Count);
    }

    [Fact]
    public async Task Given_a_device_silent_past_its_period_when_the_clock_moves_then_it_is_flagged_once_and_cleared_when_it_speaks()
    {
        var device = await Admin.Register(Devices.Body("street-lighting", silenceMinutes: 30));
        var watch = app.Services.GetRequiredService<SilenceWatch>();
        Task RoundAt(DateTimeOffset from)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnRound(DateTimeOffset lookedAt) { if (lookedAt >= from) done.TrySetResult(); }
            watch.RoundCompleted += OnRound;
            return done.Task.WaitAsync(BoardClient.Patience).ContinueWith(t => { watch.RoundCompleted -= OnRound; return t; }).Unwrap();
        }
        async Task<DateTimeOffset?> SilentSince() => (await app.Documents().QuerySession().LoadAsync<Device>(device.Id))!.SilentSince;

        // Not yet: 29 minutes after registration.
        var round = RoundAt(Now + TimeSpan.FromMinutes(29));
        app.Time.Advance(TimeSpan.FromMinutes(29));
        await round;
        Assert.Null(await SilentSince());

        round = RoundAt(Now + TimeSpan.FromMinutes(2));
        app.Time.Advance(TimeSpan.FromMinutes(2));
        await round;
        Assert.NotNull(await SilentSince());

        // Later rounds do not flag it again.
        round = RoundAt(Now + TimeSpan.FromMinutes(40));
        app.Time.Advance(TimeSpan.FromMinutes(40));
        await round;
        var events = (await app.Events(device.Id)).Select(e => e.Data).ToList();
        Assert.Single(events.OfType<DeviceFellSilent>());

        // It speaks: cleared; silent again only a full period after that.
        await app.Keyed(device.Key).SendOk(device.Id, ("level", 1.0, Now));
        Assert.Null(await SilentSince());
        round = RoundAt(Now + TimeSpan.FromMinutes(31));
        app.Time.Advance(TimeSpan.FromMinutes(31));
        await round;
        events = [.. (await app.Events(device.Id)).Select(e => e.Data)];
        Assert.Single(events.OfType<DeviceSpokeAgain>());
        Assert.Equal(2, events.OfType<DeviceFellSilent>().Count());
    }

    [Fact]
    public async Task Given_a_devices_key_when_it_sends_another_devices_readings_then_it_is_403_audited_and_nothing_is_kept()
    {
        var mine = await Admin.Register(Devices.Body("water-supply"));
        var other = await Admin.Register(Devices.Body("water-supply"));
        using var response = await app.Keyed(mine.Key).Send(other.Id, ("level", 9.9, Now));
        await response.ShouldBe(HttpStatusCode.Forbidden);
        Assert.Contains(await app.Audit("device.readings"), a => a.User == SensorRules.Login(mine.Id) && !a.Allowed);
        Assert.Equal(0, await SensorTables.Count(app.Services.GetRequiredService<NpgsqlDataSource>(), other.Id, default));
        Assert.Empty(await app.SensorCards("water-supply"));
    }

    [Theory]
    [InlineData("GET", "/api/board")]
    [InlineData("POST", "/api/incidents")]
    [InlineData("GET", "/api/devices")]
    [InlineData("GET", "/")]
    public async Task Given_a_device_key_when_it_is_sent_anywhere_but_its_readings_then_it_is_403_and_audited(string method, string path)
    {
        var device = await Admin.Register(Devices.Body("stray-animals"));
        var before = (await app.Audit("device.key-misused")).Count(a => a.User == SensorRules.Login(device.Id));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = JsonContent.Create(Api.Report());
        using var response = await app.Keyed(device.Key).SendAsync(request);
        await response.ShouldBe(HttpStatusCode.Forbidden);
        Assert.Equal(before + 1, (await app.Audit("device.key-misused")).Count(a => a.User == SensorRules.Login(device.Id) && !a.Allowed));
    }

    [Fact]
    public async Task Given_a_bad_batch_when_sent_then_each_field_is_named_by_its_index_and_nothing_is_kept()
    {
        var device = await Admin.Register(Devices.Body("garbage"));
        var keyed = app.Keyed(device.Key);
        using var response = await keyed.PostAsync($"/api/devices/{device.Id}/readings", new StringContent($$"""
            { "readings": [
                { "measure": "level", "value": 1.0, "at": "{{Now:O}}" },
                { "measure": "flow", "value": 1.0, "at": "{{Now:O}}" },
                { "measure": "level", "at": "{{Now:O}}" },
                { "measure": "level", "value": 5.0, "at": "{{Now.AddDays(2):O}}" } ] }
            """, System.Text.Encoding.UTF8, "application/json"));
        var errors = await response.FieldErrors();
        Assert.Equal(["readings[1].measure", "readings[2].value", "readings[3].at"], errors.Keys.Order());
        using var typed = await keyed.PostAsync($"/api/devices/{device.Id}/readings",
            new StringContent("""{ "readings": [ { "measure": "level", "value": "high", "at": "2026-11-23T01:00:00Z" } ] }""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Contains("readings[0].value", (await typed.FieldErrors()).Keys);
        Assert.Equal(0, await SensorTables.Count(app.Services.GetRequiredService<NpgsqlDataSource>(), device.Id, default));
        Assert.Empty(await app.SensorCards("garbage"));
    }

    [Fact]
    public async Task Given_a_town_dispatcher_when_registering_a_device_then_it_is_403_and_audited()
    {
        var scopes = new Scopes(app);
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "devices");
        using var response = await town.PostAsync("/api/devices", new StringContent(Devices.Body("noise").ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        await response.ShouldBe(HttpStatusCode.Forbidden);
        Assert.Contains(await app.Audit("device.register"), a => a.User == Scopes.Login(Role.Dispatcher, Where.Town, tag: "devices") && !a.Allowed);
        // An administrator of the town keeps its devices.
        var admin = scopes.As(app, Role.Admin, Where.Town, tag: "devices");
        var device = await admin.Register(Devices.Body("noise"));
        Assert.NotEqual(Guid.Empty, device.Id);
    }
}
