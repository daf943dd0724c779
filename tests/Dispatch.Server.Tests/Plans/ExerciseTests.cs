using System.Net;
using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Drill;
using Dispatch.Server.Exercises;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Npgsql;

namespace Dispatch.Server.Tests.Plans;

/// <summary>
/// Drilling a plan (预案演练): the shipped scenario played into an exercise node of its own, and what keeps it away from
/// the live city — the exercise node's own database, the guard at start-up on both sides, and the player's refusal of a
/// server that is not an exercise.
/// </summary>
public sealed class ExerciseTests
{
    const string Name = "东湖区燃气爆炸 Ⅱ级响应演练";

    [Fact]
    public async Task Given_a_live_city_when_the_gas_explosion_scenario_is_played_into_an_exercise_node_then_the_exercise_has_it_and_the_live_counts_are_unchanged()
    {
        await using var live = new DispatchApp();
        await using var exercise = new DispatchApp { Settings = { [ExerciseSpace.NameKey] = Name } };
        await ((IAsyncLifetime)live).InitializeAsync();
        await ((IAsyncLifetime)exercise).InitializeAsync();
        await live.Client().ReportOk(Api.Report("燃气味很重，疑似泄漏", category: "gas-leak", urgency: 4));
        var before = await Counts(live);

        var city = new Scopes(exercise).City;
        await exercise.EnsureUser("city.admin", new Grant(Role.Admin, city.Path));
        await exercise.EnsureUser("city.calltaker", new Grant(Role.CallTaker, city.Path));
        await exercise.EnsureUser("city.dispatcher", new Grant(Role.Dispatcher, city.Path));
        var scenario = Scenario.Read(RepoFiles.Path("deploy/exercises/gas-explosion.json"));
        var output = new StringWriter();

        var run = await Exercise.Play(exercise.BaseAddress, scenario, speed: 3600, "city.admin", DispatchApp.Password, output);

        Assert.Equal(Name, run.Space);
        Assert.Equal(2, run.Incidents.Count);
        var events = (await exercise.Events(run.Incidents[0].Id)).Select(e => e.Data).ToList();
        Assert.Equal("gas-explosion", Assert.Single(events.OfType<PlanActivated>()).Plan);
        Assert.Equal(["fire-rescue", "cut-gas"], events.OfType<PlanTaskCompleted>().Select(c => c.Task));
        Assert.Equal(4, events.OfType<PlanTaskAcknowledged>().Count());
        Assert.Equal(before, await Counts(live));

        var review = new StringWriter();
        await Exercise.Review(exercise.BaseAddress, "city.dispatcher", DispatchApp.Password, run, review);
        Assert.Contains("plan gas-explosion v1", review.ToString());
        Assert.Matches(@"fire-rescue .* on time", review.ToString());
    }

    [Fact]
    public async Task Given_a_live_node_when_a_scenario_is_played_at_it_then_it_is_refused_before_anything_is_written()
    {
        await using var live = new DispatchApp();
        await ((IAsyncLifetime)live).InitializeAsync();
        await live.EnsureUser("city.admin", new Grant(Role.Admin, new Scopes(live).City.Path));
        var before = await Counts(live);

        var refused = await Assert.ThrowsAsync<DispatchApiException>(() => Exercise.Play(live.BaseAddress,
            Scenario.Read(RepoFiles.Path("deploy/exercises/gas-explosion.json")), 3600, "city.admin", DispatchApp.Password, TextWriter.Null));

        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Contains("not an exercise space", refused.Message);
        Assert.Equal(before, await Counts(live));
    }

