using System.Net;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Lifecycle;

/// <summary>
/// Two people acting on one incident at once: with the version they saw, the loser gets a 409 that says what
/// changed; without it, the command is decided again on the fresh state. Either way the stream holds each step once.
/// </summary>
public sealed class ConcurrencyTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    [Fact]
    public async Task A_stale_expected_version_is_a_conflict_that_names_what_changed_and_who_changed_it()
    {
        var incident = await app.Client().Accepted();
        app.Time.Set(new DateTimeOffset(2026, 11, 23, 2, 15, 30, TimeSpan.Zero)); // 10:15:30 in Shanghai
        var assigned = await app.Client("dispatcher-alice").CommandOk(incident.Id, "assign",
            new { department = "water", expectedVersion = incident.Version });

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client("dispatcher-bob").Command(incident.Id, "assign",
                new { department = "transport", expectedVersion = incident.Version });

            var problem = await response.Problem(HttpStatusCode.Conflict);
            var detail = problem.GetProperty("detail").GetString()!;
            Assert.Contains(incident.Number, detail);
            Assert.Contains("Assigned by dispatcher-alice at 10:15:30", detail);
            Assert.Equal(incident.Version, problem.GetProperty("expectedVersion").GetInt64());
            Assert.Equal(assigned.Version, problem.GetProperty("actualVersion").GetInt64());
            Assert.Equal(incident.Version + 1, assigned.Version);
            var change = Assert.Single(problem.GetProperty("changes").EnumerateArray());
            Assert.Equal("Assigned", change.GetProperty("kind").GetString());
            Assert.Equal("dispatcher-alice", change.GetProperty("by").GetString());
            Assert.Equal("water", change.GetProperty("department").GetString());
        });
        Assert.Equal("water", (await app.Card(incident.Id))!.LeadDepartment);
    }

    [Fact]
    public async Task A_conflict_lists_every_change_since_the_version_the_person_saw()
    {
        var incident = await app.Client().Reported();
        await app.Client("dispatcher-alice").CommandOk(incident.Id, "accept");
        await app.Client("dispatcher-alice").CommandOk(incident.Id, "assign", new { department = "water" });
        var acknowledged = await app.Client("handler-carol").CommandOk(incident.Id, "acknowledge", new { department = "water" });

        using var response = await app.Client("dispatcher-bob").Command(incident.Id, "cancel",
            new { reason = "invalid", expectedVersion = incident.Version });

        var problem = await response.Problem(HttpStatusCode.Conflict);
        Assert.Equal(incident.Version, problem.GetProperty("expectedVersion").GetInt64());
        Assert.Equal(incident.Version + 3, acknowledged.Version);
        Assert.Equal(acknowledged.Version, problem.GetProperty("actualVersion").GetInt64());
        Assert.Equal(
            [("Accepted", "dispatcher-alice"), ("Assigned", "dispatcher-alice"), ("Acknowledged", "handler-carol")],
            problem.GetProperty("changes").EnumerateArray().Select(c => (c.GetProperty("kind").GetString(), c.GetProperty("by").GetString())));
        Assert.Equal(IncidentState.Acknowledged, (await app.Card(incident.Id))!.State);
    }

    [Fact]
    public async Task The_current_expected_version_is_no_conflict()
    {
        var incident = await app.Client().Accepted();

        var assigned = await app.Client().CommandOk(incident.Id, "assign", new { department = "water", expectedVersion = incident.Version });

        Assert.Equal(incident.Version + 1, assigned.Version);
    }

    [Fact]
    public async Task An_expected_version_ahead_of_the_incident_is_a_conflict()
    {
        var incident = await app.Client().Accepted();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "assign", new { department = "water", expectedVersion = 7 });

            var problem = await response.Problem(HttpStatusCode.Conflict);
            Assert.Equal(incident.Version, problem.GetProperty("actualVersion").GetInt64());
            Assert.Empty(problem.GetProperty("changes").EnumerateArray());
        });
    }

    [Fact]
    public async Task Two_concurrent_assigns_with_the_same_expected_version_one_wins_and_one_conflicts()
    {
        // Several incidents, so that some of the pairs really overlap in the database.
        for (var round = 0; round < 5; round++)
        {
            var incident = await app.Client().Accepted();
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var attempts = new[] { ("dispatcher-alice", "water"), ("dispatcher-bob", "transport") }.Select(async p =>
            {
                var client = app.Client(p.Item1);
                await start.Task;
                using var response = await client.Command(incident.Id, "assign", new { department = p.Item2, expectedVersion = incident.Version });
                return (p.Item1, p.Item2, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }).ToList();
            start.SetResult();
            var outcomes = await Task.WhenAll(attempts);

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], outcomes.Select(o => o.StatusCode).Order());
            var winner = outcomes.Single(o => o.StatusCode == HttpStatusCode.OK);
            var loser = outcomes.Single(o => o.StatusCode == HttpStatusCode.Conflict);
            Assert.Contains($"Assigned by {winner.Item1}", loser.Body);
            var assigned = Assert.Single(await app.Events(incident.Id), e => e.Data is IncidentAssigned);
            Assert.Equal(winner.Item2, ((IncidentAssigned)assigned.Data).Department);
            Assert.Equal(incident.Version + 1, await app.StreamVersion(incident.Id));
            Assert.Equal((winner.Item2, incident.Version + 1), ((await app.Card(incident.Id))!.LeadDepartment, (await app.Card(incident.Id))!.Version));
        }
    }

    [Fact]
    public async Task Two_concurrent_accepts_without_expected_version_accept_once_and_refuse_the_other()
    {
        for (var round = 0; round < 5; round++)
        {
            var incident = await app.Client().Reported();
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

            var attempts = Enumerable.Range(0, 2).Select(async n =>
            {
                var client = app.Client($"dispatcher-{n}");
                await start.Task;
                using var response = await client.Command(incident.Id, "accept");
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }).ToList();
            start.SetResult();
            var outcomes = await Task.WhenAll(attempts);

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity], outcomes.Select(o => o.StatusCode).Order());
            Assert.Contains("accept.not-new", outcomes.Single(o => o.StatusCode == HttpStatusCode.UnprocessableEntity).Body);
            Assert.Single(await app.Events(incident.Id), e => e.Data is IncidentAccepted);
            Assert.Equal(incident.Version + 1, await app.StreamVersion(incident.Id));
        }
    }

    [Fact]
    public async Task Eight_concurrent_accepts_without_expected_version_accept_once()
    {
        var incident = await app.Client().Reported();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var attempts = Enumerable.Range(0, 8).Select(async n =>
        {
            var client = app.Client($"dispatcher-{n}");
            await start.Task;
            using var response = await client.Command(incident.Id, "accept");
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var outcomes = await Task.WhenAll(attempts);

        Assert.Single(outcomes, o => o.StatusCode == HttpStatusCode.OK);
        Assert.All(outcomes.Where(o => o.StatusCode != HttpStatusCode.OK), o =>
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, o.StatusCode);
            Assert.Contains("accept.not-new", o.Body);
        });
        Assert.Single(await app.Events(incident.Id), e => e.Data is IncidentAccepted);
    }

    /// <summary>
    /// Field units posting notes on one incident at the same moment: every note is allowed, so every one must be
    /// recorded (the writers take turns on the stream) — none may end in a server error.
    /// </summary>
    [Fact]
    public async Task Ten_concurrent_progress_notes_without_expected_version_are_all_recorded()
    {
        var incident = await app.Client().Acknowledged();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var notes = Enumerable.Range(0, 10).Select(async n =>
        {
            var client = app.Client($"unit-{n}");
            await start.Task;
            using var response = await client.Command(incident.Id, "progress", new { department = Steps.Department, note = $"第 {n} 组到场" });
            return (n, response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var outcomes = await Task.WhenAll(notes);

        Assert.All(outcomes, o => Assert.True(o.StatusCode == HttpStatusCode.OK, $"note {o.n}: {(int)o.StatusCode} {o.Body}"));
        Assert.Equal(10, (await app.Events(incident.Id)).Count(e => e.Data is IncidentProgressNoted));
        Assert.Equal(incident.Version + 10, await app.StreamVersion(incident.Id));
    }

    [Fact]
    public async Task Concurrent_different_steps_without_expected_version_are_all_decided_on_the_fresh_state()
    {
        // A progress note and a resolve race: both are allowed in either order only if the note comes first,
        // so whichever loses the race must be decided again and the stream must stay consistent.
        var incident = await app.Client().Acknowledged();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var note = Task.Run(async () =>
        {
            var client = app.Client("handler-a");
            await start.Task;
            using var r = await client.Command(incident.Id, "progress", new { department = Steps.Department, note = "到场处置" });
            return r.StatusCode;
        });
        var resolve = Task.Run(async () =>
        {
            var client = app.Client("handler-b");
            await start.Task;
            using var r = await client.Command(incident.Id, "resolve", new { department = Steps.Department, resolution = "已修复" });
            return r.StatusCode;
        });
        start.SetResult();
        var (noted, resolved) = (await note, await resolve);

        Assert.Equal(HttpStatusCode.OK, resolved);
        var events = await app.Events(incident.Id);
        var kinds = events.Skip((int)incident.Version).Select(e => e.Data.GetType()).ToList();
        if (noted == HttpStatusCode.OK)
            Assert.Equal([typeof(IncidentProgressNoted), typeof(IncidentResolved)], kinds);
        else
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, noted);
            Assert.Equal([typeof(IncidentResolved)], kinds);
        }
        Assert.Equal(events.Count, await app.StreamVersion(incident.Id));
        Assert.Equal(events.Count, (await app.Card(incident.Id))!.Version);
    }
}
