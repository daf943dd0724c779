using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Dispatch.Server.Units.Positions;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Units;

/// <summary>
/// Issue 15, part 1: positions are telemetry, not commands. Over a real Kestrel server, real SignalR clients and real
/// PostgreSQL: a report is answered only once its batch has committed to the history; bursts from many phones all land;
/// readers see the latest position right after the answer; refusals keep their codes; the track API; the arrival near the
/// scene is an event on the incident, once.
/// </summary>
public class PositionTelemetryTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    /// <summary>Latitude <paramref name="meters"/> north of the incidents' usual spot.</summary>
    static double North(double meters) => Api.ReportLat + meters / 111_195.0;

    async Task<(Guid Id, string Login)> Unit(string callSign, bool onDuty = true)
    {
        var login = Api.Unique("pos");
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        if (onDuty) await Send(id, "on-duty");
        return (id, login);
    }

    async Task Send(Guid unit, string action, object? body = null)
    {
        using var response = await app.Client().PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }

    async Task<long> Scalar(string sql, params object[] args)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var arg in args) command.Parameters.Add(new NpgsqlParameter { Value = arg });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    Task<long> HistoryRows(Guid unit) => Scalar($"select count(*) from {PositionTables.History} where unit_id = $1", unit);

    /// <summary>Waits (with a timeout) until some backend of the test database waits on a lock: the writer is held.</summary>
    async Task UntilTheWriterWaitsOnALock()
    {
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        using var timeout = new CancellationTokenSource(UnitDevice.Patience);
        while (await Scalar("select count(*) from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'", database) == 0)
            await Task.Delay(20, timeout.Token);
    }

    [Fact]
    public async Task Given_the_history_is_held_when_a_unit_reports_then_it_is_answered_only_after_its_fix_is_committed_there()
    {
        var (unit, login) = await Unit("遥测-01");
        await using var phone = await UnitDevice.Connect(app, login);
        await using var holder = new NpgsqlConnection(app.ConnectionString);
        await holder.OpenAsync();
        var hold = await holder.BeginTransactionAsync();
        await using (var lockIt = new NpgsqlCommand($"lock table {PositionTables.Latest} in exclusive mode", holder, hold))
            await lockIt.ExecuteNonQueryAsync();

        var answer = phone.Connection.InvokeAsync<UnitReply>(UnitHubMethods.Position, Api.ReportLat, Api.ReportLon, 8.0, DateTimeOffset.UtcNow);
        await UntilTheWriterWaitsOnALock();

        Assert.False(answer.IsCompleted, "answered before its batch committed");
        Assert.Equal(0, await HistoryRows(unit));
        await hold.RollbackAsync();
        var reply = await answer.WaitAsync(UnitDevice.Patience);
        Assert.True(reply.Ok, reply.Message);
        Assert.Equal(1, await HistoryRows(unit));
        // A position writes no event: the unit's stream is as on-duty left it.
        Assert.DoesNotContain(await app.Events(unit), e => e.Data is Dispatch.Domain.Units.UnitPositionReported);
    }

    [Fact]
    public async Task Given_200_phones_when_they_send_2000_reports_at_once_then_every_accepted_one_is_in_the_history()
    {
        const int phones = 200, each = 10;
        var units = new List<(Guid Id, string Login)>();
        foreach (var chunk in Enumerable.Range(0, phones).Chunk(20))
            units.AddRange(await Task.WhenAll(chunk.Select(i => Unit($"群发-{i:D3}"))));
        var devices = new List<UnitDevice>();
        foreach (var chunk in units.Chunk(20)) devices.AddRange(await Task.WhenAll(chunk.Select(u => UnitDevice.Connect(app, u.Login))));
        var start = DateTimeOffset.UtcNow.AddSeconds(-30);
        try
        {
            var replies = await Task.WhenAll(devices.Select(async (device, d) =>
            {
                var sent = new List<UnitReply>();
                for (var i = 0; i < each; i++)
                    sent.Add(await device.Connection.InvokeAsync<UnitReply>(UnitHubMethods.Position, North(i * 10 + d), Api.ReportLon, 8.0,
                        start.AddSeconds(i)));
                return sent;
            }));

            var accepted = replies.SelectMany(r => r).Count(r => r.Ok);
            Assert.Equal(phones * each, accepted);
            var ids = units.Select(u => u.Id).ToArray();
            Assert.Equal(accepted, await Scalar($"select count(*) from {PositionTables.History} where unit_id = any($1)", ids));
            Assert.Equal(phones, await Scalar($"select count(*) from {PositionTables.Latest} where unit_id = any($1)", ids));
        }
        finally
        {
            foreach (var device in devices) await device.DisposeAsync();
        }
    }

    [Fact]
    public async Task Given_a_unit_when_its_phone_reports_then_the_roster_and_the_recommendations_show_the_fix_right_after_the_answer()
    {
        var (unit, login) = await Unit("遥测-02");
        var incident = await app.Client().Assigned();
        await using var phone = await UnitDevice.Connect(app, login);
        var at = DateTimeOffset.UtcNow.AddSeconds(-5);

        var reply = await phone.Call(UnitHubMethods.Position, North(300), Api.ReportLon, 7.0, at);

        Assert.True(reply.Ok, reply.Message);
        var line = (await app.Client().GetJson("/api/units")).EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == unit);
        Assert.Equal(North(300), line.GetProperty("lat").GetDouble(), 9);
        Assert.Equal(at.ToUnixTimeMilliseconds(), line.GetProperty("positionAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        var proposed = (await app.Client().GetJson($"/api/incidents/{incident.Id}/units")).GetProperty("proposed").EnumerateArray()
            .Single(p => p.GetProperty("id").GetGuid() == unit);
        Assert.InRange(proposed.GetProperty("distanceMeters").GetDouble(), 295, 305);
        Assert.Equal(North(300), (await phone.Me()).Lat!.Value, 9);
    }

    [Fact]
    public async Task Given_impossible_fixes_or_an_off_duty_unit_when_it_reports_then_the_refusals_keep_their_codes_and_nothing_is_kept()
    {
        var (unit, login) = await Unit("遥测-03");
        await using var phone = await UnitDevice.Connect(app, login);
        var now = DateTimeOffset.UtcNow;

        var lat = await phone.Call(UnitHubMethods.Position, 91.0, Api.ReportLon, 8.0, now);
        var lon = await phone.Call(UnitHubMethods.Position, Api.ReportLat, 181.0, 8.0, now);
        var accuracy = await phone.Call(UnitHubMethods.Position, Api.ReportLat, Api.ReportLon, -1.0, now);
        var future = await phone.Call(UnitHubMethods.Position, Api.ReportLat, Api.ReportLon, 8.0, now.AddHours(1));
        var old = await phone.Call(UnitHubMethods.Position, Api.ReportLat, Api.ReportLon, 8.0, now.AddDays(-2));
        await Send(unit, "off-duty");
        var offDuty = await phone.Call(UnitHubMethods.Position, Api.ReportLat, Api.ReportLon, 8.0, now);

        Assert.Equal(["position.lat", "position.lon", "position.accuracy", "position.future", "position.too-old", "position.off-duty"],
            new[] { lat, lon, accuracy, future, old, offDuty }.Select(r => r.Ok ? "ok" : r.Code));
        Assert.Equal(0, await HistoryRows(unit));
    }

    [Fact]
    public async Task Given_a_units_fixes_when_its_track_is_asked_for_then_they_come_in_time_order_within_the_window_and_only_to_who_may_see_it()
    {
        var (unit, _) = await Unit("轨迹-01");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-30);
        // Sent out of order: the track is in the fixes' time order.
        foreach (var minutes in new[] { 20, 5, 10, 25 })
            await Send(unit, "position", new { lat = North(minutes * 10), lon = Api.ReportLon, accuracy = 9, reportedAt = t0.AddMinutes(minutes) });
        string Q(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("O"));

        var track = await app.Client().GetJson($"/api/units/{unit}/track?from={Q(t0.AddMinutes(6))}&to={Q(t0.AddMinutes(25))}");
        var neighbour = _scopes.As(app, Role.Dispatcher, Where.OtherTown, tag: "track");
        using var denied = await neighbour.GetAsync($"/api/units/{unit}/track?from={Q(t0)}&to={Q(t0.AddHours(1))}");
        using var backwards = await app.Client().GetAsync($"/api/units/{unit}/track?from={Q(t0.AddHours(1))}&to={Q(t0)}");
        using var tooLong = await app.Client().GetAsync($"/api/units/{unit}/track?from={Q(t0.AddDays(-8))}&to={Q(t0)}");
        using var noZone = await app.Client().GetAsync($"/api/units/{unit}/track?from=2026-12-05T08:00:00&to={Q(t0)}");
        using var missing = await app.Client().GetAsync($"/api/units/{unit}/track?from={Q(t0)}");
        using var unknown = await app.Client().GetAsync($"/api/units/{Guid.NewGuid()}/track?from={Q(t0)}&to={Q(t0.AddHours(1))}");

        var fixes = track.GetProperty("fixes").EnumerateArray().ToList();
        Assert.Equal([10, 20], fixes.Select(f => (int)Math.Round((f.GetProperty("lat").GetDouble() - Api.ReportLat) * 111_195.0 / 10)));
        Assert.True(fixes[0].GetProperty("at").GetDateTimeOffset() < fixes[1].GetProperty("at").GetDateTimeOffset());
        Assert.False(track.GetProperty("truncated").GetBoolean());
        await denied.Problem(HttpStatusCode.Forbidden);
        Assert.Contains("to", (await backwards.FieldErrors()).Keys);
        Assert.Contains("to", (await tooLong.FieldErrors()).Keys);
        Assert.Contains("from", (await noZone.FieldErrors()).Keys);
        Assert.Contains("to", (await missing.FieldErrors()).Keys);
        await unknown.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Given_a_unit_en_route_when_it_first_comes_near_the_scene_then_the_incident_records_it_once()
    {
        var (unit, login) = await Unit("到场-01");
        var incident = await app.Client().Assigned();
        await Send(unit, "dispatch", new { incidentId = incident.Id });
        await using var phone = await UnitDevice.Connect(app, login);
        Assert.True((await phone.Call(UnitHubMethods.AcceptAndGo)).Ok);
        var now = DateTimeOffset.UtcNow;

        var far = await phone.Call(UnitHubMethods.Position, North(1000), Api.ReportLon, 8.0, now.AddSeconds(-30));
        var near = await phone.Call(UnitHubMethods.Position, North(60), Api.ReportLon, 8.0, now.AddSeconds(-20));
        Assert.True(far.Ok && near.Ok);
        var arrivals = await UntilTimeline(incident.Id, kinds => kinds.Contains("UnitArrivedNearScene"));
        var nearer = await phone.Call(UnitHubMethods.Position, North(20), Api.ReportLon, 8.0, now.AddSeconds(-10));
        Assert.True(nearer.Ok);
        Assert.True((await phone.Call(UnitHubMethods.OnScene)).Ok);

        var kinds = await UntilTimeline(incident.Id, k => k.Contains("UnitOnScene"));
        Assert.Single(kinds, k => k == "UnitArrivedNearScene");
        Assert.Equal(kinds.IndexOf("UnitArrivedNearScene"), arrivals.IndexOf("UnitArrivedNearScene"));
    }

    [Fact]
    public async Task Given_two_nodes_on_one_database_when_a_unit_reports_on_one_then_the_other_learns_the_fix_from_its_notice()
    {
        var (unit, login) = await Unit("双节点-01");
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        await using var other = DispatchApp.OnDatabase(database, keepDatabase: true);
        await ((IAsyncLifetime)other).InitializeAsync();
        var heard = new TaskCompletionSource<UnitFix>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var listening = other.Services.GetRequiredService<UnitPositions>().Subscribe(moved =>
        {
            if (moved?.FirstOrDefault(f => f.UnitId == unit) is { } fix) heard.TrySetResult(fix);
            return Task.CompletedTask;
        });
        await using var phone = await UnitDevice.Connect(app, login);

        var reply = await phone.Call(UnitHubMethods.Position, North(500), Api.ReportLon, 6.0, DateTimeOffset.UtcNow.AddSeconds(-1));

        Assert.True(reply.Ok, reply.Message);
        var fix = await heard.Task.WaitAsync(UnitDevice.Patience);
        Assert.Equal(North(500), fix.Lat, 9);
        var line = (await other.Client().GetJson("/api/units")).EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == unit);
        Assert.Equal(North(500), line.GetProperty("lat").GetDouble(), 9);
    }

    [Fact]
    public async Task Given_a_unit_on_duty_when_it_leaves_its_home_town_and_comes_back_then_each_transition_is_one_event_on_its_stream()
    {
        var (unit, login) = await Unit("越界-01");
        await using var phone = await UnitDevice.Connect(app, login);
        var home = _scopes.Town.Boundary.InteriorPoint;
        var away = _scopes.OtherTown.Boundary.InteriorPoint;
        var now = DateTimeOffset.UtcNow;

        foreach (var (point, ago) in new[] { (home, 60), (away, 50), (away, 40) })
            Assert.True((await phone.Call(UnitHubMethods.Position, point.Y, point.X, 8.0, now.AddSeconds(-ago))).Ok);
        await UntilEvents(unit, names => names.Contains("UnitLeftArea"));
        foreach (var (point, ago) in new[] { (home, 30), (home, 20) })
            Assert.True((await phone.Call(UnitHubMethods.Position, point.Y, point.X, 8.0, now.AddSeconds(-ago))).Ok);
        var names = await UntilEvents(unit, names => names.Contains("UnitReturnedToArea"));

        Assert.Equal(["UnitRegistered", "UnitWentOnDuty", "UnitLeftArea", "UnitReturnedToArea"], names);
        var left = Assert.IsType<Dispatch.Domain.Units.UnitLeftArea>((await app.Events(unit))[2].Data);
        Assert.Equal((away.Y, _scopes.Town.Path), (left.Lat, left.HomePath));
    }

    [Fact]
    public async Task Given_a_page_listening_when_100_units_report_at_once_then_it_hears_every_move_in_a_few_pushes_one_per_flush_at_most()
    {
        var units = new List<Guid>();
        foreach (var chunk in Enumerable.Range(0, 100).Chunk(20))
            units.AddRange((await Task.WhenAll(chunk.Select(i => Unit($"推送-位置-{i:D3}")))).Select(u => u.Id));
        var positions = app.Services.GetRequiredService<UnitPositions>();
        var writer = app.Services.GetRequiredService<PositionWriter>();
        var heard = new HashSet<Guid>();
        var pushes = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var page = positions.Subscribe(moved =>
        {
            lock (heard)
            {
                pushes++;
                foreach (var fix in moved ?? []) if (units.Contains(fix.UnitId)) heard.Add(fix.UnitId);
                if (heard.Count == units.Count) all.TrySetResult();
            }
            return Task.CompletedTask;
        });
        var flushesBefore = writer.Counts.Flushes;
        var service = app.Services.GetRequiredService<UnitService>();
        var dispatcher = new Actor(DispatchApp.DefaultUser, "Test", [new Grant(Role.Dispatcher, _scopes.City.Path)]);

        var answers = await Task.WhenAll(units.Select((unit, i) =>
            service.Handle(dispatcher, unit, new Dispatch.Domain.Units.ReportPosition(North(i), Api.ReportLon, 8, DateTimeOffset.UtcNow, ""))));

        Assert.All(answers, a => Assert.IsType<UnitOutcome.Done>(a));
        await all.Task.WaitAsync(TimeSpan.FromSeconds(1) + UnitDevice.Patience);
        int count;
        lock (heard) count = pushes;
        // One push per flush at most (plus one for a flush still being pushed when the page began listening).
        Assert.InRange(count, 1, writer.Counts.Flushes - flushesBefore + 1);
        Assert.True(count < units.Count, $"{count} pushes for {units.Count} reports");
    }

    async Task<List<string>> UntilEvents(Guid unit, Func<List<string>, bool> done)
    {
        using var timeout = new CancellationTokenSource(UnitDevice.Patience);
        while (true)
        {
            var names = (await app.Events(unit)).Select(e => e.Data.GetType().Name).ToList();
            if (done(names)) return names;
            await Task.Delay(50, timeout.Token);
        }
    }

    async Task<List<string>> UntilTimeline(Guid incident, Func<List<string>, bool> done)
    {
        using var timeout = new CancellationTokenSource(UnitDevice.Patience);
        while (true)
        {
            var kinds = (await app.Client().Detail(incident)).GetProperty("timeline").EnumerateArray()
                .Select(t => t.GetProperty("kind").GetString()!).ToList();
            if (done(kinds)) return kinds;
            await Task.Delay(50, timeout.Token);
        }
    }
}

