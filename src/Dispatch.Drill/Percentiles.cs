namespace Dispatch.Drill;

/// <summary>Latency figures in milliseconds, as the benchmarks print them.</summary>
public static class Percentiles
{
    /// <summary>The nearest-rank percentile <paramref name="q"/> (0–1] of sorted samples.</summary>
    public static double Of(IReadOnlyList<double> sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>"n 200, median 4.1 ms, p90 6.0 ms, p99 12.3 ms, max 20.5 ms".</summary>
    public static string Summary(IEnumerable<double> ms)
    {
        var sorted = ms.Order().ToList();
        if (sorted.Count == 0) return "no samples";
        return $"n {sorted.Count}, median {Of(sorted, 0.5):F1} ms, p90 {Of(sorted, 0.9):F1} ms, p99 {Of(sorted, 0.99):F1} ms, max {sorted[^1]:F1} ms";
    }
}
