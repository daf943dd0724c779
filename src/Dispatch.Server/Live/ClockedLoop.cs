namespace Dispatch.Server.Live;

/// <summary>
/// The sleep loop of a watch on the injected clock (<see cref="Command.DeadlineWatch"/>, <see cref="Situation.SurgeWatch"/>):
/// run a round, sleep until the instant it says to look again (at most <c>longestNap</c> after the round looked), wake
/// early on <see cref="Wake"/>, and after a failed round try again shortly. One copy, so a fix to the timing reaches
/// every watch.
/// </summary>
public sealed class ClockedLoop(TimeProvider clock, TimeSpan longestNap, ILogger log, string name)
{
    static readonly TimeSpan Backoff = TimeSpan.FromSeconds(5);

    readonly Lock _gate = new();
    TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    DateTimeOffset? _sleepingUntil;
    long _rounds;

    /// <summary>Rounds completed so far (for health pages and tests: "has the watch looked since?").</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>Raised after each round, with the clock's time of the round's last look.</summary>
    public event Action<DateTimeOffset>? RoundCompleted;

    /// <summary>The instant the loop sleeps towards (null before the first round).</summary>
    public DateTimeOffset? SleepingUntil
    {
        get { lock (_gate) return _sleepingUntil; }
    }

    /// <summary>Brings the next round now; a wake during a round brings another round right after it.</summary>
    public void Wake()
    {
        lock (_gate) _wake.TrySetResult();
    }

    /// <summary>
    /// Runs rounds until <paramref name="ct"/> is cancelled. <paramref name="round"/> gets the clock's time as it starts
    /// and returns when to look again (null: nothing due, look again after the longest nap) and the time it last looked
    /// (a round may look again after acting, so later than it began).
    /// </summary>
    public async Task RunAsync(Func<DateTimeOffset, CancellationToken, Task<(DateTimeOffset? Next, DateTimeOffset LookedAt)>> round,
        CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            TaskCompletionSource wake;
            lock (_gate) wake = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            DateTimeOffset? next;
            var lookedAt = clock.GetUtcNow();
            try
            {
                (next, lookedAt) = await round(lookedAt, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception ex)
            {
                log.LogError(ex, "The {Loop} failed a round; trying again shortly", name);
                next = clock.GetUtcNow() + Backoff;
            }
            // Sleep towards an instant, not for a span: if the clock moves on meanwhile, a late start still wakes on time.
            // The longest nap counts from when this round looked, not from now: a clock that jumped past it since (a test's
            // manual clock, a suspended machine) brings the next round at once.
            var latest = lookedAt + longestNap;
            var until = next is { } at && at < latest ? at : latest;
            lock (_gate) _sleepingUntil = until;
            Interlocked.Increment(ref _rounds);
            RoundCompleted?.Invoke(lookedAt);
            var nap = until - clock.GetUtcNow();
            if (nap <= TimeSpan.Zero) continue;
            // A clock set back (a test's manual clock) leaves the instant far ahead: never nap longer than the longest nap.
            if (nap > longestNap) nap = longestNap;
            try
            {
                var sleep = Task.Delay(nap, clock, ct);
                if (clock.GetUtcNow() >= until) continue; // the clock passed the instant while the timer was being set
                await Task.WhenAny(sleep, wake.Task);
            }
            catch (OperationCanceledException) { break; }
        }
    }
}
