namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// A clock the test sets and advances. Timers made from it (the deadline watch's sleep) fire when the test moves
/// the clock past them, not in real time. Kestrel, SignalR and Npgsql keep their own real timers.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    long _utcTicks = start.UtcTicks;
    readonly Lock _gate = new();
    readonly List<ManualTimer> _timers = [];

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Set(DateTimeOffset now)
    {
        Interlocked.Exchange(ref _utcTicks, now.UtcTicks);
        FireDue();
    }

    public DateTimeOffset Advance(TimeSpan by)
    {
        var now = new DateTimeOffset(Interlocked.Add(ref _utcTicks, by.Ticks), TimeSpan.Zero);
        FireDue();
        return now;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    void FireDue()
    {
        List<ManualTimer> due;
        lock (_gate) due = [.. _timers.Where(t => t.DueAt is { } at && at <= GetUtcNow())];
        foreach (var timer in due) timer.Fire();
    }

    sealed class ManualTimer(ManualClock clock, TimerCallback callback, object? state) : ITimer
    {
        TimeSpan _period;
        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                _period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock.GetUtcNow() + dueTime;
                if (!clock._timers.Contains(this)) clock._timers.Add(this);
            }
            if (dueTime == TimeSpan.Zero) Fire();
            return true;
        }

        public void Fire()
        {
            lock (clock._gate)
            {
                if (DueAt is null) return;
                DueAt = _period > TimeSpan.Zero && _period != Timeout.InfiniteTimeSpan ? DueAt + _period : null;
            }
            ThreadPool.QueueUserWorkItem(_ => callback(state));
        }

        public void Dispose()
        {
            lock (clock._gate) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>The real app, with a <see cref="ManualClock"/> as its clock (one fixture per test class).</summary>
public class ClockedDispatchApp : DispatchApp
{
    /// <summary>Starts at 2026-11-23 09:00 in Shanghai (01:00 UTC).</summary>
    public ManualClock Time { get; } = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    public ClockedDispatchApp() => Clock = Time;
}

/// <summary>A <see cref="ClockedDispatchApp"/> with the early warning's surge watch running (off in other test apps).</summary>
public sealed class SurgeWatchingApp : ClockedDispatchApp
{
    public SurgeWatchingApp() => Settings["Dispatch:Warning:Enabled"] = "true";
}
