using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Pipeline;

/// <summary>
/// Issue 15 part 4: past its ceiling the server refuses early and cleanly. A command beyond the gate is answered 503 with
/// <c>Retry-After</c> and the code <c>overloaded</c> (the unit hub: the reply <c>overloaded</c>; chat: a refusal saying so),
/// nothing of it is written, sign-in and reads keep working, and every intake answered 201 is in the store. A database
/// pool run dry answers 503 too, never 500. The gate is held by commands the test itself runs and releases: no sleeps.
/// </summary>
public sealed class AdmissionTests(TinyGateImpatientPoolApp app) : IClassFixture<TinyGateImpatientPoolApp>
{
    readonly Scopes _scopes = new(app);

    Admission Gate => app.Services.GetRequiredService<Admission>();

    sealed record Answer(HttpStatusCode Status, Guid? Id, string? Code, TimeSpan? RetryAfter, string? MediaType);

    static async Task<Answer> Intake(HttpClient client)
    {
        using var response = await client.PostReport(Api.Report(), idempotencyKey: Guid.NewGuid().ToString());
        var body = await response.Content.ReadAsStringAsync();
        var json = body.Length > 0 && body[0] == '{' ? JsonDocument.Parse(body).RootElement : default;
        return new Answer(response.StatusCode,
            response.StatusCode == HttpStatusCode.Created ? json.GetProperty("id").GetGuid() : null,
            json.ValueKind == JsonValueKind.Object && json.TryGetProperty("code", out var code) ? code.GetString() : null,
            response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType);
    }

