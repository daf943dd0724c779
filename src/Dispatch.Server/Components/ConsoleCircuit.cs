using Microsoft.AspNetCore.Components.Server.Circuits;

namespace Dispatch.Server.Components;

/// <summary>
/// Tells this console's live views when the browser's connection came back. While it was down, pushed changes
/// could not reach the page, so a view that shows live data reloads on <see cref="Reconnected"/>.
/// </summary>
public sealed class ConsoleCircuit : CircuitHandler
{
    int _ups;

    /// <summary>Raised when the connection is up again after a drop (not on the first connection).</summary>
    public event Func<Task>? Reconnected;

    /// <summary>Adds <paramref name="onReconnected"/> to <see cref="Reconnected"/>; dispose the answer to remove it.</summary>
    public IDisposable Subscribe(Func<Task> onReconnected)
    {
        Reconnected += onReconnected;
        return new Removal(() => Reconnected -= onReconnected);
    }

    sealed class Removal(Action remove) : IDisposable
    {
        int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) remove(); }
    }

    public override async Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _ups) == 1 || Reconnected is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList().Cast<Func<Task>>())
            await handler();
    }
}

public static class ConsoleCircuitSetup
{
    /// <summary>One <see cref="ConsoleCircuit"/> per circuit, known to Blazor as a circuit handler.</summary>
    public static IServiceCollection AddConsoleCircuit(this IServiceCollection services)
    {
        services.AddScoped<ConsoleCircuit>();
        services.AddScoped<CircuitHandler>(sp => sp.GetRequiredService<ConsoleCircuit>());
        return services;
    }
}
