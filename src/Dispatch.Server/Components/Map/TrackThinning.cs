using Dispatch.Server.Units.Positions;

namespace Dispatch.Server.Components.Map;

/// <summary>
/// Thins a track to what a replay needs: a day at one fix every 5 s is ~17,000 fixes, far more than a screen shows.
/// Time-aware Douglas–Peucker (synchronised Euclidean distance): a fix is dropped only when the position interpolated in
/// time between the fixes kept around it lies within the tolerance of it, so a replay of the thinned track moves the
/// marker where the unit was at each moment, stops included (a straight line driven at a steady speed goes, a wait
/// at a corner stays). When more than <c>maxPoints</c> remain, the tolerance doubles until they fit.
/// </summary>
public static class TrackThinning
{
    /// <summary>About 2 px at street zoom (17).</summary>
    public const double ToleranceMeters = 2;
    public const int MaxPoints = 2_000;

    public static IReadOnlyList<TrackApi.TrackFix> Thin(IReadOnlyList<TrackApi.TrackFix> fixes, double toleranceMeters = ToleranceMeters,
        int maxPoints = MaxPoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 2);
        if (fixes.Count <= 2) return fixes;
        // Local plane in metres around the first fix (equirectangular: exact enough within a city).
        var (x, y, t) = (new double[fixes.Count], new double[fixes.Count], new double[fixes.Count]);
        var cos = Math.Cos(fixes[0].Lat * Math.PI / 180);
        for (var i = 0; i < fixes.Count; i++)
        {
            x[i] = (fixes[i].Lon - fixes[0].Lon) * 111_320 * cos;
            y[i] = (fixes[i].Lat - fixes[0].Lat) * 110_574;
            t[i] = (fixes[i].At - fixes[0].At).TotalSeconds;
        }
        var tolerance = Math.Max(toleranceMeters, 0.01);
        while (true)
        {
            var keep = Keep(x, y, t, tolerance, maxPoints, out var kept);
            if (kept <= maxPoints)
            {
                var thinned = new List<TrackApi.TrackFix>(kept);
                for (var i = 0; i < fixes.Count; i++)
                    if (keep[i]) thinned.Add(fixes[i]);
                return thinned;
            }
            tolerance *= 2;
        }
    }

    // Iterative (a stack, not recursion: 50,000 fixes must not run out of stack). Gives up counting past the budget.
    static bool[] Keep(double[] x, double[] y, double[] t, double tolerance, int budget, out int kept)
    {
        var keep = new bool[x.Length];
        keep[0] = keep[^1] = true;
        kept = 2;
        var stack = new Stack<(int From, int To)>();
        stack.Push((0, x.Length - 1));
        while (stack.Count > 0 && kept <= budget)
        {
            var (a, b) = stack.Pop();
            if (b - a < 2) continue;
            var (worst, at) = (-1.0, -1);
            var span = t[b] - t[a];
            for (var i = a + 1; i < b; i++)
            {
                var r = span > 0 ? (t[i] - t[a]) / span : 0.5;
                var dx = x[i] - (x[a] + r * (x[b] - x[a]));
                var dy = y[i] - (y[a] + r * (y[b] - y[a]));
                var d = dx * dx + dy * dy;
                if (d > worst) (worst, at) = (d, i);
            }
            if (worst <= tolerance * tolerance) continue;
            keep[at] = true;
            kept++;
            stack.Push((a, at));
            stack.Push((at, b));
        }
        return keep;
    }
}
