using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Command;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Units;

/// <summary>Units moved through the real API, for the timer tests.</summary>
public static class TimedUnits
{
    /// <summary>The shipped limits (appsettings.json): 5 minutes to go en route, an hour on scene, two for a fire engine.</summary>
    public static readonly TimeSpan EnRoute = TimeSpan.FromMinutes(5), OnScene = TimeSpan.FromHours(1), FireEngineOnScene = TimeSpan.FromHours(2);

    /// <summary>A new urban-management unit at the report's town, on duty.</summary>
    public static async Task<Guid> OnDuty(this DispatchApp app, string callSign, params string[] capabilities)
    {
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = new Scopes(app).Town.Code,
            capabilities = capabilities.Length == 0 ? ["enforcement"] : capabilities, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await app.Move(id, "on-duty");
        return id;
    }

    public static async Task Move(this DispatchApp app, Guid unit, string action, object? body = null)
    {
        using var response = await app.Client().PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }

    public static Task Dispatch(this DispatchApp app, Guid unit, Guid incident) => app.Move(unit, "dispatch", new { incidentId = incident });

    /// <summary>Sent, gone and on scene, all at the clock's present instant.</summary>
    public static async Task Arrive(this DispatchApp app, Guid unit, Guid incident)
    {
        await app.Dispatch(unit, incident);
        await app.Move(unit, "accept-and-go");
        await app.Move(unit, "on-scene");
    }

    public static async Task<IReadOnlyList<IncidentUnitOverdue>> Flags(this DispatchApp app, Guid incident) =>
        [.. (await app.Events(incident)).Select(e => e.Data).OfType<IncidentUnitOverdue>()];

    public static IncidentUnit Unit(this IncidentCard card, Guid unit) => card.Units.Single(u => u.Id == unit);
}

