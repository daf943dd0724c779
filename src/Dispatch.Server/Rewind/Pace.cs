using System.Diagnostics;

namespace Dispatch.Server.Rewind;

/// <summary>
/// Keeps background work to a share of one core: after each step it rests as long as the step's work needs for the
/// work to stay within <see cref="Share"/> of the time. Why: the keyframe keeper folds a minute of events and packs a
/// whole board at once; unpaced, that burst took a core from the live path for a second and showed as a stall in the
/// pushes every minute (docs/benchmarks.md, "The once-a-minute stalls"). Wall time on purpose, not the injected clock:
/// it shares the machine, it does not decide anything in the record.
/// </summary>
public sealed class Pace(double share)
{
    long _since = Stopwatch.GetTimestamp();

    /// <summary>The share of one core the work may take (1: no rest).</summary>
    public double Share { get; } = share is > 0 and <= 1 ? share : throw new ArgumentOutOfRangeException(nameof(share), share, "a share of one core, above 0 and at most 1");

    /// <summary>Time spent resting so far.</summary>
    public TimeSpan Rested { get; private set; }

    /// <summary>Starts counting work from now (before a burst whose first step should not count what came before).</summary>
    public void Start() => _since = Stopwatch.GetTimestamp();

    /// <summary>After a step: rests in proportion to the work since the last rest (or <see cref="Start"/>).</summary>
    public async ValueTask Rest(CancellationToken ct)
    {
        var worked = Stopwatch.GetElapsedTime(_since);
        if (Share < 1)
        {
            var rest = worked * (1 / Share - 1);
            if (rest >= TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(rest, ct);
                Rested += rest;
            }
        }
        _since = Stopwatch.GetTimestamp();
    }
}
