using System.Diagnostics;
using Dispatch.Server.Rewind;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// The keyframe keeper's pace: background work that rests in proportion to what it did, so it stays within its share of
/// a core. Asserted as lower bounds on the rest (a slower machine measures more work and so rests more), never as timings.
/// </summary>
public class PaceTests
{
    static void Work(TimeSpan span)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < span) Thread.SpinWait(100);
    }

    [Fact]
    public async Task Given_a_quarter_of_a_core_when_a_step_worked_then_it_rests_three_times_as_long()
    {
        var pace = new Pace(0.25);
        pace.Start();
        Work(TimeSpan.FromMilliseconds(20));
        var resting = Stopwatch.GetTimestamp();
        await pace.Rest(CancellationToken.None);

        Assert.True(pace.Rested >= TimeSpan.FromMilliseconds(60), $"rested {pace.Rested.TotalMilliseconds} ms after 20 ms of work");
        Assert.True(Stopwatch.GetElapsedTime(resting) >= pace.Rested - TimeSpan.FromMilliseconds(2), "the rest it counts is a rest it took");
    }

    [Fact]
    public async Task Given_the_whole_core_when_a_step_worked_then_it_does_not_rest()
    {
        var pace = new Pace(1);
        Work(TimeSpan.FromMilliseconds(5));
        await pace.Rest(CancellationToken.None);
        Assert.Equal(TimeSpan.Zero, pace.Rested);
    }

    [Fact]
    public async Task Given_a_rest_when_the_work_is_cancelled_then_the_rest_ends_with_it()
    {
        var pace = new Pace(0.01);
        Work(TimeSpan.FromMilliseconds(50)); // a rest of about 5 s
        using var cancel = new CancellationTokenSource();
        var rest = pace.Rest(cancel.Token).AsTask();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => rest);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.5)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void Given_a_share_outside_a_core_when_the_settings_are_checked_then_they_name_it(double share)
    {
        var problems = new RewindOptions { Share = share }.Problems();
        Assert.Contains(problems, p => p.StartsWith("Share must be above 0 and at most 1", StringComparison.Ordinal));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Pace(share));
    }
}
