using Dispatch.Server.City;
using Dispatch.Server.Rewind;

namespace Dispatch.Server.Components.Rewind;

/// <summary>The stretch of the record a scrubber moves over.</summary>
public sealed record ReplayWindow(DateTimeOffset From, DateTimeOffset To)
{
    /// <summary>The longest window a scrubber takes: a long weekend; the steps of longer ones would not fit a slider.</summary>
    public static readonly TimeSpan Longest = TimeSpan.FromDays(3);

    public static ReplayWindow LastHour(DateTimeOffset now) => new(now.AddHours(-1), now);

    /// <summary>Last night in the city's time: 20:00 the evening before until 08:00 (the night before that while it is still night).</summary>
    public static ReplayWindow LastNight(DateTimeOffset now, CityCatalog city)
    {
        var local = city.ToLocal(now);
        var morning = new DateTimeOffset(local.Date.AddHours(8), local.Offset);
        if (local < morning) morning = morning.AddDays(-1);
        return new(morning.AddHours(-12).ToUniversalTime(), morning.ToUniversalTime());
    }

    /// <summary>A window the person typed; null when it is backwards, empty, too long or in the future.</summary>
    public static ReplayWindow? Of(DateTimeOffset from, DateTimeOffset to, DateTimeOffset now) =>
        from < to && to - from <= Longest && from < now ? new(from, to > now ? now : to) : null;

    public DateTimeOffset Clamp(DateTimeOffset at) => at < From ? From : at > To ? To : at;
}

/// <summary>Where a replay stands: a time, and the exact recorded step when it stands on one (several may share a time).</summary>
public readonly record struct ReplayPosition(DateTimeOffset At, RecordedStep? Step);

/// <summary>
/// A scrubber's state, pure: the window, the position in it, the speed and whether it plays, and the recorded steps to
/// step over (all of them, or one incident's after a jump). Time moves only through <see cref="Advance"/>, so a test
/// drives it with any clock. Used from one circuit's thread.
/// </summary>
public sealed class Replay(ReplayWindow window, IReadOnlyList<RecordedStep> steps)
{
    public static readonly int[] Speeds = [1, 5, 15, 60];

    public ReplayWindow Window { get; } = window;
    /// <summary>Every recorded step in the window the person may see, oldest first.</summary>
    public IReadOnlyList<RecordedStep> Steps { get; } = [.. steps.OrderBy(s => s.Sequence)];
    public ReplayPosition Position { get; private set; } = new(window.From, null);
    public int Speed { get; private set; } = 1;
    public bool Playing { get; private set; }
    /// <summary>The incident whose steps ←/→ move over after a jump; null: every incident's.</summary>
    public Guid? Following { get; private set; }

    IEnumerable<RecordedStep> Stepped => Following is { } id ? Steps.Where(s => s.IncidentId == id) : Steps;

    /// <summary>Moves to a time in the window (the slider, a link); not on a step any more.</summary>
    public void Seek(DateTimeOffset at) => Position = new(Window.Clamp(at), null);

    public void Play(int speed)
    {
        if (!Speeds.Contains(speed)) throw new ArgumentOutOfRangeException(nameof(speed), speed, "not a replay speed");
        Speed = speed;
        // Played to the end: play again from the start.
        if (Position.At >= Window.To) Seek(Window.From);
        Playing = true;
    }

    public void Pause() => Playing = false;

    /// <summary>Moves on by the wall time passed times the speed; stops at the window's end. False when it did not move.</summary>
    public bool Advance(TimeSpan wall)
    {
        if (!Playing || wall <= TimeSpan.Zero) return false;
        var at = Position.At + wall * Speed;
        if (at >= Window.To)
        {
            at = Window.To;
            Playing = false;
        }
        Position = new(at, null);
        return true;
    }

    /// <summary>The next recorded step after the position (on a step: the one after it); false at the last.</summary>
    public bool StepNext()
    {
        var (at, on) = (Position.At, Position.Step);
        var next = Stepped.FirstOrDefault(s => on is { } step ? s.Sequence > step.Sequence : s.At > at);
        return Take(next);
    }

    /// <summary>The step before the position (a time between steps shows the state after the last one before it); false at the first.</summary>
    public bool StepPrevious()
    {
        var (at, on) = (Position.At, Position.Step);
        var previous = Stepped.LastOrDefault(s => on is { } step ? s.Sequence < step.Sequence : s.At < at);
        return Take(previous);
    }

    /// <summary>Follows one incident: ←/→ move over its steps only, starting at its first in the window. False when it has none.</summary>
    public bool Follow(Guid incident)
    {
        var first = Steps.FirstOrDefault(s => s.IncidentId == incident);
        if (first is null) return false;
        Following = incident;
        return Take(first);
    }

    public void FollowAll() => Following = null;

    bool Take(RecordedStep? step)
    {
        if (step is null) return false;
        Playing = false;
        Position = new(step.At, step);
        return true;
    }
}