/// <summary>
/// The status timers on an injected clock: the deadline watch flags a unit dispatched and not en route after five
/// minutes, or on scene after an hour (a fire engine after two), once, on the incident's card (pushed) and timeline; a
/// unit that moved on in time is never flagged, and moving on clears the flag.
/// </summary>
public class UnitTimerWatchTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    [Fact]
    public async Task The_crew_of_a_flagged_unit_hears_it_on_its_phone()
    {
        var login = Api.Unique("crew");
        using var registered = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = "东湖-城管-39", department = Steps.Department, jurisdiction = new Scopes(app).Town.Code,
            capabilities = new[] { "enforcement" }, members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await registered.ShouldBe(HttpStatusCode.OK);
        var unit = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await app.Move(unit, "on-duty");
        var incident = await app.Client().Acknowledged();
        await using var phone = await UnitDevice.Connect(app, login);
        await app.Dispatch(unit, incident.Id);
        await phone.Next(UnitMessageKind.Assignment);

        var due = app.Time.GetUtcNow() + TimedUnits.EnRoute;
        var round = app.RoundAt(due);
        app.Time.Set(due);
        var overdue = await phone.Next(UnitMessageKind.Overdue);
        await round;

        var flag = Assert.IsType<OverdueMessage>(overdue.Read());
        Assert.Equal((incident.Number, UnitStatus.Dispatched, 5), (flag.IncidentNumber, flag.Status, flag.LimitMinutes));
        Assert.Equal("Dispatched", overdue.Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_unit_not_en_route_after_five_minutes_is_flagged_once_on_the_board_and_the_timeline_and_one_that_went_in_time_never()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await app.Client().Acknowledged();
        var late = await app.OnDuty("东湖-城管-31");
        var prompt = await app.OnDuty("东湖-城管-32");
        var sentAt = app.Time.GetUtcNow();
        await app.Dispatch(late, incident.Id);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await app.Dispatch(prompt, incident.Id);
        Assert.Empty(await app.Flags(incident.Id));

        // At five minutes the first is flagged, by push; the second, sent a minute later, is not yet due.
        var due = sentAt + TimedUnits.EnRoute;
        var round = app.RoundAt(due);
        app.Time.Set(due);
        var card = await board.Next(c => c.Id == incident.Id && c.Units.Any(u => u.Id == late && u.Overdue));
        await round;
        Assert.Equal((UnitStatus.Dispatched, TimedUnits.EnRoute), (card.Unit(late).Status, card.Unit(late).Limit));
        Assert.False(card.Unit(prompt).Overdue);
        Assert.Equal(due + TimeSpan.FromMinutes(1), card.NextCheckAt); // the second unit's five minutes come next
        var flag = Assert.Single(await app.Flags(incident.Id));
        Assert.Equal((late, "东湖-城管-31", UnitStatus.Dispatched, sentAt, TimedUnits.EnRoute, "system", due),
            (flag.UnitId, flag.CallSign, flag.Status, flag.Since, flag.Limit, flag.By, flag.At));

        // The second goes en route with 30 seconds to spare: no timer runs en route.
        app.Time.Advance(TimeSpan.FromSeconds(30));
        await app.Move(prompt, "en-route");

        // Later rounds (the watch looks at least every 12 hours) flag nothing more.
        var later = app.RoundAt(app.Time.GetUtcNow() + TimeSpan.FromHours(13));
        app.Time.Advance(TimeSpan.FromHours(13));
        await later;
        Assert.Single(await app.Flags(incident.Id));
        var now = (await app.Card(incident.Id))!;
        Assert.True(now.Unit(late).Overdue);
        Assert.Equal((UnitStatus.EnRoute, false), (now.Unit(prompt).Status, now.Unit(prompt).Overdue));
        await using var query = app.Documents().QuerySession();
        var entry = Assert.Single((await query.LoadAsync<IncidentDetail>(incident.Id))!.Timeline, e => e.Kind == "UnitOverdue");
        Assert.Equal(("system", due), (entry.By, entry.At));
        Assert.Equal("东湖-城管-31 · Dispatched · limit 00:05:00", entry.Text);
    }

    [Fact]
    public async Task A_unit_on_scene_past_its_hour_is_flagged_once_a_fire_engine_after_two_and_leaving_the_scene_clears_the_flag()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await app.Client().Acknowledged();
        var first = await app.OnDuty("东湖-城管-41");
        var second = await app.OnDuty("东湖-城管-42");
        var engine = await app.OnDuty("东湖-消防-01", "fire-engine");
        var arrived = app.Time.GetUtcNow();
        await app.Arrive(first, incident.Id);
        await app.Arrive(engine, incident.Id);
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await app.Arrive(second, incident.Id);

        // An hour on scene: the first is flagged; the second (a minute later) and the fire engine are not yet due.
        var due = arrived + TimedUnits.OnScene;
        var round = app.RoundAt(due);
        app.Time.Set(due);
        var card = await board.Next(c => c.Id == incident.Id && c.Units.Any(u => u.Id == first && u.Overdue));
        await round;
        Assert.False(card.Unit(second).Overdue);
        Assert.False(card.Unit(engine).Overdue);
        var flag = Assert.Single(await app.Flags(incident.Id));
        Assert.Equal((first, UnitStatus.OnScene, arrived, TimedUnits.OnScene, due), (flag.UnitId, flag.Status, flag.Since, flag.Limit, flag.At));

        // Leaving the scene clears the flag: returning has no timer.
        await app.Move(first, "returning");
        var left = await board.Next(c => c.Id == incident.Id && c.Units.Any(u => u.Id == first && u.Status == UnitStatus.Returning));
        Assert.False(left.Unit(first).Overdue);

        // The second's hour runs out a minute later.
        var next = app.RoundAt(due + TimeSpan.FromMinutes(1));
        app.Time.Advance(TimeSpan.FromMinutes(1));
        await board.Next(c => c.Id == incident.Id && c.Units.Any(u => u.Id == second && u.Overdue));
        await next;
        Assert.False((await app.Card(incident.Id))!.Unit(engine).Overdue);

        // The fire engine has two hours.
        var engineDue = arrived + TimedUnits.FireEngineOnScene;
        var engineRound = app.RoundAt(engineDue);
        app.Time.Set(engineDue);
        await board.Next(c => c.Id == incident.Id && c.Units.Any(u => u.Id == engine && u.Overdue));
        await engineRound;

        var later = app.RoundAt(app.Time.GetUtcNow() + TimeSpan.FromHours(13));
        app.Time.Advance(TimeSpan.FromHours(13));
        await later;
        var flags = await app.Flags(incident.Id);
        Assert.Equal([first, second, engine], flags.Select(f => f.UnitId));
        Assert.Equal((TimedUnits.FireEngineOnScene, arrived, engineDue), (flags[2].Limit, flags[2].Since, flags[2].At));
        // Nothing left to time: the first is returning, the others are flagged for their time on scene.
        Assert.All((await app.Card(incident.Id))!.Units, u => Assert.Null(u.Due));
    }
}

/// <summary>Two servers on one database run the watch; each unit is flagged once (the stream lock, then a fresh check).</summary>
public sealed class UnitTimerTwoNodeTests
{
    [Fact]
    public async Task With_two_nodes_on_one_database_a_unit_not_en_route_is_flagged_exactly_once()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        // One clock for the two nodes, as two servers share real time.
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));
        var first = DispatchApp.OnDatabase(database, keepDatabase: true, clock);
        var second = DispatchApp.OnDatabase(database, keepDatabase: false, clock);
        await ((IAsyncLifetime)first).InitializeAsync();
        await ((IAsyncLifetime)second).InitializeAsync();
        try
        {
            var incidents = new List<(Guid Incident, Guid Unit)>();
            for (var i = 0; i < 4; i++)
            {
                var incident = await first.Client().Acknowledged();
                var unit = await second.OnDuty($"东湖-城管-6{i}");
                await first.Dispatch(unit, incident.Id);
                incidents.Add((incident.Id, unit));
            }

            // Both nodes wake when the five minutes run out and both look; each unit is flagged once.
            var due = clock.GetUtcNow() + TimedUnits.EnRoute + TimeSpan.FromMinutes(1);
            var rounds = Task.WhenAll(first.RoundAt(due), second.RoundAt(due));
            clock.Advance(TimedUnits.EnRoute + TimeSpan.FromMinutes(1));
            await rounds;

            foreach (var (incident, unit) in incidents)
            {
                Assert.Equal(unit, Assert.Single(await first.Flags(incident)).UnitId);
                Assert.True((await second.Card(incident))!.Unit(unit).Overdue);
            }
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }
}
