using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench</c>: the baselines and the product in one run against a running server (Production settings), printed as one
/// markdown table where each figure stands beside its baseline. Stages, each optional: pgbench (PostgreSQL's own
/// single-row insert on the same cluster), intake at stepped rates (open loop, pushes to a board, 503s counted, lost ones
/// looked up in the database), dispatch (assignment → unit phone), positions from N connected units, chat; and the
/// server's CPU and memory over each stage, read from /proc. Progress goes to stderr; the table to stdout (and --out).
/// </summary>
public static class Bench
{
    public const string Usage =
        "bench --database CONNECTION [--url URL] [--stages pgbench,circuits,intake,dispatch,positions,chat] [--duration 60] [--rates 100,250,500]\n" +
        "      [--warmup 0] [--warmup-rate 100]\n" +
        "      [--pgbench-duration 30] [--units 10000] [--position-rate 2000] [--connect-parallel 32] [--dispatch-rate 5] [--chat-rate 20]\n" +
        "      [--calltakers city.calltaker] [--callers 4] [--password dispatch-demo] [--schema dispatch]\n" +
        "      [--circuit-steps 10,25] [--circuit-idle 5] [--chromium /usr/bin/chromium] [--gcdump PATH]\n" +
        "      [--server-pid PID] [--commit SHA] [--out FILE.md] [--state DIR]";

    // Circuits come before intake: its steps leave hundreds of thousands of never-closed incidents on the board, which is
    // no city's board; right after pgbench the board is the history's.
    static readonly string[] AllStages = ["pgbench", "circuits", "intake", "dispatch", "positions", "chat"];

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var database = o.String("--database", Environment.GetEnvironmentVariable("ConnectionStrings__Dispatch") ?? "");
        var stages = Stages(o.String("--stages", string.Join(',', AllStages)));
        var duration = o.Seconds("--duration", 60, min: 1);
        var pgbenchDuration = o.Seconds("--pgbench-duration", 30, min: 1);
        var rates = Rates(o.String("--rates", "100,250,500"));
        // Offered before the measured intake steps (at --warmup-rate) and before the positions (at --position-rate), not
        // counted: the server's JIT and pools warm, as in a long day.
        var warmup = o.Seconds("--warmup", 0, min: 0);
        var warmupRate = o.Double("--warmup-rate", 100, min: 0.1);
        var unitCount = o.Int("--units", 10_000, min: 1);
        var positionRate = o.Double("--position-rate", 2000, min: 0.1);
        var connectParallel = o.Int("--connect-parallel", 32, min: 1);
        var dispatchRate = o.Double("--dispatch-rate", 5, min: 0.1);
        var chatRate = o.Double("--chat-rate", 20, min: 0.1);
        // Signed-in call-taker sessions, the logins taken in turn (the demo has one city-wide call-taker; a district one may not
        // report outside its district, which the random points of Calls.Report leave sometimes).
        var callTakers = o.String("--calltakers", "city.calltaker").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var callerCount = o.Int("--callers", 4, min: 1);
        var password = o.String("--password", "dispatch-demo");
        var schema = o.String("--schema", "dispatch");
        var pidText = o.String("--server-pid", "0");
        var commit = o.String("--commit", "");
        var outFile = o.String("--out", "");
        var circuitSteps = o.Counts("--circuit-steps", "10,25");
        var circuitIdle = o.Seconds("--circuit-idle", 5, min: 1);
        var chromium = o.String("--chromium", "/usr/bin/chromium");
        var gcdump = o.String("--gcdump", "");
        var state = o.String("--state", UnitCredentials.DefaultDirectory);
        var credentials = new UnitCredentials(state);
        o.RejectUnknown();
        if (database == "") throw new OptionException("--database: the server's PostgreSQL connection string (for pgbench and to count what was stored).");
        if (!int.TryParse(pidText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid) || pid < 0)
            throw new OptionException($"--server-pid: '{pidText}' is not a process id.");