    static void IsOverloaded(Answer answer)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("overloaded", answer.Code);
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.True(answer.RetryAfter >= TimeSpan.FromSeconds(1), $"Retry-After was {answer.RetryAfter}");
    }

    /// <summary>Counts what the "Dispatch" meter records while it lives.</summary>
    sealed class Measured : IDisposable
    {
        readonly MeterListener _listener = new();
        public readonly ConcurrentBag<(string Instrument, double Value, Dictionary<string, object?> Tags)> Seen = [];

        public Measured()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == DispatchMetrics.Name) listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Seen.Add((i.Name, v, Tags(tags))));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Seen.Add((i.Name, v, Tags(tags))));
            _listener.Start();
        }

        static Dictionary<string, object?> Tags(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var all = new Dictionary<string, object?>();
            foreach (var tag in tags) all[tag.Key] = tag.Value;
            return all;
        }

        public double Sum(string instrument, string via, string? outcome = null) => Seen
            .Where(m => m.Instrument == instrument && Equals(m.Tags.GetValueOrDefault("via"), via)
                        && (outcome is null || Equals(m.Tags.GetValueOrDefault("outcome"), outcome)))
            .Sum(m => m.Value);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task Given_the_gate_is_full_when_intakes_arrive_then_each_is_refused_with_503_retry_after_and_nothing_is_written_while_sign_in_and_reads_work()
    {
        var client = app.Client();
        await client.ReportOk(); // signed in, schema warm
        var reader = Api.Unique("reader");
        await app.EnsureUser(reader);
        var streams = await app.StreamCount();
        using var measured = new Measured();

        await using (await GateHold.AllTurns(app, TinyGateApp.Running))
        {
            Assert.Equal(TinyGateApp.Running, Gate.Running);
            var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Intake(client)));

            Assert.All(answers, IsOverloaded);
            // Sign-in and a read need no turn at the gate, and the gate left them connections.
            var signedIn = await app.SignIn(reader);
            Assert.NotEmpty(signedIn.GetAllCookies());
            var board = await client.GetJson("/api/board");
            Assert.Equal(JsonValueKind.Array, board.ValueKind);
        }

        Assert.Equal(streams, await app.StreamCount());
        Assert.True(measured.Sum("dispatch.commands.shed", "api") >= 40);
        Assert.True(measured.Sum("dispatch.commands", "api", "shed") >= 40);
        // Once the turns are free the same client is served again.
        await client.ReportOk();
        Assert.True(measured.Sum("dispatch.commands", "api", "ok") >= 1);
        Assert.Contains(measured.Seen, m => m.Instrument == "dispatch.command.duration" && Equals(m.Tags["outcome"], "ok"));
    }

    [Fact]
    public async Task Given_a_burst_far_beyond_the_gate_when_it_is_offered_then_there_is_no_500_every_503_says_when_to_retry_and_no_201_is_lost()
    {
        var client = app.Client();
        await client.ReportOk();
        var streams = await app.StreamCount();

        // The first wave meets a full gate (so some are surely shed); the second is offered as the turns come free.
        Answer[] first, second;
        await using (await GateHold.AllTurns(app, TinyGateApp.Running))
            first = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => Intake(client)));
        second = await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => Intake(client)));
        var after = await Intake(client); // alone: the gate admits again

        Answer[] all = [.. first, .. second, after];
        Assert.All(all, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"answered {(int)a.Status} {a.Code}"));
        Assert.All(all.Where(a => a.Status == HttpStatusCode.ServiceUnavailable), IsOverloaded);
        Assert.Contains(first, a => a.Status == HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.Created, after.Status);

        var created = all.Where(a => a.Status == HttpStatusCode.Created).Select(a => a.Id!.Value).ToList();
        Assert.Equal(created.Count, created.Distinct().Count());
        foreach (var id in created) Assert.Equal(Api.IntakeVersion, await app.StreamVersion(id)); // every 201 is in the store
        Assert.Equal(streams + created.Count, await app.StreamCount()); // and no 503 wrote anything
    }

    [Fact]
    public async Task Given_the_gate_is_full_when_a_unit_moves_over_its_hub_then_it_hears_overloaded_with_a_retry_after_and_stays_connected()
    {
        var login = Api.Unique("unit");
        using (var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = "满载-01", department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        }))
            await response.ShouldBe(HttpStatusCode.OK);
        await using var phone = await UnitDevice.Connect(app, login);

        UnitReply refused;
        await using (await GateHold.AllTurns(app, TinyGateApp.Running))
            refused = await phone.Call(UnitHubMethods.OnDuty); // waits its 200 ms in the queue, then is refused

        Assert.False(refused.Ok);
        Assert.Equal(UnitReply.Overloaded, refused.Code);
        Assert.True(refused.RetryAfterSeconds >= 1);
        Assert.Contains($"{refused.RetryAfterSeconds}", refused.Message); // "… try again in 1 s", in the unit's language
        Assert.Equal(HubConnectionState.Connected, phone.Connection.State);
        Assert.Equal(Dispatch.Domain.Units.UnitStatus.OffDuty, (await phone.Me()).Status);
        // The same connection, once the centre has room again.
        Assert.True((await phone.Call(UnitHubMethods.OnDuty)).Ok);
    }

    [Fact]
    public async Task Given_the_gate_is_full_when_a_line_is_posted_in_chat_then_the_sender_is_told_the_centre_is_busy_and_the_chat_api_answers_503()
    {
        var channel = Channels.Node(_scopes.Town.Path).Key;
        await using var alice = await ChatClient.Connect(app, Api.Unique("alice"), grants: new Grant(Role.Dispatcher, _scopes.Town.Path));
        var before = (await alice.History(channel)).Messages.Count;

        ChatReply reply;
        Answer api;
        await using (await GateHold.AllTurns(app, TinyGateApp.Running))
        {
            reply = await alice.Post(channel, "路口积水");
            // The same through the API: a 503 like any other command, not a 422 refusal.
            using var response = await app.Client().PostAsJsonAsync("/api/chat/messages", new { channel = Channels.Node(_scopes.City.Path).Key, text = "路口积水" });
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            api = new Answer(response.StatusCode, null, problem.TryGetProperty("code", out var code) ? code.GetString() : null,
                response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType);
        }

        Assert.False(reply.Ok);
        Assert.Equal("overloaded", reply.Code);
        Assert.Matches(@"busy.*\d+ s", reply.Text);
        IsOverloaded(api);
        Assert.Equal(before, (await alice.History(channel)).Messages.Count);
        Assert.True((await alice.Post(channel, "路口积水")).Ok);
    }

    [Fact]
    public async Task Given_the_connection_pool_is_dry_when_reads_and_intakes_arrive_then_they_are_answered_503_with_retry_after_never_500()
    {
        var client = app.Client();
        var known = await client.ReportOk();
        var streams = await app.StreamCount();
        var source = app.Services.GetRequiredService<NpgsqlDataSource>();
        var held = new ConcurrentBag<NpgsqlConnection>();
        using var stop = new CancellationTokenSource();
        var dry = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Three takers keep every connection of the server's pool, and each one the server's background work gives back:
        // the pool says it is exhausted (after its 1 s time-out), again and again, until the test ends.
        var takers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { held.Add(await source.OpenConnectionAsync(stop.Token)); }
                catch (NpgsqlException ex) when (TransientDatabase.IsBusy(ex)) { dry.TrySetResult(); }
                catch (OperationCanceledException) { }
            }
        })).ToList();
        var reads = new List<Answer>();
        var intakes = new List<Answer>();
        try
        {
            await dry.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // A connection given back may still reach a request before a taker: then it is served; it must never be a 500.
            for (var i = 0; i < 5 && !reads.Any(a => a.Status == HttpStatusCode.ServiceUnavailable); i++)
                using (var response = await client.GetAsync($"/api/incidents/{known.Id}"))
                {
                    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                    reads.Add(new Answer(response.StatusCode, null, body.TryGetProperty("code", out var code) ? code.GetString() : null,
                        response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType));
                }
            for (var i = 0; i < 5 && !intakes.Any(a => a.Status == HttpStatusCode.ServiceUnavailable); i++)
                intakes.Add(await Intake(client));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(takers);
            foreach (var connection in held) await connection.DisposeAsync();
        }

        Assert.All(reads, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"read answered {(int)a.Status}"));
        Assert.All(intakes, a => Assert.True(a.Status is HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable, $"intake answered {(int)a.Status}"));
        IsOverloaded(reads.Single(a => a.Status == HttpStatusCode.ServiceUnavailable));
        IsOverloaded(intakes.Single(a => a.Status == HttpStatusCode.ServiceUnavailable));
        var created = intakes.Where(a => a.Status == HttpStatusCode.Created).ToList();
        foreach (var a in created) Assert.Equal(Api.IntakeVersion, await app.StreamVersion(a.Id!.Value));
        Assert.Equal(streams + created.Count, await app.StreamCount());
        await client.Detail(known.Id); // and served again once connections are back
    }

    [Fact]
    public void What_counts_as_the_database_being_busy()
    {
        Assert.True(TransientDatabase.IsBusy(new NpgsqlException(
            "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 100) or 'Timeout' (currently 15 seconds) in your connection string.")));
        Assert.True(TransientDatabase.IsBusy(new InvalidOperationException("Marten's wrapper", new NpgsqlException("Exception while reading from stream", new TimeoutException()))));
        Assert.True(TransientDatabase.IsBusy(new AggregateException(new InvalidOperationException("x"), new PostgresException("too many clients", "FATAL", "FATAL", "53300"))));
        Assert.False(TransientDatabase.IsBusy(new TimeoutException("not the database's")));
        Assert.False(TransientDatabase.IsBusy(new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01")));
        // Busy is not "connection lost": the pipeline does not decide again (nor clear the pool) on it.
        Assert.False(TransientDatabase.Is(new NpgsqlException("Exception while reading from stream", new TimeoutException())));
        Assert.Equal(2, OverloadedException.RetryAfterOf(new NpgsqlException("The connection pool has been exhausted, …")));
        Assert.Equal(3, OverloadedException.RetryAfterOf(new OverloadedException(3)));
        Assert.Null(OverloadedException.RetryAfterOf(new InvalidOperationException()));
    }

    [Fact]
    public async Task Given_the_gate_is_full_a_system_command_waits_for_its_own_turn_and_is_not_shed()
    {
        var pipeline = app.Services.GetRequiredService<CommandPipeline>();
        await using (await GateHold.AllTurns(app, TinyGateApp.Running))
        {
            // Every turn of the people's commands is held: a system command runs in its own allowance, never refused.
            Assert.True(await pipeline.Run(CommandPipeline.System, Via.System, "test.system", _ => Task.FromResult(Decided.Nothing(true))));
            Assert.Equal(TinyGateApp.Running, Gate.Running);
        }
    }
}
