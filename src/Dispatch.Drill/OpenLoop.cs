using System.Diagnostics;

namespace Dispatch.Drill;

/// <summary>
/// Arrivals at a fixed rate that do not wait for the server: the i-th is due at i / rate after the start whatever
/// happened to the ones before (an open loop, as callers and phones are). A closed loop that waits for each answer
/// slows down with the server and hides its slowness (coordinated omission); here each request's latency is counted
/// from the moment it was due, so a late start — the load generator's own or a queue's — is in the figure.
/// </summary>
public static class OpenLoop
{
    /// <summary>When the i-th arrival is due after the start.</summary>
    public static TimeSpan Due(int i, double rate) => TimeSpan.FromSeconds(i / rate);

    /// <summary>
    /// Calls <paramref name="fire"/>(i, the <see cref="Stopwatch"/> timestamp it was due) <paramref name="count"/> times
    /// at <paramref name="rate"/> a second. <paramref name="fire"/> must start its work and return at once; the tasks it
    /// returns are awaited only after the last arrival.
    /// </summary>
    public static async Task Run(int count, double rate, Func<int, long, Task> fire, CancellationToken ct = default)
    {
        var started = Stopwatch.GetTimestamp();
        var running = new List<Task>(count);
        var i = 0;
        while (i < count)
        {
            var now = Stopwatch.GetElapsedTime(started);
            // Everything already due goes now, in order: a late timer makes a burst, not a slower rate.
            while (i < count && Due(i, rate) <= now)
            {
                running.Add(fire(i, started + (long)(Due(i, rate).TotalSeconds * Stopwatch.Frequency)));
                i++;
            }
            if (i < count) await Task.Delay(Due(i, rate) - now is var wait && wait > TimeSpan.FromMilliseconds(1) ? wait : TimeSpan.FromMilliseconds(1), ct);
        }
        await Task.WhenAll(running);
    }
}
