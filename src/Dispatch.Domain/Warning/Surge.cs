using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Domain.Warning;

/// <summary>What is watched for a surge: one category of incident in one town (a path in the tree).</summary>
public sealed record SurgeKey(string Town, string Category)
{
    /// <summary>
    /// The stream that records this pair's surges, one after another. Derived from the pair, so every node that sees the
    /// same surge writes to the same stream and the stream's lock decides who records it.
    /// </summary>
    public Guid StreamId
    {
        get
        {
            var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"surge|{Town}|{Category}"));
            return new Guid(hash.AsSpan(0, 16));
        }
    }
}

/// <summary>Something that happened to a category × town's surge watch.</summary>
public interface ISurgeEvent
{
    Guid SurgeStreamId { get; }
    DateTimeOffset At { get; }
}

/// <summary>
/// Reports of <paramref name="Category"/> in <paramref name="Town"/> came far above their usual level: <paramref name="Count"/>
/// in the window ending <paramref name="At"/>, against a usual <paramref name="Usual"/> (the start threshold was
/// <paramref name="Threshold"/>).
/// </summary>
public sealed record SurgeDetected(Guid SurgeStreamId, string Town, string Category, int Count, double Usual, int Threshold,
    TimeSpan Window, DateTimeOffset At) : ISurgeEvent;

/// <summary>The surge is over: the count in the window fell back below <paramref name="Threshold"/> (the end threshold).</summary>
public sealed record SurgeEnded(Guid SurgeStreamId, string Town, string Category, int Count, double Usual, int Threshold,
    DateTimeOffset At) : ISurgeEvent;

/// <summary>A category × town as its stream tells it: is a surge running, since when, and how many it has had.</summary>
public sealed record SurgeState(Guid Id, SurgeKey Key, bool Active, DateTimeOffset? Since, int Surges)
{
    public static SurgeState? Evolve(SurgeState? state, object @event) => @event switch
    {
        SurgeDetected d => new SurgeState(d.SurgeStreamId, new SurgeKey(d.Town, d.Category), true, d.At, (state?.Surges ?? 0) + 1),
        SurgeEnded when state is not null => state with { Active = false },
        _ => state,
    };
}

/// <summary>
/// The usual level of a category × town for one window: the counts in the same window (same local time of day) on each
/// of the past days, days without a report counting as zero.
/// </summary>
/// <param name="Mean">Mean count per window over the past days (λ).</param>
/// <param name="Spread">
/// The spread the thresholds use: the larger of Poisson's √λ and the days' own standard deviation, so a pair whose count
/// swings a lot from day to day (over-dispersed) needs a larger jump.
/// </param>
public sealed record SurgeBaseline(double Mean, double Spread, int Days)
{
    public static SurgeBaseline Of(IReadOnlyList<double> countsPerDay)
    {
        if (countsPerDay.Count == 0) return new SurgeBaseline(0, 0, 0);
        var mean = countsPerDay.Average();
        var variance = countsPerDay.Count > 1 ? countsPerDay.Sum(c => (c - mean) * (c - mean)) / (countsPerDay.Count - 1) : 0;
        return new SurgeBaseline(mean, Math.Max(Math.Sqrt(mean), Math.Sqrt(variance)), countsPerDay.Count);
    }
}

/// <summary>
/// The surge rule's settings (<c>Dispatch:Warning</c>): a window of <see cref="Window"/>, compared with the same window
/// on each of the past <see cref="BaselineDays"/> days. A surge starts when the count reaches
/// max(<see cref="MinimumCount"/>, ⌈λ + <see cref="StartSigmas"/>·σ⌉) and ends when it falls below
/// max(⌈<see cref="MinimumCount"/>/2⌉, ⌈λ + <see cref="EndSigmas"/>·σ⌉): the gap between the two keeps a count hovering
/// at the threshold from firing again and again.
/// </summary>
public sealed record SurgeSettings
{
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(60);
    public int BaselineDays { get; init; } = 28;
    public double StartSigmas { get; init; } = 3;
    public double EndSigmas { get; init; } = 1;
    public int MinimumCount { get; init; } = 5;

    public static readonly SurgeSettings Default = new();

    /// <summary>The settings' problems, each naming its field; empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Window < TimeSpan.FromMinutes(5) || Window > TimeSpan.FromHours(24)) problems.Add("Window must be between 00:05:00 and 24:00:00");
        if (BaselineDays is < 1 or > 366) problems.Add("BaselineDays must be between 1 and 366");
        if (MinimumCount < 2) problems.Add("MinimumCount must be at least 2");
        if (StartSigmas <= 0) problems.Add("StartSigmas must be above zero");
        if (EndSigmas < 0 || EndSigmas >= StartSigmas) problems.Add("EndSigmas must be at least zero and below StartSigmas");
        return problems;
    }
}

/// <summary>The surge rule, pure: a pair's state, the count now and its baseline in, the event to record (if any) out.</summary>
public static class SurgeRule
{
    public static int StartThreshold(SurgeBaseline usual, SurgeSettings settings) =>
        Math.Max(settings.MinimumCount, (int)Math.Ceiling(usual.Mean + settings.StartSigmas * usual.Spread));

    public static int EndThreshold(SurgeBaseline usual, SurgeSettings settings) =>
        Math.Max((settings.MinimumCount + 1) / 2, (int)Math.Ceiling(usual.Mean + settings.EndSigmas * usual.Spread));

    /// <summary>
    /// Decides on one observation: <paramref name="count"/> reports in the window ending <paramref name="now"/>. A surge
    /// is detected once, when none is running and the count reaches the start threshold; it ends once, when the count
    /// falls below the end threshold; in between, nothing is recorded however the count moves.
    /// </summary>
    public static ISurgeEvent? Decide(SurgeState? state, SurgeKey key, int count, SurgeBaseline usual, SurgeSettings settings, DateTimeOffset now)
    {
        if (state is not { Active: true })
        {
            var start = StartThreshold(usual, settings);
            return count >= start
                ? new SurgeDetected(key.StreamId, key.Town, key.Category, count, Math.Round(usual.Mean, 2), start, settings.Window, now)
                : null;
        }
        var end = EndThreshold(usual, settings);
        return count < end
            ? new SurgeEnded(key.StreamId, key.Town, key.Category, count, Math.Round(usual.Mean, 2), end, now)
            : null;
    }
}
