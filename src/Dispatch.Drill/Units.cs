namespace Dispatch.Drill;

/// <summary>
/// <c>units</c>: simulated field units that speak the API and the unit hub as real phones do. A dispatcher registers
/// them (or finds them registered by an earlier run); each signs in with its own account, goes on duty, patrols its
/// town reporting its position, and works every assignment it is sent: accept and go, drive there, on scene, work,
/// note, resolve, clear. A summary line every 10 s; Ctrl+C (or --duration) sends them off duty and signs them out.
/// </summary>
public static class Units
{
    public const string Usage =
        "units [--count 20] [--url URL] [--login city.dispatcher] [--password dispatch-demo] [--department urban-management|all]\n" +
        "      [--speed 12] [--report-every 5] [--work 20] [--duration 0] [--state DIR]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var count = o.Int("--count", 20, min: 1);
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var department = o.String("--department", "urban-management");
        var habits = new UnitHabits(o.Double("--speed", 12, min: 0.1), o.Seconds("--report-every", 5, min: 0.2), o.Seconds("--work", 20));
        var duration = o.Seconds("--duration", 0);
        var credentials = new UnitCredentials(o.String("--state", UnitCredentials.DefaultDirectory));
        o.RejectUnknown();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true; // let the units sign out first
            if (stop.IsCancellationRequested) return;
            Log("stopping: units go off duty and sign out…");
            stop.Cancel();
        };
        if (duration > TimeSpan.Zero) stop.CancelAfter(duration);

        using var dispatcher = await DispatchClient.SignIn(url, login, password, Log, stop.Token);
        var towns = await Fleet.Towns(dispatcher, stop.Token);
        var departments = await Fleet.Departments(dispatcher, department, stop.Token);
        var fleet = await Fleet.Ensure(dispatcher, credentials, Fleet.Plan(count, departments, towns), towns, Log, stop.Token);
        if (fleet.Count == 0) return 1;

        var stats = new DrillStats();
        var seed = new Random();
        var units = fleet.Select(u => new SimulatedUnit(u, url, habits, TimeProvider.System, TimeSpan.FromSeconds(1), new Random(seed.Next()), stats, Log)).ToList();
        foreach (var unit in units)
            unit.Stepped += done =>
            {
                if (done.Reply.Ok && done.Step is UnitStep.AcceptAndGo or UnitStep.OnScene or UnitStep.Resolve)
                    Log($"{done.Unit.CallSign}: {Narrate(done.Step)}");
            };
        Log($"{units.Count} units signing in to {url} (speed {habits.SpeedMetersPerSecond} m/s, position every {habits.ReportEvery.TotalSeconds} s, " +
            $"{habits.Work.TotalSeconds} s on scene); Ctrl+C to stop");

        var running = units.Select(async unit =>
        {
            try { await unit.Run(stop.Token); }
            catch (Exception e) { Log($"{unit.Unit.CallSign}: stopped: {e.Message}"); }
        }).ToList();
        var summary = Summarise(units, stats, stop.Token);
        await Task.WhenAll(running);
        await summary;

        Log("final: " + Line(units, stats));
        var signedOut = (await Task.WhenAll(units.Select(u => u.Stop()))).Count(clean => clean);
        Log($"{signedOut}/{units.Count} units off duty and signed out");
        return signedOut == units.Count ? 0 : 1;
    }

    static async Task Summarise(IReadOnlyList<SimulatedUnit> units, DrillStats stats, CancellationToken ct)
    {
        using var every = new PeriodicTimer(TimeSpan.FromSeconds(10));
        try
        {
            while (await every.WaitForNextTickAsync(ct)) Log(Line(units, stats));
        }
        catch (OperationCanceledException) { }
    }

    static string Line(IReadOnlyList<SimulatedUnit> units, DrillStats stats) =>
        $"on duty {units.Count(u => u.OnDuty)}/{units.Count} · driving {units.Count(u => u.Brain.Activity == UnitActivity.Driving)} · " +
        $"on scene {units.Count(u => u.Brain.Activity == UnitActivity.Working)} · assignments {stats.Assignments} · resolved {stats.Resolved} · " +
        $"positions {stats.Positions} · chat lines {stats.ChatPosts} · named {stats.Mentions} · refused {stats.Refused} · failed calls {stats.Failures} · " +
        $"reconnects {units.Sum(u => u.Reconnects)}";

    static string Narrate(UnitStep step) => step switch
    {
        UnitStep.AcceptAndGo a => $"accepted {a.Number}, on the way",
        UnitStep.OnScene o => $"on scene at {o.Number}",
        UnitStep.Resolve => "resolved its incident",
        _ => step.ToString(),
    };

    public static void Log(string line) => LogTo.WriteLine($"{DateTime.Now:HH:mm:ss} {line}");

    /// <summary>Where <see cref="Log"/> writes: stdout, or stderr when stdout carries a result (the <c>bench</c> table).</summary>
    public static TextWriter LogTo { get; set; } = Console.Out;
}
