using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Intake;

/// <summary>A hotline desk that retries an intake with the same Idempotency-Key creates one incident.</summary>
public sealed class IdempotencyTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task Repeating_an_intake_with_the_same_key_and_body_answers_with_the_first_incident()
    {
        var key = Api.Unique("key");
        var report = Api.Report();
        var client = app.Client();
        var streams = await app.StreamCount();

        using var first = await client.PostReport(report, key);
        using var again = await client.PostReport(report, key);

        await first.ShouldBe(HttpStatusCode.Created);
        await again.ShouldBe(HttpStatusCode.OK);
        var created = (await first.Content.ReadFromJsonAsync<Accepted>())!;
        var replayed = (await again.Content.ReadFromJsonAsync<Accepted>())!;
        Assert.Equal(created, replayed);
        Assert.Equal(streams + 1, await app.StreamCount());
        await app.IntakeEvents<IncidentPlaced>(created.Id);
    }

    [Fact]
    public async Task A_replay_after_the_incident_moved_on_reports_its_current_version()
    {
        var key = Api.Unique("key");
        var report = Api.Report();
        var client = app.Client();
        using var first = await client.PostReport(report, key);
        var created = (await first.Content.ReadFromJsonAsync<Accepted>())!;
        var accepted = await client.CommandOk(created.Id, "accept");
        Assert.Equal(created.Version + 1, accepted.Version);

        using var again = await client.PostReport(report, key);

        await again.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(created with { Version = accepted.Version }, await again.Content.ReadFromJsonAsync<Accepted>());
        Assert.Equal(accepted.Version, await app.StreamVersion(created.Id));
    }

    [Fact]
    public async Task Ten_concurrent_intakes_with_the_same_key_create_exactly_one_incident()
    {
        var key = Api.Unique("key");
        var report = Api.Report();
        var streams = await app.StreamCount();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var posts = Enumerable.Range(0, 10).Select(async _ =>
        {
            var client = app.Client();
            await start.Task;
            using var response = await client.PostReport(report, key);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var responses = await Task.WhenAll(posts);

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK,
            $"{(int)r.StatusCode}: {r.Body}"));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var answers = responses.Select(r => System.Text.Json.JsonSerializer.Deserialize<Accepted>(r.Body,
            System.Text.Json.JsonSerializerOptions.Web)!).Distinct().ToList();
        var incident = Assert.Single(answers);
        Assert.Equal(streams + 1, await app.StreamCount());
        await app.IntakeEvents<IncidentPlaced>(incident.Id);
    }

    [Fact]
    public async Task Reusing_a_key_for_a_different_report_is_refused_and_writes_nothing()
    {
        var key = Api.Unique("key");
        var client = app.Client();
        using var first = await client.PostReport(Api.Report("第一次上报"), key);
        await first.ShouldBe(HttpStatusCode.Created);
        var created = (await first.Content.ReadFromJsonAsync<Accepted>())!;

        await app.WritesNothing(created.Id, async () =>
        {
            using var response = await client.PostReport(Api.Report("另一件事"), key);

            var detail = await response.Refusal("intake.key-reused");
            Assert.Contains(key, detail);
            Assert.Contains(created.Number, detail);
        });
    }

    [Fact]
    public async Task Different_keys_for_the_same_report_create_two_incidents()
    {
        var report = Api.Report();
        var client = app.Client();

        using var first = await client.PostReport(report, Api.Unique("key"));
        using var second = await client.PostReport(report, Api.Unique("key"));

        await first.ShouldBe(HttpStatusCode.Created);
        await second.ShouldBe(HttpStatusCode.Created);
        var a = (await first.Content.ReadFromJsonAsync<Accepted>())!;
        var b = (await second.Content.ReadFromJsonAsync<Accepted>())!;
        Assert.NotEqual(a.Id, b.Id);
        Assert.NotEqual(a.Number, b.Number);
    }

    [Fact]
    public async Task Without_a_key_the_same_report_twice_is_two_incidents()
    {
        var report = Api.Report();
        var client = app.Client();

        var a = await client.ReportOk(report);
        var b = await client.ReportOk(report);

        Assert.NotEqual(a.Id, b.Id);
    }
}
