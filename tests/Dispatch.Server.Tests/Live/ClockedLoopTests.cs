using Dispatch.Server.Command;
using Dispatch.Server.Live;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// The one sleep loop of the deadline and surge watches, on a manual clock. Each test's rounds answer synchronously, so
/// <see cref="ClockedLoop.RunAsync"/> returns to the test only once the loop is asleep: the test moves the clock or wakes
/// it knowing where the loop stands.
/// </summary>
public sealed class ClockedLoopTests
{
    static readonly DateTimeOffset Start = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    /// <summary>Each watch's longest nap, with a round that found nothing due (the deadline watch's null) or something due far off.</summary>
    public static TheoryData<string, TimeSpan, bool> Watches => new()
    {
        { "deadline watch", DeadlineWatch.LongestNap, false },
        { "deadline watch", DeadlineWatch.LongestNap, true },
        { "surge watch", SurgeWatch.LongestNap, false },
        { "surge watch", SurgeWatch.LongestNap, true },
    };

    /// <summary>A loop on <paramref name="clock"/>, and when its second round looked.</summary>
    static (ClockedLoop Loop, Task<DateTimeOffset> Second) Loop(ManualClock clock, TimeSpan longestNap, string name)
    {
        var loop = new ClockedLoop(clock, longestNap, NullLogger.Instance, name);
        var second = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
        var rounds = 0;
        loop.RoundCompleted += lookedAt =>
        {
            if (++rounds == 2) second.TrySetResult(lookedAt);
        };
        return (loop, second.Task);
    }

    [Theory, MemberData(nameof(Watches))]
    public async Task A_clock_that_jumps_past_the_longest_nap_between_the_round_and_the_nap_brings_the_next_round_at_once(
        string watch, TimeSpan longestNap, bool somethingDueFarOff)
    {
        var clock = new ManualClock(Start);
        var (loop, second) = Loop(clock, longestNap, watch);
        using var stop = new CancellationTokenSource();
        DateTimeOffset? farOff = somethingDueFarOff ? Start + 10 * longestNap : null;
        var rounds = 0;
        var run = loop.RunAsync((now, _) =>
        {
            var lookedAt = clock.GetUtcNow();
            // The round has looked; before the loop sets its nap the clock jumps past the longest nap (as a test moving
            // the clock, or a machine waking from sleep, does), and is not moved again.
            if (++rounds == 1) clock.Advance(longestNap + TimeSpan.FromMinutes(1));
            return Task.FromResult((farOff, lookedAt));
        }, stop.Token);

        Assert.Equal(Start + longestNap + TimeSpan.FromMinutes(1), await second.WaitAsync(Patience));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_clock_set_back_by_months_after_a_round_leaves_the_loop_asleep_and_wakeable_not_failed()
    {
        var clock = new ManualClock(Start);
        var (loop, second) = Loop(clock, DeadlineWatch.LongestNap, "deadline watch");
        using var stop = new CancellationTokenSource();
        var rounds = 0;
        var run = loop.RunAsync((now, _) =>
        {
            var lookedAt = clock.GetUtcNow();
            // A test sets its manual clock to a day of its own, months before: the instant to look again is far ahead of it.
            if (++rounds == 1) clock.Set(Start - TimeSpan.FromDays(270));
            return Task.FromResult<(DateTimeOffset?, DateTimeOffset)>((null, lookedAt));
        }, stop.Token);

        Assert.False(run.IsCompleted);
        loop.Wake();

        Assert.Equal(Start - TimeSpan.FromDays(270), await second.WaitAsync(Patience));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_wake_brings_the_next_round_before_its_time()
    {
        var clock = new ManualClock(Start);
        var (loop, second) = Loop(clock, DeadlineWatch.LongestNap, "deadline watch");
        using var stop = new CancellationTokenSource();
        var run = loop.RunAsync((now, _) => Task.FromResult<(DateTimeOffset?, DateTimeOffset)>((now + TimeSpan.FromHours(1), now)), stop.Token);
        Assert.Equal(Start + TimeSpan.FromHours(1), loop.SleepingUntil);

        loop.Wake();

        Assert.Equal(Start, await second.WaitAsync(Patience));
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_failed_round_is_tried_again_after_the_back_off_on_the_clock()
    {
        var clock = new ManualClock(Start);
        var (loop, second) = Loop(clock, SurgeWatch.LongestNap, "surge watch");
        using var stop = new CancellationTokenSource();
        var calls = 0;
        var run = loop.RunAsync((now, _) => ++calls == 1
            ? throw new InvalidOperationException("the database is away")
            : Task.FromResult<(DateTimeOffset?, DateTimeOffset)>((null, now)), stop.Token);
        Assert.Equal(1, loop.Rounds);
        Assert.Equal(Start + TimeSpan.FromSeconds(5), loop.SleepingUntil);

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(Start + TimeSpan.FromSeconds(5), await second.WaitAsync(Patience));
        await stop.CancelAsync();
        await run;
    }
}
