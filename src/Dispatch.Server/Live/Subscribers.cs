namespace Dispatch.Server.Live;

/// <summary>
/// Who listens to one of this node's feeds (console circuits, hub connections): they come and go at any time, and each
/// publish calls every one of them at once, so one slow circuit does not hold up the others; a failing one is logged.
/// </summary>
public sealed class Subscribers<T>(ILogger log, string feed)
{
    readonly Lock _gate = new();
    Func<T, Task>[] _handlers = [];

    /// <summary>Adds <paramref name="handler"/>; dispose the answer to remove it (once, however often disposed).</summary>
    public IDisposable Add(Func<T, Task> handler)
    {
        lock (_gate) _handlers = [.. _handlers, handler];
        return new Removal(() => { lock (_gate) _handlers = [.. _handlers.Where(h => h != handler)]; });
    }

    public Task Publish(T item)
    {
        Func<T, Task>[] handlers;
        lock (_gate) handlers = _handlers;
        return Task.WhenAll(handlers.Select(async handler =>
        {
            try { await handler(item); }
            catch (Exception ex) { log.LogWarning(ex, "A {Feed} subscriber failed", feed); }
        }));
    }

    sealed class Removal(Action remove) : IDisposable
    {
        int _done;
        public void Dispose() { if (Interlocked.Exchange(ref _done, 1) == 0) remove(); }
    }
}
