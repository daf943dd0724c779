using Dispatch.Domain.Access;
using Dispatch.Server.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>A server with a tiny admission gate (2 commands running, 4 waiting, at most 200 ms each), so that overload is cheap to reach.</summary>
public class TinyGateApp : DispatchApp
{
    public const int Running = 2, Waiting = 4, WaitMs = 200;

    public TinyGateApp()
    {
        Settings["Dispatch:Admission:MaxConcurrentCommands"] = Running.ToString();
        Settings["Dispatch:Admission:MaxQueuedCommands"] = Waiting.ToString();
        Settings["Dispatch:Admission:MaxWaitMs"] = WaitMs.ToString();
    }
}

/// <summary>
/// The tiny gate, and a connection pool that gives up after 1 s, so that a dry pool is cheap to reach. Only for the test
/// that dries the pool: the same 1 s bounds opening a connection, which a busy machine can exceed while the app starts.
/// </summary>
public sealed class TinyGateImpatientPoolApp : TinyGateApp
{
    public TinyGateImpatientPoolApp() =>
        Settings["ConnectionStrings:Dispatch"] = new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = 1 }.ConnectionString;
}

/// <summary>
/// Holds every running turn of the admission gate with commands that wait for the test (nothing written), and releases
/// them on dispose: the gate is full for exactly as long as the test says, without sleeping.
/// </summary>
public sealed class GateHold : IAsyncDisposable
{
    readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly List<Task<bool>> _runs = [];

    public static async Task<GateHold> AllTurns(DispatchApp app, int turns)
    {
        var hold = new GateHold();
        var pipeline = app.Services.GetRequiredService<CommandPipeline>();
        var entered = new SemaphoreSlim(0);
        var actor = new Actor(DispatchApp.DefaultUser, "Test", []);
        for (var i = 0; i < turns; i++)
            hold._runs.Add(pipeline.Run(actor, Via.Api, "test.hold", async _ =>
            {
                entered.Release();
                await hold._release.Task;
                return Decided.Nothing(true);
            }));
        for (var i = 0; i < turns; i++) Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(10)), "the holding commands did not start");
        return hold;
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        Assert.All(await Task.WhenAll(_runs), Assert.True);
    }
}
