namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// A clock the test sets and advances. Only the wall clock is controlled: timestamps and timers stay real,
/// so SignalR, Kestrel and Npgsql time-outs are unaffected.
/// </summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Set(DateTimeOffset now) => Interlocked.Exchange(ref _utcTicks, now.UtcTicks);

    public DateTimeOffset Advance(TimeSpan by) => new(Interlocked.Add(ref _utcTicks, by.Ticks), TimeSpan.Zero);
}

/// <summary>The real app, with a <see cref="ManualClock"/> as its clock (one fixture per test class).</summary>
public sealed class ClockedDispatchApp : DispatchApp
{
    /// <summary>Starts at 2026-11-23 09:00 in Shanghai (01:00 UTC).</summary>
    public ManualClock Time { get; } = new(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));

    public ClockedDispatchApp() => Clock = Time;
}
