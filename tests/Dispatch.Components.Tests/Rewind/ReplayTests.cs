using Dispatch.Server.Components.Rewind;
using Dispatch.Server.Rewind;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests.Rewind;

/// <summary>The scrubber's logic on a manual clock: stepping over recorded steps, jumping to one incident's, playing, skipping frames.</summary>
public sealed class ReplayTests
{
    static readonly DateTimeOffset Start = new(2026, 12, 5, 18, 0, 0, TimeSpan.Zero);
    static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid();

    // Two steps share a millisecond (sequence 3 and 4): stepping tells them apart by sequence.
    static readonly RecordedStep[] Recorded =
    [
        new(1, Start.AddMinutes(5), A, "incident_reported"),
        new(2, Start.AddMinutes(7), B, "incident_reported"),
        new(3, Start.AddMinutes(9), A, "incident_accepted"),
        new(4, Start.AddMinutes(9), B, "incident_accepted"),
        new(5, Start.AddMinutes(20), A, "incident_assigned"),
    ];

    static Replay New() => new(new ReplayWindow(Start, Start.AddHours(1)), Recorded);

    [Fact]
    public void Given_a_window_with_steps_When_stepping_next_then_previous_Then_it_stands_on_each_recorded_step_in_order()
    {
        var replay = New();

        var forward = new List<long>();
        while (replay.StepNext()) forward.Add(replay.Position.Step!.Sequence);
        var backward = new List<long>();
        while (replay.StepPrevious()) backward.Add(replay.Position.Step!.Sequence);

        Assert.Equal([1, 2, 3, 4, 5], forward);
        Assert.Equal([4, 3, 2, 1], backward);
        Assert.Equal(Start.AddMinutes(5), replay.Position.At);
    }

    [Fact]
    public void Given_a_time_between_steps_When_stepping_Then_next_is_the_first_step_after_it_and_previous_the_last_before_it()
    {
        var replay = New();
        replay.Seek(Start.AddMinutes(8));

        Assert.True(replay.StepNext());
        Assert.Equal(3, replay.Position.Step!.Sequence);
        replay.Seek(Start.AddMinutes(8));
        Assert.True(replay.StepPrevious());
        Assert.Equal(2, replay.Position.Step!.Sequence);
        replay.Seek(Start.AddMinutes(30));
        Assert.False(replay.StepNext());
    }

    [Fact]
    public void Given_a_jump_to_one_incident_When_stepping_Then_only_its_steps_are_visited_until_all_are_followed_again()
    {
        var replay = New();

        Assert.True(replay.Follow(B));
        Assert.Equal(2, replay.Position.Step!.Sequence);
        Assert.True(replay.StepNext());
        Assert.Equal(4, replay.Position.Step!.Sequence);
        Assert.False(replay.StepNext());
        Assert.False(replay.Follow(Guid.NewGuid()));
        Assert.Equal(B, replay.Following);

        replay.FollowAll();
        Assert.True(replay.StepNext());
        Assert.Equal(5, replay.Position.Step!.Sequence);
    }

    [Fact]
    public async Task Given_play_at_60x_When_the_manual_clock_passes_frames_Then_each_frame_builds_the_moment_a_minute_per_second_on()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var built = new List<ReplayPosition>();
        var gate = new Lock();
        using var player = new ReplayPlayer(clock, tick => tick(), p => { lock (gate) built.Add(p); return Task.CompletedTask; }) { Replay = New() };

        player.Play(60);
        clock.Advance(ReplayPlayer.Frame);
        await Until(() => { lock (gate) return built.Count == 1; });
        clock.Advance(ReplayPlayer.Frame);
        await Until(() => { lock (gate) return built.Count == 2; });

        lock (gate)
        {
            Assert.Equal(Start.AddSeconds(6), built[0].At);
            Assert.Equal(Start.AddSeconds(12), built[1].At);
        }
        Assert.True(player.Replay!.Playing);
        Assert.Equal(2, player.Frames);
        Assert.Equal(0, player.Skipped);

        player.Pause();
        clock.Advance(ReplayPlayer.Frame * 5);
        Assert.Equal(Start.AddSeconds(12), player.Replay.Position.At);
    }

    [Fact]
    public async Task Given_a_build_slower_than_a_frame_When_frames_pass_Then_they_are_skipped_and_the_next_frame_shows_the_newest_position()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var release = new TaskCompletionSource();
        var built = new List<ReplayPosition>();
        var gate = new Lock();
        using var player = new ReplayPlayer(clock, tick => tick(), async p =>
        {
            lock (gate) built.Add(p);
            if (built.Count == 1) await release.Task;
        }) { Replay = New() };

        player.Play(15);
        clock.Advance(ReplayPlayer.Frame);
        await Until(() => { lock (gate) return built.Count == 1; });
        // Three frames pass while the first build still runs: they are skipped, the replay still moves on.
        for (var i = 0; i < 3; i++)
        {
            var skipped = player.Skipped;
            clock.Advance(ReplayPlayer.Frame);
            await Until(() => player.Skipped == skipped + 1);
        }
        release.SetResult();
        await Until(() => player.Builds == 1);
        clock.Advance(ReplayPlayer.Frame);
        await Until(() => { lock (gate) return built.Count == 2; });

        Assert.Equal(3, player.Skipped);
        lock (gate) Assert.Equal(Start.AddSeconds(1.5 * 5), built[1].At);
    }

    [Fact]
    public async Task Given_play_near_the_end_When_the_window_ends_Then_it_stops_at_the_end()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var replay = New();
        replay.Seek(Start.AddHours(1).AddSeconds(-3));
        using var player = new ReplayPlayer(clock, tick => tick(), _ => Task.CompletedTask) { Replay = replay };

        player.Play(60);
        clock.Advance(ReplayPlayer.Frame);
        await Until(() => player.Builds == 1);

        Assert.False(replay.Playing);
        Assert.Equal(Start.AddHours(1), replay.Position.At);
    }

    /// <summary>The manual clock's timers fire on the thread pool: wait for what is expected, with a timeout.</summary>
    static async Task Until(Func<bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the replay did not get there");
            await Task.Delay(2);
        }
    }
}
