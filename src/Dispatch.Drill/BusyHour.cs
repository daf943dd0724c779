using System.Globalization;

namespace Dispatch.Drill;

/// <summary>
/// <c>busy-hour</c>: a busy hour at the centre, for watching the situation screen and the consoles under load: hotline
/// calls at a steady rate (the <c>calls</c> drill, with its push figures) and a fleet of simulated units patrolling,
/// reporting positions and working what they are sent (the <c>units</c> drill), both for the same span of time.
/// </summary>
public static class BusyHour
{
    public const string Usage =
        "busy-hour [--url URL] [--rate 3] [--minutes 60] [--units 40] [--department all] [--password dispatch-demo] [--state DIR]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url().ToString();
        var rate = o.Double("--rate", 3, min: 0.01);
        var minutes = o.Double("--minutes", 60, min: 0.1);
        var units = o.Int("--units", 40, min: 1);
        var department = o.String("--department", "all");
        var password = o.String("--password", "dispatch-demo");
        var state = o.String("--state", UnitCredentials.DefaultDirectory);
        o.RejectUnknown();

        string Text(double value) => value.ToString(CultureInfo.InvariantCulture);
        var calls = (int)Math.Ceiling(rate * minutes * 60);
        Units.Log($"busy hour: {calls} calls at {Text(rate)}/s and {units} units for {Text(minutes)} min against {url}");
        var callDrill = Calls.Run(Options.Parse(["calls", "--url", url, "--count", calls.ToString(CultureInfo.InvariantCulture),
            "--rate", Text(rate), "--password", password]));
        var unitDrill = Units.Run(Options.Parse(["units", "--url", url, "--count", units.ToString(CultureInfo.InvariantCulture),
            "--department", department, "--duration", Text(minutes * 60), "--password", password, "--state", state]));
        var results = await Task.WhenAll(callDrill, unitDrill);
        return results.Max();
    }
}
