using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Dispatch.Drill;

/// <summary>One command the drill sent through the front address and how it was answered (times in seconds since the drill began).</summary>
public sealed record Answered(string Kind, double SentAt, double AnsweredAt, int Status, Guid? Incident, string? Number)
{
    public bool Ok => Status is >= 200 and < 300;
}

/// <summary>A unit's phone as the drill saw it: deliveries, what was dispatched to it with a success answer, when it lost and regained its connection.</summary>
public sealed record PhoneTally(string CallSign, IReadOnlyCollection<Guid> Dispatched, IReadOnlyCollection<Guid> Received,
    int Duplicates, int Redelivered, IReadOnlyList<double> DroppedAt, IReadOnlyList<double> ReconnectedAt, bool ConnectedAtEnd)
{
    /// <summary>Dispatched with a success answer and never delivered.</summary>
    public int Missing => Dispatched.Count(id => !Received.Contains(id));
}

/// <summary>A deadline incident: how many times the deadline watch acted on it (escalated automatically, or recorded it missed at the city).</summary>
public sealed record DeadlineTally(string Number, double DueAt, int Fired);

/// <summary>The disturbance: a kill (failover) or one restart after another (rolling), with when each began and ended.</summary>
public sealed record Disturbance(string What, double StartedAt, double EndedAt);

/// <summary>
/// Every answer the drill got, kept as they come (any thread). The report is computed from it afterwards by
/// <see cref="DrillReport"/>, a pure function, so the drill's arithmetic is tested without a cluster.
/// </summary>
public sealed class DrillLedger
{
    readonly ConcurrentQueue<Answered> _answers = new();
    public void Add(Answered answer) => _answers.Enqueue(answer);
    public IReadOnlyList<Answered> Answers => [.. _answers];
}

