using System.Diagnostics;

namespace Dispatch.Server.Components.Rewind;

/// <summary>
/// Plays a <see cref="Replay"/>: a timer of the injected clock ticks once a frame, the replay moves on by the time that
/// really passed, and the screen builds that moment. It is a replay of the record, not a poll of live data. A build that
/// takes longer than a frame makes the ticks meanwhile skip (counted): the next frame builds the newest position, so a
/// slow build lowers the frame rate but never makes the replay lag behind its speed.
/// </summary>
/// <param name="onCircuit">Runs the tick where the screen lives (a circuit's InvokeAsync); a test passes the tick straight through.</param>
/// <param name="build">Builds and shows the moment at the position.</param>
public sealed class ReplayPlayer(TimeProvider clock, Func<Func<Task>, Task> onCircuit, Func<ReplayPosition, Task> build) : IDisposable
{
    /// <summary>A frame: 10 a second is smooth enough for a board and leaves the centre's live work its share of the machine.</summary>
    public static readonly TimeSpan Frame = TimeSpan.FromMilliseconds(100);

    ITimer? _timer;
    DateTimeOffset _last;
    bool _building;
    long _playedFrom;

    public Replay? Replay { get; set; }
    /// <summary>Frames built while playing, and ticks skipped because a build was still running.</summary>
    public int Frames { get; private set; }
    public int Skipped { get; private set; }
    public TimeSpan LastBuild { get; private set; }
    public TimeSpan TotalBuild { get; private set; }
    public int Builds { get; private set; }
    /// <summary>Frames per second since play was last pressed (wall time).</summary>
    public double FramesPerSecond => _playedFrom == 0 || Frames == 0 ? 0
        : Frames / Stopwatch.GetElapsedTime(_playedFrom).TotalSeconds;

    public void Play(int speed)
    {
        if (Replay is not { } replay) return;
        replay.Play(speed);
        _last = clock.GetUtcNow();
        (Frames, Skipped, _playedFrom) = (0, 0, Stopwatch.GetTimestamp());
        _timer ??= clock.CreateTimer(_ => _ = onCircuit(Tick), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(Frame, Frame);
    }

    public void Pause()
    {
        Replay?.Pause();
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    async Task Tick()
    {
        if (Replay is not { Playing: true } replay)
        {
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            return;
        }
        var now = clock.GetUtcNow();
        replay.Advance(now - _last);
        _last = now;
        if (_building)
        {
            Skipped++;
            return;
        }
        Frames++;
        await Show(replay.Position);
        if (!replay.Playing) _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Builds the moment at a position (a tick, a step, a seek), timed; one build at a time.</summary>
    public async Task Show(ReplayPosition position)
    {
        _building = true;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await build(position);
        }
        finally
        {
            _building = false;
            LastBuild = Stopwatch.GetElapsedTime(started);
            TotalBuild += LastBuild;
            Builds++;
        }
    }

    public void Dispose() => _timer?.Dispose();
}
