using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Units;

/// <summary>
/// Issue 14 (items 7, 12 and the stray tombstone): a position out of a sane window is refused, a future fix already stored
/// breaks no page, and a registration out of bounds (unknown department, a taken call sign, huge fields) is a 400 naming
/// the field that writes nothing at all, not even a tombstone event.
/// </summary>
public class UnitHardeningTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static Task<HttpResponseMessage> Send(HttpClient client, Guid unit, string action, object? body = null) =>
        client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));

    Task<HttpResponseMessage> Register(object body) => app.Client().PostAsJsonAsync("/api/units", body);

    async Task<Guid> OnDuty(string callSign)
    {
        using var response = await Register(new
        {
            callSign, department = Steps.Department, jurisdiction = new Scopes(app).Town.Code, capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var onDuty = await Send(app.Client(), id, "on-duty");
        await onDuty.ShouldBe(HttpStatusCode.OK);
        return id;
    }

    /// <summary>Every row of the event table, tombstones included.</summary>
    async Task<long> EventRows()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from dispatch.mt_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_position_dated_in_the_future_or_more_than_a_day_ago_is_refused_and_not_written()
    {
        var unit = await OnDuty("未来-01");
        var version = await app.StreamVersion(unit);

        using var future = await Send(app.Client(), unit, "position",
            new { lat = Api.ReportLat, lon = Api.ReportLon, accuracy = 8, reportedAt = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero) });
        using var old = await Send(app.Client(), unit, "position",
            new { lat = Api.ReportLat, lon = Api.ReportLon, accuracy = 8, reportedAt = DateTimeOffset.UtcNow.AddDays(-2) });
        using var vague = await Send(app.Client(), unit, "position",
            new { lat = Api.ReportLat, lon = Api.ReportLon, accuracy = 1e12, reportedAt = DateTimeOffset.UtcNow });

        Assert.Contains("ReportedAt", await future.Refusal("position.future"));
        Assert.Contains("ReportedAt", await old.Refusal("position.too-old"));
        Assert.Contains("AccuracyMeters", await vague.Refusal("position.accuracy"));
        Assert.Equal(version, await app.StreamVersion(unit));
    }

    /// <summary>A fix from the year 9999 stored before fixes were checked: the drawer's data and the API still answer, and a real fix repairs it.</summary>
    [Fact]
    public async Task A_stored_future_fix_breaks_neither_the_recommendations_nor_the_drawer_and_a_real_fix_replaces_it()
    {
        var unit = await OnDuty("未来-02");
        var incident = await app.Client().Assigned();
        await using (var session = app.Documents().LightweightSession())
        {
            session.Events.Append(unit, new UnitPositionReported(unit, Api.ReportLat, Api.ReportLon, 8,
                new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero), "device", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        var answer = await app.Client().GetJson($"/api/incidents/{incident.Id}/units");
        Assert.DoesNotContain(answer.GetProperty("proposed").EnumerateArray(), p => p.GetProperty("id").GetGuid() == unit);
        var left = answer.GetProperty("leftOut").EnumerateArray().Single(l => l.GetProperty("id").GetGuid() == unit);
        Assert.Equal("PositionStale", left.GetProperty("kind").GetString());

        // What the incident drawer computes: the ranking and when it next changes by time alone.
        var recommendations = app.Services.GetRequiredService<UnitRecommendations>();
        var actor = new Actor(DispatchApp.DefaultUser, "Test", [new Grant(Role.Dispatcher, new Scopes(app).City.Path)]);
        var ranked = Assert.IsType<RecommendationResult.Ranked>(await recommendations.For(actor, incident.Id, null));
        var next = recommendations.NextChange(ranked.Recommendation);
        Assert.True(next is null || next < DateTimeOffset.UtcNow.AddDays(1));

        using var real = await Send(app.Client(), unit, "position", new { lat = Api.ReportLat + 0.001, lon = Api.ReportLon, accuracy = 8, reportedAt = DateTimeOffset.UtcNow });
        await real.ShouldBe(HttpStatusCode.OK);
        var fresh = await app.Client().GetJson($"/api/incidents/{incident.Id}/units");
        Assert.Contains(fresh.GetProperty("proposed").EnumerateArray(), p => p.GetProperty("id").GetGuid() == unit);
    }

    [Fact]
    public async Task A_registration_out_of_bounds_is_a_400_naming_the_field_and_leaves_no_row_in_the_event_table()
    {
        await OnDuty("重复-01");
        var town = new Scopes(app).Town.Code;
        var rows = await EventRows();
        var streams = await app.StreamCount();

        (string Field, object Body)[] cases =
        [
            ("department", new { callSign = "部门-01", department = "no-such-department", jurisdiction = town }),
            ("callSign", new { callSign = "重复-01", department = Steps.Department, jurisdiction = town }),
            ("callSign", new { callSign = new string('x', 20_000), department = Steps.Department, jurisdiction = town }),
            ("capabilities", new { callSign = "能力-01", department = Steps.Department, jurisdiction = town,
                capabilities = Enumerable.Range(0, 5000).Select(i => $"c{i}").ToArray() }),
            ("capabilities", new { callSign = "能力-02", department = Steps.Department, jurisdiction = town, capabilities = new[] { new string('c', 500) } }),
            ("members", new { callSign = "成员-01", department = Steps.Department, jurisdiction = town,
                members = Enumerable.Range(0, 500).Select(i => $"m{i}").ToArray() }),
        ];
        foreach (var (field, body) in cases)
        {
            using var response = await Register(body);
            Assert.Contains(field, (await response.FieldErrors()).Keys);
        }

        Assert.Equal(rows, await EventRows());
        Assert.Equal(streams, await app.StreamCount());
        await using var query = app.Documents().QuerySession();
        Assert.Equal(1, await query.Query<UnitRosterEntry>().CountAsync(u => u.CallSign == "重复-01"));
    }

    /// <summary>A taken login is found before the stream is started: no tombstone event is left behind.</summary>
    [Fact]
    public async Task A_registration_with_a_taken_login_leaves_no_row_in_the_event_table()
    {
        var login = Api.Unique("unit");
        var town = new Scopes(app).Town.Code;
        using (var first = await Register(new { callSign = "登录-01", department = Steps.Department, jurisdiction = town, login, password = DispatchApp.Password }))
            await first.ShouldBe(HttpStatusCode.OK);
        var rows = await EventRows();

        using var second = await Register(new { callSign = "登录-02", department = Steps.Department, jurisdiction = town, login, password = DispatchApp.Password });

        Assert.Contains("login", (await second.FieldErrors()).Keys);
        Assert.Equal(rows, await EventRows());
    }
}