        // stdout carries the table only.
        Units.LogTo = Console.Error;
        var report = new BenchReport();
        var server = pid > 0 ? new ServerProcess(pid) : url.IsLoopback ? ServerProcess.Listening(url.Port) : null;
        if (server is null) report.Notes.Add($"Server CPU and memory not measured: no process found listening on {url} on this machine (give --server-pid).");
        await using var db = new BenchDatabase(NpgsqlDataSource.Create(database), schema);
        var (events, streams) = await db.Size();
        var startLoad = ServerProcess.LoadAverage();
        report.Header.Add($"date {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; " +
                          "server, PostgreSQL and this load generator on the same machine");
        report.Header.Add($"server {url}{(server is null ? "" : $" (pid {server.Pid})")}{(commit == "" ? "" : $", commit {commit}")}; " +
                          $"database {Describe(database)}: {BenchReport.N(events)} events in {BenchReport.N(streams)} streams at the start");
        report.Header.Add($"stages {string.Join(", ", stages)}; {duration.TotalSeconds:0} s each" +
                          (stages.Contains("intake") ? $" (intake at {string.Join(", ", rates.Select(r => BenchReport.N(r) + "/s"))})" : ""));
        Units.Log($"bench against {url}: {BenchReport.N(events)} events in the database; stages {string.Join(", ", stages)}");

        PgBenchResult? many = null, one = null;
        using var dispatcher = await DispatchClient.SignIn(url, "city.dispatcher", password, Units.Log);

