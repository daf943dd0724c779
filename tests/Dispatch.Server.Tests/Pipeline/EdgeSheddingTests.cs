using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Pipeline;

/// <summary>A gate of one turn and one place in the queue, where a queued command waits long: full exactly while the test holds it.</summary>
public sealed class OneTurnGateApp : DispatchApp
{
    public OneTurnGateApp()
    {
        Settings["Dispatch:Admission:MaxConcurrentCommands"] = "1";
        Settings["Dispatch:Admission:MaxQueuedCommands"] = "1";
        Settings["Dispatch:Admission:MaxWaitMs"] = "60000";
    }
}

/// <summary>
/// Issue 15: past the ceiling an API command is refused at the door — before its cookie, body or JSON are looked at — with
/// the gate's own answer, while sign-in and reads go on; once the gate has room the same request is served.
/// </summary>
public sealed class EdgeSheddingTests(OneTurnGateApp app) : IClassFixture<OneTurnGateApp>
{
    [Fact]
    public async Task Given_every_turn_taken_and_the_queue_full_when_a_command_arrives_then_it_is_refused_503_before_sign_in_or_json_are_checked()
    {
        var client = app.Client();
        await client.ReportOk(); // signed in, schema warm
        var gate = app.Services.GetRequiredService<Admission>();
        var streams = await app.StreamCount();

        Task<bool> queued;
        await using (await GateHold.AllTurns(app, 1))
        {
            // One more command takes the only place in the queue and waits there (up to a minute) for the held turn.
            var pipeline = app.Services.GetRequiredService<CommandPipeline>();
            queued = pipeline.Run(new Actor(DispatchApp.DefaultUser, "Test", []), Via.Api, "test.queued",
                _ => Task.FromResult(Decided.Nothing(true)));
            await Until(() => gate.Full);

            // Not signed in and not JSON: without the door this would be 401 or 415; the door answers first.
            using var anonymous = app.Anonymous();
            using var garbage = await anonymous.PostAsync("/api/incidents", new StringContent("{not json", Encoding.UTF8, "text/plain"));
            await AssertOverloaded(garbage);
            using var intake = await client.PostReport(Api.Report());
            await AssertOverloaded(intake);

            // Sign-in is not a command, and reads need no turn.
            var reader = Api.Unique("reader");
            await app.EnsureUser(reader);
            Assert.NotEmpty((await app.SignIn(reader)).GetAllCookies());
            Assert.Equal(JsonValueKind.Array, (await client.GetJson("/api/board")).ValueKind);
        }

        Assert.True(await queued.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.False(gate.Full);
        Assert.Equal(streams, await app.StreamCount()); // nothing refused was written
        await client.ReportOk();
    }

    static async Task AssertOverloaded(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("overloaded", problem.GetProperty("code").GetString());
    }

    // The queued command reaches the gate's queue on the thread pool: wait for the gate to say so.
    static async Task Until(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
            await Task.Delay(10, timeout.Token);
    }
}