/// <summary>What the drill found and measured, and how it reads as a markdown table.</summary>
public sealed record DrillReport(
    string Drill, string Url, int Nodes, IReadOnlyList<Disturbance> Disturbances,
    int Succeeded, int Failed, int Lost, IReadOnlyList<string> LostNumbers,
    double? FirstIntakeAfter, double MaxGap, int UnitsAffected, int UnitsReconnected, double? UnitsBackAfter,
    int Missing, int Duplicates, int Redelivered, int Units,
    string Console, double? ConsoleAfter, IReadOnlyList<DeadlineTally> Deadlines, string Load)
{
    /// <summary>The failed commands by kind and status (0: no answer within 10 s), e.g. "2× intake 502".</summary>
    public IReadOnlyList<string> Failures { get; init; } = [];

    public bool Passed => Lost == 0 && Missing == 0 && Duplicates == 0 && UnitsReconnected == UnitsAffected
                          && Deadlines.All(d => d.Fired == 1) && (Console.StartsWith("fresh board", StringComparison.Ordinal) || Console == "not checked");

    /// <summary>
    /// The report from the ledger: <paramref name="exists"/> says for each incident of a success answer whether it reads back.
    /// Times are from the start of the first disturbance.
    /// </summary>
    public static DrillReport From(string drill, string url, int nodes, IReadOnlyList<Disturbance> disturbances, IReadOnlyList<Answered> answers,
        IReadOnlyDictionary<Guid, bool> exists, IReadOnlyList<PhoneTally> phones, string console, double? consoleAt,
        IReadOnlyList<DeadlineTally> deadlines, string load)
    {
        var t0 = disturbances.Count > 0 ? disturbances[0].StartedAt : 0;
        var ok = answers.Where(a => a.Ok).ToList();
        var lost = ok.Where(a => a.Incident is { } id && exists.TryGetValue(id, out var found) && !found)
            .Select(a => a.Number ?? a.Incident.ToString()!).Distinct().ToList();
        var firstIntake = ok.Where(a => a.Kind == "intake" && a.SentAt >= t0).Select(a => a.AnsweredAt - t0).DefaultIfEmpty(double.NaN).Min();
        var affected = phones.Where(p => p.DroppedAt.Any(d => d >= t0)).ToList();
        var back = affected.Where(p => p.ConnectedAtEnd && p.ReconnectedAt.Any(r => r >= t0)).ToList();
        double? unitsBack = back.Count == affected.Count && affected.Count > 0
            ? back.Max(p => p.ReconnectedAt.Where(r => r >= t0).Max()) - t0
            : null;
        return new(drill, url, nodes, disturbances, ok.Count, answers.Count - ok.Count, lost.Count, lost,
            double.IsNaN(firstIntake) ? null : firstIntake, LongestGap(ok.Where(a => a.Kind == "intake").Select(a => a.AnsweredAt)),
            affected.Count, back.Count, unitsBack, phones.Sum(p => p.Missing), phones.Sum(p => p.Duplicates), phones.Sum(p => p.Redelivered),
            phones.Count, console, consoleAt is { } c ? c - t0 : null, deadlines.Select(d => d with { DueAt = d.DueAt - t0 }).ToList(), load)
        {
            Failures = answers.Where(a => !a.Ok).GroupBy(a => $"{a.Kind} {(a.Status == 0 ? "no answer" : a.Status.ToString(CultureInfo.InvariantCulture))}")
                .OrderByDescending(g => g.Count()).Select(g => $"{g.Count()}× {g.Key}").ToList(),
        };
    }

    /// <summary>The longest time between two successive success answers (seconds).</summary>
    public static double LongestGap(IEnumerable<double> answeredAt)
    {
        var times = answeredAt.Order().ToList();
        var gap = 0.0;
        for (var i = 1; i < times.Count; i++) gap = Math.Max(gap, times[i] - times[i - 1]);
        return gap;
    }

    static string S(double? seconds) => seconds is { } s ? s.ToString("F1", CultureInfo.InvariantCulture) + " s" : "never";

    public string Markdown(DateTimeOffset at, string machine)
    {
        var b = new StringBuilder();
        b.AppendLine(CultureInfo.InvariantCulture, $"### {Drill} drill, {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC — {(Passed ? "PASSED" : "FAILED")}");
        b.AppendLine();
        b.AppendLine(CultureInfo.InvariantCulture, $"{Nodes} nodes behind {Url}; load: {Load}; machine: {machine}.");
        foreach (var d in Disturbances)
            b.AppendLine(CultureInfo.InvariantCulture, $"- {d.What}: at {d.StartedAt - Disturbances[0].StartedAt:F1} s, took {d.EndedAt - d.StartedAt:F1} s");
        b.AppendLine();
        b.AppendLine("| check | result |");
        b.AppendLine("|---|---|");
        b.AppendLine(CultureInfo.InvariantCulture, $"| commands answered 2xx (intake + dispatch steps) | {Succeeded} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| commands failed (no answer, 5xx, refused) | {Failed}{(Failures.Count > 0 ? " (" + string.Join(", ", Failures) + ")" : "")} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| **lost** (2xx answered, not found afterwards) | **{Lost}**{(Lost > 0 ? " (" + string.Join(", ", LostNumbers.Take(10)) + ")" : "")} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| first 2xx intake after t0 | {S(FirstIntakeAfter)} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| longest gap between 2xx intakes | {MaxGap.ToString("F1", CultureInfo.InvariantCulture)} s |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| units whose connection dropped / reconnected | {UnitsAffected} / {UnitsReconnected} of {Units} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| all dropped units reconnected after t0 | {S(UnitsBackAfter)} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| **assignments missing** (dispatched 2xx, never delivered) | **{Missing}** |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| **duplicates** (delivered again after its ack, or one incident twice) | **{Duplicates}** |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| redelivered unacknowledged messages (expected after a drop) | {Redelivered} |");
        b.AppendLine(CultureInfo.InvariantCulture, $"| console (chromium, through the front) | {Console}{(ConsoleAfter is { } c ? $" after {c:F1} s" : "")} |");
        foreach (var d in Deadlines)
            b.AppendLine(CultureInfo.InvariantCulture, $"| deadline of {d.Number} (due at {d.DueAt:F1} s) fired | {d.Fired} time(s) (expected 1) |");
        b.AppendLine();
        b.AppendLine("t0 = the kill (failover) or the start of the first restart (rolling).");
        return b.ToString();
    }
}
