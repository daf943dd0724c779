using System.Globalization;
using System.Text;

namespace Dispatch.Drill;

/// <summary>A line of the <c>bench</c> table: what was measured, its figure, latency percentiles (ms), what was lost, and its ratio to the baseline.</summary>
public sealed record BenchRow(string Stage, string Measure, string Value, double? P50 = null, double? P99 = null, string Lost = "", string Ratio = "");

/// <summary>The <c>bench</c> harness's result as markdown: a header (when, where, on what), the figures, and the server's CPU and memory per stage.</summary>
public sealed class BenchReport
{
    public List<string> Header { get; } = [];
    public List<BenchRow> Rows { get; } = [];
    public List<StageUsage> Usage { get; } = [];
    public List<string> Notes { get; } = [];

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("## Dispatch benchmark");
        md.AppendLine();
        foreach (var line in Header) md.AppendLine($"- {line}");
        md.AppendLine();
        md.AppendLine("| stage | measure | value | p50 | p99 | lost | ratio to baseline |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in Rows)
            md.AppendLine($"| {Cell(r.Stage)} | {Cell(r.Measure)} | {Cell(r.Value)} | {Ms(r.P50)} | {Ms(r.P99)} | {Cell(r.Lost)} | {Cell(r.Ratio)} |");
        if (Usage.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("| stage | wall | server CPU (% of one core) | server RSS start → end |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var u in Usage)
                md.AppendLine($"| {Cell(u.Stage)} | {u.Wall.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)} s | " +
                              $"{u.CpuPercent.ToString("F0", CultureInfo.InvariantCulture)} % | {Mb(u.RssStartKb)} → {Mb(u.RssEndKb)} |");
        }
        if (Notes.Count > 0)
        {
            md.AppendLine();
            foreach (var note in Notes) md.AppendLine($"- {note}");
        }
        return md.ToString();
    }

    static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace('\n', ' ');

    /// <summary>Milliseconds with as many digits as mean something: 0.235 ms, 7.18 ms, 31.8 ms, 1,226 ms; blank for none.</summary>
    public static string Ms(double? ms)
    {
        if (ms is not { } v || double.IsNaN(v)) return "";
        var format = v < 1 ? "0.000" : v < 10 ? "0.00" : v < 100 ? "0.0" : "#,0";
        return v.ToString(format, CultureInfo.InvariantCulture) + " ms";
    }

    public static string Mb(long kb) => (kb / 1024.0).ToString("#,0.0", CultureInfo.InvariantCulture) + " MB";

    public static string N(double value, string format = "#,0") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>"×43" or "×0.97": how many times the baseline.</summary>
    public static string Times(double value, double baseline)
    {
        if (!(baseline > 0) || !double.IsFinite(value)) return "";
        var r = value / baseline;
        return "×" + r.ToString(r >= 10 ? "#,0" : "0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>A share of the baseline in percent: "2.6 %", "41 %".</summary>
    public static string Percent(double value, double baseline)
    {
        if (!(baseline > 0) || !double.IsFinite(value)) return "";
        var p = value / baseline * 100;
        return p.ToString(p >= 10 ? "#,0" : "0.0", CultureInfo.InvariantCulture) + " %";
    }

    /// <summary>
    /// Where the slow ones (over <paramref name="slowMs"/>; null: all of them) were: in how many of the run's seconds, and
    /// the share of them in its worst five seconds. A tail from a few stalls (a pause, a burst of background work) is a few
    /// seconds holding most of it; a tail from a machine at its limit is spread over the run.
    /// </summary>
    public static string TailBySecond(IReadOnlyList<(int Second, double Ms)> bySecond, double? slowMs, string what)
    {
        var slow = bySecond.Where(p => slowMs is not { } limit || p.Ms > limit).GroupBy(p => p.Second).Select(g => (Second: g.Key, Count: g.Count()))
            .OrderByDescending(g => g.Count).ToList();
        var over = slowMs is { } ms ? $" over {ms:0} ms" : "";
        if (slow.Count == 0) return $"no {what}{over}";
        var total = slow.Sum(g => g.Count);
        var worst = slow.Take(5).ToList();
        var seconds = bySecond.Select(p => p.Second).DefaultIfEmpty().Max() + 1;
        return $"{total} {what}{over}, in {slow.Count} of {seconds} seconds; the worst 5 seconds hold " +
               $"{100.0 * worst.Sum(g => g.Count) / total:0}% of them (second {string.Join(", ", worst.Select(g => $"{g.Second}: {g.Count}"))})";
    }
}