    [Fact]
    public async Task Given_an_exercise_node_when_any_page_or_answer_is_read_then_it_says_it_is_an_exercise_and_a_live_node_does_not()
    {
        await using var live = new DispatchApp();
        await using var exercise = new DispatchApp { Settings = { [ExerciseSpace.NameKey] = Name } };
        await ((IAsyncLifetime)live).InitializeAsync();
        await ((IAsyncLifetime)exercise).InitializeAsync();

        using var exercisePage = await exercise.Anonymous().GetAsync("/signin");
        using var livePage = await live.Anonymous().GetAsync("/signin");
        using var exerciseApi = await exercise.Client().GetAsync("/api/board");

        var html = WebUtility.HtmlDecode(await exercisePage.Content.ReadAsStringAsync());
        Assert.Contains("data-testid=\"exercise-banner\"", html);
        Assert.Contains(Name, html);
        Assert.Equal(Name, Uri.UnescapeDataString(exerciseApi.Headers.GetValues(ExerciseSpace.Header).Single()));
        Assert.DoesNotContain("exercise-banner", await livePage.Content.ReadAsStringAsync());
        Assert.False(livePage.Headers.Contains(ExerciseSpace.Header));
    }

    [Fact]
    public async Task Given_a_database_with_live_history_when_an_exercise_node_starts_on_it_then_it_refuses_and_the_history_is_untouched()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        long before;
        await using (var live = DispatchApp.OnDatabase(database, keepDatabase: true))
        {
            await ((IAsyncLifetime)live).InitializeAsync();
            await live.Client().ReportOk();
            before = (await Counts(live)).Events;
        }

        var exercise = DispatchApp.OnDatabase(database, keepDatabase: false);
        exercise.Settings[ExerciseSpace.NameKey] = Name;
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)exercise).InitializeAsync());
        Assert.Contains("already holds events", Flatten(refused));
        Assert.Equal(before, await EventCount(exercise.ConnectionString));
        await exercise.DisposeAsync();
    }

    [Fact]
    public async Task Given_an_exercise_database_when_a_live_node_starts_on_it_then_it_refuses()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        await using (var exercise = DispatchApp.OnDatabase(database, keepDatabase: true))
        {
            exercise.Settings[ExerciseSpace.NameKey] = Name;
            await ((IAsyncLifetime)exercise).InitializeAsync();
            await exercise.Client().ReportOk();
        }

        var live = DispatchApp.OnDatabase(database, keepDatabase: false);
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ((IAsyncLifetime)live).InitializeAsync());
        Assert.Contains($"exercise space '{Name}'", Flatten(refused));
        await live.DisposeAsync();
    }

    [Fact]
    public void Given_a_scenario_with_faults_when_it_is_checked_then_each_is_named_by_its_place()
    {
        var scenario = new Scenario("", null, [new ScenarioPlayer("", null, "Handler", "demo", "fire")],
        [
            new ScenarioStep(TimeSpan.FromMinutes(2), "city.calltaker", System.Text.Json.JsonDocument.Parse("{}").RootElement, null, null, null),
            new ScenarioStep(TimeSpan.FromMinutes(1), "city.dispatcher", null, "activate-plan", 3, null),
            new ScenarioStep(TimeSpan.FromMinutes(3), "", null, null, null, null),
        ]);

        Assert.Equal(
        [
            "name: give the exercise a name.",
            "players[0].login: required.",
            "steps[1].at: 00:01:00 comes before the step above it (00:02:00); keep the steps in time order.",
            "steps[1].incident: the number of a report above this step (0 to 0).",
            "steps[2].as: name who takes the step (a login).",
            "steps[2]: give either a report or an action, not both or neither.",
        ], scenario.Problems());
    }

    /// <summary>What a city's store holds: events, streams and incident cards.</summary>
    static async Task<(long Events, long Streams, long Cards)> Counts(DispatchApp app)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select (select count(*) from dispatch.mt_events), (select count(*) from dispatch.mt_streams), (select count(*) from dispatch.mt_doc_incidentcard)",
            connection);
        await using var row = await count.ExecuteReaderAsync();
        await row.ReadAsync();
        return (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2));
    }

    static async Task<long> EventCount(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("select count(*) from dispatch.mt_events", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    static string Flatten(Exception e) => e is AggregateException a ? string.Join(" | ", a.Flatten().InnerExceptions.Select(Flatten)) : e.ToString();
}