        async Task Stage(string name, Func<Task> run, string? usage = null)
        {
            Units.Log($"— {name}");
            var before = server?.Sample();
            try { await run(); }
            // Whatever went wrong is a row of the table, and the other stages still run: a run of many minutes is not lost to one.
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Units.Log($"{name}: failed: {e.Message}");
                report.Rows.Add(new(name, "stage failed", e.Message.Length > 160 ? e.Message[..160] + "…" : e.Message));
            }
            if (server is not null && before is { } b) report.Usage.Add(ServerProcess.Usage(usage ?? name, b, server.Sample()));
        }

        if (stages.Contains("pgbench"))
            await Stage("pgbench", async () =>
            {
                var pgbench = PgBench.Find() ?? throw new InvalidOperationException("pgbench is not on PATH nor in /usr/lib/postgresql/*/bin (apt-get install postgresql-client)");
                // A server just started still reads and folds (its open cards, the rewind keeper's first round): the
                // baseline is taken once it has settled, or it is measured against a busy machine and comes out low.
                if (server is not null) report.Notes.Add($"pgbench: {await Settled(server, TimeSpan.FromSeconds(120))}.");
                await PgBench.Prepare(db.Source);
                try
                {
                    many = await PgBench.Run(pgbench, database, 8, pgbenchDuration);
                    Units.Log($"pgbench 8 clients: {many.Tps:F0} tps, mean {many.MeanMs:F3} ms");
                    await PgBench.Clean(db.Source);
                    one = await PgBench.Run(pgbench, database, 1, pgbenchDuration);
                    Units.Log($"pgbench 1 client: {one.Tps:F0} tps, mean {one.MeanMs:F3} ms");
                }
                finally { await PgBench.Clean(db.Source); }
                foreach (var r in new[] { many, one })
                    report.Rows.Add(new("pgbench", $"single-row insert of 311 B JSON, {r.Clients} client{(r.Clients == 1 ? "" : "s")}, {pgbenchDuration.TotalSeconds:0} s",
                        $"{BenchReport.N(r.Tps)} tps (mean {BenchReport.Ms(r.MeanMs)})", r.P50Ms, r.P99Ms, $"{r.Failed} failed",
                        r.Clients == 1 ? "baseline for one command at a time" : "baseline for throughput"));
            });

        if (stages.Contains("circuits"))
            await Stage("circuits", async () =>
            {
                if (server is null) throw new InvalidOperationException("the server's process is needed to weigh its circuits (give --server-pid)");
                var c = await BenchCircuits.Measure(new(url, server.Pid, circuitSteps, "/", "city.dispatcher", password, circuitIdle,
                    PushRate: 5, PushFor: TimeSpan.FromSeconds(20), callTakers[0], Renderers: 4, Dumps: null,
                    ServerProbe.Gcdump(gcdump), chromium, MinFree: 2L << 30, Hold: TimeSpan.Zero));
                var zero = c.Zero;
                foreach (var step in c.Steps.Where(s => s.Pages > 0))
                    report.Rows.Add(new("circuits", $"{step.Pages} board pages open (chromium), city.dispatcher, a board of {BenchReport.N(c.BoardTotal)} open incidents",
                        $"heap after full GC {ServerProbe.Mb(zero.Heap)} → {ServerProbe.Mb(step.Heap)}: {ServerProbe.Kb(step.HeapPerCircuit(zero))} a circuit; " +
                        $"RSS {ServerProbe.Kb(step.RssPerCircuit(zero))} a circuit; server CPU idle {step.IdleCpu:F1} %"));
                if (c.Marginal is { } marginal)
                    report.Rows.Add(new("circuits", "heap one more board page adds (between the first and the last step)",
                        $"{ServerProbe.Kb(marginal)}; 500 circuits ≈ {ServerProbe.Mb(zero.Heap + (long)(500 * marginal))} of heap (extrapolated, not opened)"));
                foreach (var p in c.Pushes)
                    report.Rows.Add(new("circuits", $"intakes at {BenchReport.N(p.Rate, "0.#")}/s with {p.Pages} board pages open ({p.Intakes})",
                        $"server CPU {p.Cpu:F1} % of a core" + (p.AllShown is { } shown ? $"; every page showed every new incident {shown.TotalSeconds:F1} s after the first was reported" : "")));
            });

        if (stages.Contains("intake"))
            await Stage("intake", async () =>
            {
                var callers = new List<DispatchClient>();
                try
                {
                    for (var i = 0; i < callerCount; i++) callers.Add(await DispatchClient.SignIn(url, callTakers[i % callTakers.Length], password, Units.Log));
                    await using var board = await BoardListener.Connect(url, "city.dispatcher", password);
                    var random = new Random(42);
                    if (warmup > TimeSpan.Zero)
                    {
                        Units.Log($"intake warm-up at {warmupRate}/s for {warmup.TotalSeconds:0} s (not measured)");
                        var w = await BenchIntake.Step(callers, board, db, warmupRate, warmup, TimeSpan.FromSeconds(10), random);
                        report.Notes.Add($"Before the intake steps, a warm-up of {warmup.TotalSeconds:0} s at {BenchReport.N(warmupRate)}/s (not in the table): " +
                                         $"{w.Answered} answered 2xx, {w.Overloaded} 503, {w.ErrorCount} other, {w.Lost} lost.");
                    }
                    foreach (var rate in rates)
                    {
                        var stepStart = server?.Sample();
                        Units.Log($"intake at {rate}/s for {duration.TotalSeconds:0} s from {callers.Count} call-taker sessions");
                        var s = await BenchIntake.Step(callers, board, db, rate, duration, TimeSpan.FromSeconds(10), random);
                        if (server is not null && stepStart is { } b) report.Usage.Add(ServerProcess.Usage($"intake {BenchReport.N(rate)}/s", b, server.Sample()));
                        Units.Log($"intake at {rate}/s: {s.Answered}/{s.Offered} answered 2xx ({s.Achieved:F0}/s), {s.Overloaded} 503, {s.ErrorCount} other, " +
                                  $"{s.PushMissing} pushes missing, {s.Lost} lost");
                        var stage = $"intake {BenchReport.N(rate)}/s";
                        var errors = s.ErrorCount == 0 ? "0 other errors" : $"{s.ErrorCount} other errors ({string.Join(", ", s.Errors.Select(e => $"{e.Value}× {e.Key}"))})";
                        report.Rows.Add(new(stage, $"POST /api/incidents → 2xx, from when it was due ({s.Offered} offered)",
                            $"{BenchReport.N(s.Achieved)}/s achieved; {s.Answered} answered 2xx; {s.Overloaded} 503 ({s.OverloadedWithRetryAfter} with Retry-After); {errors}",
                            P(s.Post, 0.5), P(s.Post, 0.99), $"{s.Lost} lost", many is null ? "" : $"{BenchReport.Percent(s.Achieved, many.Tps)} of pgbench ×8 tps"));
                        if (s.Overloaded > 0)
                            report.Rows.Add(new(stage, "503 answer (load shed)", $"{s.Overloaded} answers", P(s.Overload, 0.5), P(s.Overload, 0.99)));
                        report.Rows.Add(new(stage, "intake due → card pushed to a board client", $"{s.Push.Count}/{s.Answered} pushed within 10 s",
                            P(s.Push, 0.5), P(s.Push, 0.99), $"{s.PushMissing} pushes missing",
                            one is null ? "" : $"p50 {BenchReport.Times(P(s.Push, 0.5) ?? double.NaN, one.P50Ms)} a 1-client insert"));
                        report.Notes.Add($"{stage}, intake due → card pushed: {s.TailBySecond(100)}.");
                        if (s.Overloaded > 0) report.Notes.Add($"{stage}, 503s: {s.ShedBySecond()}.");
                    }
                }
                finally { foreach (var c in callers) c.Dispose(); }
            }, "intake, all steps with sign-ins and waits");

        if (stages.Contains("dispatch"))
            await Stage("dispatch", async () =>
            {
                var count = Math.Max(1, (int)Math.Round(dispatchRate * duration.TotalSeconds));
                var (s, units) = await BenchAssign.Measure(url, "city.dispatcher", password, count, 20, dispatchRate, 10, "urban-management", credentials, keep: false);
                report.Rows.Add(new("dispatch", $"dispatch POST → assignment on the unit's phone ({units} units, {BenchReport.N(dispatchRate, "0.#")}/s offered)",
                    $"{s.Received.Count}/{count} received, {s.Achieved:F1}/s achieved{(s.Failures.Count > 0 ? $", {s.Failures.Count} failed" : "")}",
                    P(s.Received, 0.5), P(s.Received, 0.99), $"{count - s.Received.Count} not received", Against(one, s.Received)));
                report.Rows.Add(new("dispatch", "dispatch POST alone", $"{s.Http.Count} answered", P(s.Http, 0.5), P(s.Http, 0.99), "", Against(one, s.Http)));
            });

        if (stages.Contains("positions"))
            await Stage("positions", async () =>
            {
                var p = await BenchPositions.Run(url, dispatcher, credentials, new UnitSessions(state), db, server, unitCount, positionRate, duration, connectParallel, warmup);
                report.Rows.Add(new("positions", $"{BenchReport.N(p.Planned)} unit accounts ({BenchReport.N(p.Registered)} registered now, the rest reused), signed in and connected to /hubs/unit",
                    $"{BenchReport.N(p.Connected)} connected ({BenchReport.N(p.SignedIn)} signed in, the rest on a kept session); " +
                    $"setup {p.Register.TotalSeconds:F0} s (register/reuse) + {p.Connect.TotalSeconds:F0} s (sign-in and connect)" +
                    (p.OnDutyMoves > 0 ? $", {p.OnDutyMoves} went on duty" : "")));
                if (server is not null && p.Connected > 0)
                    report.Rows.Add(new("positions", "server RSS per unit connection (before → after connecting, no forced GC)",
                        $"{BenchReport.N((p.RssAfterKb - p.RssBeforeKb) / (double)p.Connected, "0.0")} KB ({BenchReport.Mb(p.RssBeforeKb)} → {BenchReport.Mb(p.RssAfterKb)})"));
                var refused = p.Refused.Count == 0 ? "0 refused" : $"refused: {string.Join(", ", p.Refused.Select(r => $"{r.Value}× {r.Key}"))}";
                var errors = p.Errors.Count == 0 ? "" : $"; errors: {string.Join(", ", p.Errors.Select(r => $"{r.Value}× {r.Key}"))}";
                report.Rows.Add(new("positions", $"position over the hub, {BenchReport.N(positionRate)}/s offered across {BenchReport.N(p.Connected)} units ({BenchReport.N(p.Offered)} reports)",
                    $"{BenchReport.N(p.Achieved)}/s achieved; {BenchReport.N(p.Accepted)} accepted; {refused}{errors}; stored {BenchReport.N(p.Stored)} ({p.StoredWhere})",
                    P(p.Latency, 0.5), P(p.Latency, 0.99), $"{p.Lost} lost", many is null ? "" : $"{BenchReport.Percent(p.Achieved, many.Tps)} of pgbench ×8 tps"));
                if (warmup > TimeSpan.Zero)
                    report.Notes.Add($"Before the positions, a warm-up of {warmup.TotalSeconds:0} s at {BenchReport.N(positionRate)}/s over the same phones (not in the table).");
                report.Notes.Add($"positions, due → answered: {BenchReport.TailBySecond(p.BySecond, 1000, "reports")}.");
            });

        if (stages.Contains("chat"))
            await Stage("chat", async () =>
            {
                var count = Math.Max(1, (int)Math.Round(chatRate * duration.TotalSeconds));
                var s = await BenchChat.Measure(url, "city.dispatcher", password, ["city.leader", "dh.dispatcher", "dh.leader", "dh-04.dispatcher"], "node:demo",
                    count, chatRate, 20);
                report.Rows.Add(new("chat", $"post → each member's push ({s.Listeners} listeners, {BenchReport.N(chatRate, "0.#")}/s offered)",
                    $"{s.Latencies.Count}/{s.Expected} receipts, {s.Achieved:F1}/s achieved{(s.Failures.Count > 0 ? $", {s.Failures.Count} refused" : "")}",
                    P(s.Latencies, 0.5), P(s.Latencies, 0.99), $"{s.Expected - s.Latencies.Count} not received", Against(one, s.Latencies)));
            });

        report.Header.Add($"load average {startLoad} at the start, {ServerProcess.LoadAverage()} at the end");
        var markdown = report.ToMarkdown();
        Console.Out.Write(markdown);
        if (outFile != "") await File.WriteAllTextAsync(outFile, markdown);
        return report.Rows.Any(r => r.Measure == "stage failed") ? 1 : 0;
    }

    static string Against(PgBenchResult? one, List<double> samples) =>
        one is null || samples.Count == 0 ? "" :
            $"p50 {BenchReport.Times(P(samples, 0.5)!.Value, one.P50Ms)}, p99 {BenchReport.Times(P(samples, 0.99)!.Value, one.P99Ms)} a 1-client insert";

    static double? P(IEnumerable<double> samples, double q)
    {
        var sorted = samples.Order().ToList();
        return sorted.Count == 0 ? null : Percentiles.Of(sorted, q);
    }

    /// <summary>The stages asked for, in the harness's order; an unknown name is an error.</summary>
    public static IReadOnlyList<string> Stages(string text)
    {
        var asked = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = asked.Except(AllStages).ToList();
        if (unknown.Count > 0) throw new OptionException($"--stages: {string.Join(", ", unknown)} is not a stage ({string.Join(", ", AllStages)}).");
        return AllStages.Where(asked.Contains).ToList();
    }

    /// <summary>"100,250,500" → the intake rates a second, each positive.</summary>
    public static IReadOnlyList<double> Rates(string text)
    {
        var rates = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            rates.Add(double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && double.IsFinite(r) && r > 0
                ? r
                : throw new OptionException($"--rates: '{part}' is not a rate a second."));
        return rates.Count > 0 ? rates : throw new OptionException("--rates: at least one rate.");
    }

    /// <summary>Host, port and database of the connection string, never its password.</summary>
    static string Describe(string connectionString)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        return $"{c.Database} on {c.Host}:{c.Port}";
    }

    /// <summary>Waits until the server uses under a tenth of a core over two seconds (at most <paramref name="patience"/>), and says how it went.</summary>
    static async Task<string> Settled(ServerProcess server, TimeSpan patience)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var before = server.Sample();
            await Task.Delay(TimeSpan.FromSeconds(2));
            var usage = ServerProcess.Usage("settle", before, server.Sample());
            if (usage.CpuPercent < 10) return $"started after the server had settled ({usage.CpuPercent:0} % of a core over 2 s, {waited.Elapsed.TotalSeconds:0} s waited)";
            if (waited.Elapsed > patience) return $"started with the server still busy ({usage.CpuPercent:0} % of a core after {patience.TotalSeconds:0} s): the baseline is low";
        }
    }
}
