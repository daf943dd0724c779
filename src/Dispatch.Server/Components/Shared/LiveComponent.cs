using Microsoft.AspNetCore.Components;

namespace Dispatch.Server.Components.Shared;

/// <summary>
/// A component that shows live data, as ENGINEERING-NOTES "Pushing into Blazor Server circuits" says: it listens from
/// <c>OnAfterRenderAsync(firstRender)</c> (<see cref="Listen{T}"/>), handles each push on its circuit's dispatcher in the
/// console's culture (pushes come on the feed's thread), hands a failure to the circuit (<c>DispatchExceptionAsync</c>),
/// does nothing once disposed, and stops listening when disposed. A component states only what it listens to and what
/// it does with a change.
/// </summary>
public abstract class LiveComponent : ComponentBase, IDisposable
{
    readonly Lock _gate = new();
    readonly List<IDisposable> _subscriptions = [];
    volatile bool _disposed;

    /// <summary>The console's language, captured when the component is made (on the circuit).</summary>
    protected CircuitCulture Culture { get; } = CircuitCulture.Current;

    protected bool Disposed => _disposed;

    /// <summary>
    /// Subscribes <paramref name="onChange"/> through <paramref name="subscribe"/> (a feed's <c>Subscribe</c>) until the
    /// component is disposed. <paramref name="concerns"/> picks, on the feed's thread, the changes worth a turn on the circuit.
    /// </summary>
    protected void Listen<T>(Func<Func<T, Task>, IDisposable> subscribe, Func<T, Task> onChange, Func<T, bool>? concerns = null) =>
        Keep(subscribe(change => concerns is null || concerns(change) ? OnCircuit(() => onChange(change)) : Task.CompletedTask));

    /// <summary>
    /// Like <see cref="Listen{T}"/>, but changes that arrive while a turn is already waiting on the circuit join it: a burst
    /// of pushes costs one turn (and so one render) per circuit, not one per change. <paramref name="onChanges"/> gets them
    /// in the order published. The feed does not wait for the turn to end: changes that come while a circuit is busy join
    /// its next batch. But InvokeAsync runs a turn on the caller's thread when the circuit is idle, so the feed still does
    /// an idle board's work up to its first await: that work must cost what changed, not the board's size. When a board's
    /// turn counted its whole board, 25 boards of 20,000 open incidents held every push on the node back by up to two
    /// minutes at 250 intakes a second (docs/benchmarks.md, eleventh and twelfth sessions; BoardCards now keeps its counts).
    /// </summary>
    protected void ListenInBatches<T>(Func<Func<T, Task>, IDisposable> subscribe, Func<IReadOnlyList<T>, Task> onChanges)
    {
        var gate = new Lock();
        List<T>? waiting = null;
        Keep(subscribe(change =>
        {
            lock (gate)
            {
                if (waiting is not null)
                {
                    waiting.Add(change);
                    return Task.CompletedTask;
                }
                waiting = [change];
            }
            Forget(OnCircuit(() =>
            {
                List<T> batch;
                lock (gate) (batch, waiting) = (waiting!, null);
                return onChanges(batch);
            }));
            return Task.CompletedTask;
        }));
    }

    // A turn the feed does not wait for. Its work's failures already went to the circuit (OnCircuit); a turn that could not
    // even be queued (the circuit went away meanwhile) has nothing left to show: observed, so it is not reported unobserved.
    static void Forget(Task turn) =>
        turn.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    /// <summary>The same, for a feed (or the circuit's reconnect) that says only "changed".</summary>
    protected void Listen(Func<Func<Task>, IDisposable> subscribe, Func<Task> onChange) =>
        Keep(subscribe(() => OnCircuit(onChange)));

    /// <summary>Runs pushed work (a change, a timer) on the circuit: in the console's culture, not once disposed, failures to the circuit.</summary>
    protected Task OnCircuit(Func<Task> work)
    {
        if (_disposed) return Task.CompletedTask;
        return InvokeAsync(async () =>
        {
            if (_disposed) return;
            try
            {
                Culture.Apply();
                await work();
            }
            catch (Exception ex) { await DispatchExceptionAsync(ex); }
        });
    }

    void Keep(IDisposable subscription)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _subscriptions.Add(subscription);
                return;
            }
        }
        subscription.Dispose();
    }

    public void Dispose()
    {
        IDisposable[] subscriptions;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            subscriptions = [.. _subscriptions];
        }
        foreach (var subscription in subscriptions) subscription.Dispose();
        OnDisposed();
    }

    /// <summary>What else the component lets go of (timers, handlers) when it goes.</summary>
    protected virtual void OnDisposed() { }
}