/// <summary>A server whose position queue holds one report and writes one at a time: easy to fill.</summary>
public sealed class TinyQueueApp : DispatchApp
{
    public TinyQueueApp()
    {
        Settings["Dispatch:Positions:QueueLimit"] = "1";
        Settings["Dispatch:Positions:BatchRows"] = "1";
    }
}

public class PositionOverloadTests(TinyQueueApp app) : IClassFixture<TinyQueueApp>
{
    [Fact]
    public async Task Given_a_full_queue_when_another_report_comes_then_it_is_answered_503_with_Retry_After_at_once_and_the_queued_ones_are_kept()
    {
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = "满载-01", department = Steps.Department, jurisdiction = new Scopes(app).Town.Code, capabilities = new[] { "enforcement" },
        });
        var unit = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using (var onDuty = await app.Client().PostRaw($"/api/units/{unit}/on-duty", "{}")) await onDuty.ShouldBe(HttpStatusCode.OK);
        await using var holder = new NpgsqlConnection(app.ConnectionString);
        await holder.OpenAsync();
        var hold = await holder.BeginTransactionAsync();
        await using (var lockIt = new NpgsqlCommand($"lock table {PositionTables.Latest} in exclusive mode", holder, hold))
            await lockIt.ExecuteNonQueryAsync();
        // A plain client: the test harness's one replaces a 5xx body it cannot measure (chunked), and the code is in it.
        using var plain = new HttpClient(new SocketsHttpHandler { CookieContainer = await app.SignIn() }) { BaseAddress = app.BaseAddress };
        Task<HttpResponseMessage> Report(int second) => plain.PostRaw($"/api/units/{unit}/position",
            JsonSerializer.Serialize(new { lat = Api.ReportLat, lon = Api.ReportLon, accuracy = 8, reportedAt = DateTimeOffset.UtcNow.AddSeconds(-second) }));

        // The first is being written (held by the lock), the second waits in the queue: the queue is full.
        var writing = Report(3);
        var writer = app.Services.GetRequiredService<PositionWriter>();
        var database = new NpgsqlConnectionStringBuilder(app.ConnectionString).Database!;
        using (var timeout = new CancellationTokenSource(UnitDevice.Patience))
            while (!await Waiting(app.ConnectionString, database)) await Task.Delay(20, timeout.Token);
        var queued = Report(2);
        using (var timeout = new CancellationTokenSource(UnitDevice.Patience))
            while (writer.Queued == 0) await Task.Delay(20, timeout.Token);
        using var refused = await Report(1).WaitAsync(UnitDevice.Patience);
        using var refusedAgain = await Report(0).WaitAsync(UnitDevice.Patience);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("overloaded", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.False(writing.IsCompleted || queued.IsCompleted);
        await hold.RollbackAsync();
        using var first = await writing.WaitAsync(UnitDevice.Patience);
        using var second = await queued.WaitAsync(UnitDevice.Patience);
        await first.ShouldBe(HttpStatusCode.OK);
        await second.ShouldBe(HttpStatusCode.OK);
        Assert.True(writer.Counts.Overloaded >= 2);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {PositionTables.History} where unit_id = $1", connection);
        count.Parameters.Add(new NpgsqlParameter { Value = unit });
        Assert.Equal(2L, (long)(await count.ExecuteScalarAsync())!);
    }

    static async Task<bool> Waiting(string connectionString, string database)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = database });
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }
}
