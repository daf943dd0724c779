using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Audit;
using Dispatch.Server.Tests.Infrastructure;
using Marten;

namespace Dispatch.Server.Tests.Pipeline;

/// <summary>
/// Reports that arrive together are committed together (<see cref="Dispatch.Server.Pipeline.GroupCommit"/>): each is still
/// written whole, answered with its own incident and audited, and one refused by the database fails only itself.
/// </summary>
public sealed class GroupCommitTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    /// <summary>The group sizes the "Dispatch" meter records while it lives.</summary>
    sealed class Groups : IDisposable
    {
        readonly MeterListener _listener = new();
        public readonly ConcurrentBag<int> Sizes = [];

        public Groups()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument is { Name: "dispatch.command.group_size", Meter.Name: DispatchMetrics.Name }) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<int>((_, size, _, _) => Sizes.Add(size));
            _listener.Start();
        }

        public void Dispose() => _listener.Dispose();
    }

    static async Task<(HttpStatusCode Status, string Body)[]> AllAtOnce(IReadOnlyList<HttpClient> clients,
        IReadOnlyList<(System.Text.Json.Nodes.JsonObject Report, string Key)> reports)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var posts = reports.Select(async (r, i) =>
        {
            await start.Task;
            using var response = await clients[i % clients.Count].PostReport(r.Report, r.Key);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        return await Task.WhenAll(posts);
    }

    /// <summary>Four call-taker clients, signed in, the schema warm.</summary>
    async Task<IReadOnlyList<HttpClient>> Desks()
    {
        var clients = Enumerable.Range(0, 4).Select(_ => app.Client()).ToList();
        foreach (var client in clients) await client.ReportOk();
        return clients;
    }

    static Accepted Read(string body) => JsonSerializer.Deserialize<Accepted>(body, JsonSerializerOptions.Web)!;

    [Fact]
    public async Task Given_forty_reports_at_once_when_they_are_committed_then_each_is_written_whole_with_its_own_number_and_audit_line()
    {
        var reports = Enumerable.Range(0, 40).Select(_ => (Api.Report(), Api.Unique("key"))).ToList();
        var desks = await Desks();
        var streams = await app.StreamCount();
        using var groups = new Groups();

        var answers = await AllAtOnce(desks, reports);

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Created, $"{(int)a.Status}: {a.Body}"));
        var created = answers.Select(a => Read(a.Body)).ToList();
        Assert.Equal(40, created.Select(c => c.Id).Distinct().Count());
        Assert.Equal(40, created.Select(c => c.Number).Distinct().Count());
        Assert.Equal(streams + 40, await app.StreamCount());
        await using var query = app.Documents().QuerySession();
        foreach (var incident in created)
        {
            await app.IntakeEvents<IncidentPlaced>(incident.Id);
            Assert.Equal(incident.Number, (await app.Card(incident.Id))!.Number);
            Assert.Single(await query.Query<AuditEntry>().Where(a => a.IncidentId == incident.Id && a.Action == "incident.report").ToListAsync());
        }
        // Every report went through a group transaction (other classes' reports may add to the count, never take from it).
        Assert.True(groups.Sizes.Sum() >= 40, $"group sizes seen: {string.Join(", ", groups.Sizes)}");
    }

    [Fact]
    public async Task Given_a_key_repeated_among_other_reports_when_their_group_is_refused_then_only_the_repeat_is_answered_as_a_replay()
    {
        var repeated = (Api.Report(), Api.Unique("key"));
        var reports = Enumerable.Range(0, 20).Select(_ => (Api.Report(), Api.Unique("key")))
            .Concat(Enumerable.Repeat(repeated, 8)).OrderBy(_ => Random.Shared.Next()).ToList();
        var desks = await Desks();
        var streams = await app.StreamCount();

        var answers = await AllAtOnce(desks, reports);

        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)a.Status}: {a.Body}"));
        Assert.Equal(21, answers.Count(a => a.Status == HttpStatusCode.Created));
        var replays = answers.Where(a => a.Status == HttpStatusCode.OK).Select(a => Read(a.Body)).ToList();
        Assert.Equal(7, replays.Count);
        var once = Assert.Single(replays.Select(r => r.Id).Distinct());
        Assert.Single(answers, a => a.Status == HttpStatusCode.Created && Read(a.Body).Id == once);
        Assert.Equal(streams + 21, await app.StreamCount());
    }
}
