using System.Text;
using System.Text.Json;
using Dispatch.Drill;

namespace Dispatch.Server.Tests.Drill;

/// <summary>
/// The pure parts of the <c>bench</c> harness: the pgbench baseline's row and its output, the /proc readings of the
/// server, the open loop of arrivals, the options and the table. (The harness itself runs against a server: deploy/bench.)
/// </summary>
public sealed class BenchHarnessTests
{
    const string PgBenchOutput = """
        pgbench (15.14 (Debian 15.14-0+deb12u1))
        transaction type: /tmp/dispatch-pgbench/insert.sql
        scaling factor: 1
        query mode: simple
        number of clients: 8
        number of threads: 2
        maximum number of tries: 1
        duration: 30 s
        number of transactions actually processed: 190597
        number of failed transactions: 3 (0.002%)
        latency average = 1.259 ms
        initial connection time = 12.345 ms
        tps = 6353.217384 (without initial connection time)
        """;

    [Fact]
    public void Given_slow_pushes_bunched_in_a_few_seconds_when_the_tail_is_described_then_it_says_how_bunched_it_is()
    {
        // 10 seconds of 10 pushes at 20 ms, except second 3 (6 pushes at 400 ms) and second 7 (2 at 150 ms).
        var pushes = Enumerable.Range(0, 10).SelectMany(second => Enumerable.Range(0, 10)
            .Select(i => (second, second == 3 && i < 6 ? 400.0 : second == 7 && i < 2 ? 150.0 : 20.0))).ToList();
        // And three 503s: two in second 4, one in second 9.
        var shed = new List<(int, double)> { (4, 12.0), (4, 30.0), (9, 8.0) };
        var step = new IntakeStep(10, 103, 100, 3, 3, new Dictionary<string, int>(), 10, [], [.. pushes.Select(p => p.Item2)], 0, 0, pushes, shed);

        Assert.Equal("8 pushes over 100 ms, in 2 of 10 seconds; the worst 5 seconds hold 100% of them (second 3: 6, 7: 2)", step.TailBySecond(100));
        Assert.Equal("no pushes over 500 ms", step.TailBySecond(500));
        Assert.Equal("3 503s, in 2 of 10 seconds; the worst 5 seconds hold 100% of them (second 4: 2, 9: 1)", step.ShedBySecond());
        Assert.Equal([12.0, 30.0, 8.0], step.Overload);
    }

    [Fact]
    public void Given_the_baseline_row_when_written_then_it_is_311_bytes_of_JSON_inserted_into_pgbench_json()
    {
        var document = PgBench.Document();

        Assert.Equal(311, Encoding.UTF8.GetByteCount(document));
        using var json = JsonDocument.Parse(document);
        Assert.Equal("incident_reported", json.RootElement.GetProperty("type").GetString());
        Assert.Equal($"insert into pgbench_json (body) values ('{document}');\n", PgBench.Script());
    }

    [Fact]
    public void Given_pgbench_output_and_its_transaction_log_when_parsed_then_tps_mean_failures_and_percentiles_are_read()
    {
        var log = Enumerable.Range(1, 100).Select(i => $"0 {i} {i * 100} 0 1764972000 {i}").ToList(); // 0.1 … 10 ms
        var latencies = log.Select(PgBench.LoggedLatencyMs).OfType<double>().Order().ToList();

        var result = PgBench.Parse(PgBenchOutput, 8, latencies);

        Assert.Equal(new PgBenchResult(8, 6353.217384, 1.259, 5.0, 9.9, 190597, 3), result);
        Assert.Throws<FormatException>(() => PgBench.Parse("pgbench: error: connection refused", 8, latencies));
    }

    [Fact]
    public void Given_a_connection_string_when_turned_into_libpq_settings_then_pgbench_reaches_the_same_database()
    {
        var env = PgBench.LibpqEnvironment("Host=127.0.0.1;Port=5433;Database=dispatch_bench;Username=dispatch;Password=s3cret");

        Assert.Equal(new Dictionary<string, string>
        {
            ["PGHOST"] = "127.0.0.1", ["PGPORT"] = "5433", ["PGDATABASE"] = "dispatch_bench", ["PGUSER"] = "dispatch", ["PGPASSWORD"] = "s3cret",
        }, env);
    }

    [Fact]
    public void Given_proc_readings_of_a_process_when_parsed_then_cpu_time_and_resident_memory_are_read()
    {
        // A command name with a space and a bracket, as /proc/[pid]/stat may show; utime 1234 and stime 566 ticks.
        const string stat = "4242 (dotnet (x) y) S 1 4242 4242 0 -1 4194560 123 0 0 0 1234 566 0 0 20 0 30 0 900 1000 5000";
        const string status = "Name:\tdotnet\nVmPeak:\t 999 kB\nVmRSS:\t  271808 kB\nThreads:\t30\n";

        Assert.Equal(TimeSpan.FromSeconds(18), ServerProcess.Cpu(stat, 100));
        Assert.Equal(271808, ServerProcess.Rss(status));
        var usage = ServerProcess.Usage("intake", new ProcessSample(TimeSpan.FromSeconds(10), 1000, 0),
            new ProcessSample(TimeSpan.FromSeconds(13), 2000, System.Diagnostics.Stopwatch.Frequency * 2));
        Assert.Equal(150, usage.CpuPercent, precision: 6); // 3 s of CPU in 2 s of wall time: one and a half cores
    }

    [Fact]
    public void Given_proc_net_tcp_when_looking_for_a_port_then_only_the_listening_socket_on_that_port_is_found()
    {
        string[] lines =
        [
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
            "   0: 0100007F:13E9 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555001 1 0 100 0 0 10 0",
            "   1: 0100007F:1539 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 555002 1 0 100 0 0 10 0",
            "   2: 0100007F:13E9 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 555003 1 0 100 0 0 10 0",
        ];

        Assert.Equal(["555001"], ServerProcess.ListeningInodes(lines, 5097));
        Assert.Empty(ServerProcess.ListeningInodes(lines, 5098));
    }

    [Fact]
    public async Task Given_arrivals_whose_work_never_finishes_when_run_in_the_open_loop_then_every_arrival_still_goes_out_on_time()
    {
        var allOut = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var fired = new List<(int I, long Due)>();

        // Each arrival's work waits until the last one went out: a loop that waited for answers would never get there.
        var run = OpenLoop.Run(40, 400, (i, due) =>
        {
            fired.Add((i, due));
            if (i == 39) allOut.TrySetResult();
            return allOut.Task;
        });
        await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(Enumerable.Range(0, 40), fired.Select(f => f.I));
        // Due times are the schedule's, 2.5 ms apart, whenever each actually went out.
        Assert.Equal(97.5, System.Diagnostics.Stopwatch.GetElapsedTime(fired[0].Due, fired[39].Due).TotalMilliseconds, precision: 2);
    }

    [Fact]
    public void Given_stage_and_rate_options_when_read_then_the_harness_order_holds_and_nonsense_is_refused()
    {
        Assert.Equal(["pgbench", "intake", "chat"], Bench.Stages("chat,intake,pgbench"));
        Assert.Equal([100.0, 250, 500], Bench.Rates("100, 250,500"));
        Assert.Contains("positons", Assert.Throws<OptionException>(() => Bench.Stages("pgbench,positons")).Message);
        Assert.Throws<OptionException>(() => Bench.Rates("100,0"));
        Assert.Throws<OptionException>(() => Bench.Rates("fast"));
    }

    [Fact]
    public void Given_page_counts_when_read_then_they_come_smallest_first_once_and_a_bad_one_is_named()
    {
        // The harness's --circuit-steps and bench-circuits' --steps read the same way.
        Assert.Equal([10, 25], Options.Parse(["bench", "--circuit-steps", "25, 10,25"]).Counts("--circuit-steps", "1"));
        Assert.Equal([10, 25, 50], Options.Parse(["bench-circuits"]).Counts("--steps", "10,25,50"));
        var refused = Assert.Throws<OptionException>(() => Options.Parse(["bench", "--circuit-steps", "10,ten"]).Counts("--circuit-steps", "1"));
        Assert.Contains("--circuit-steps: 'ten'", refused.Message);
        Assert.Throws<OptionException>(() => Options.Parse(["bench", "--steps", "0,5"]).Counts("--steps", "1"));
    }

    [Fact]
    public void Given_measured_rows_when_printed_then_the_markdown_table_holds_each_figure_with_its_ratio_and_the_server_usage()
    {
        var report = new BenchReport();
        report.Header.Add("date 2026-12-05 22:40 UTC");
        report.Rows.Add(new("pgbench", "single-row insert, 1 client", "4,263 tps", 0.2351, 0.61, "0 failed", "baseline"));
        report.Rows.Add(new("intake 500/s", "POST | board", "498/s achieved", 7.18, 1226.4, "0 lost", BenchReport.Percent(498, 6353)));
        report.Rows.Add(new("chat", "post → push", "2000/2000", 14.3, 264, "0 not received", $"p50 {BenchReport.Times(14.3, 0.2351)}"));
        report.Usage.Add(new StageUsage("intake 500/s", TimeSpan.FromSeconds(61.2), 143.4, 300 * 1024, 420 * 1024));

        var lines = report.ToMarkdown().Split('\n');

        Assert.Contains("| stage | measure | value | p50 | p99 | lost | ratio to baseline |", lines);
        Assert.Contains("| pgbench | single-row insert, 1 client | 4,263 tps | 0.235 ms | 0.610 ms | 0 failed | baseline |", lines);
        Assert.Contains("| intake 500/s | POST \\| board | 498/s achieved | 7.18 ms | 1,226 ms | 0 lost | 7.8 % |", lines);
        Assert.Contains("| chat | post → push | 2000/2000 | 14.3 ms | 264 ms | 0 not received | p50 ×61 |", lines);
        Assert.Contains("| intake 500/s | 61.2 s | 143 % | 300.0 MB → 420.0 MB |", lines);
    }

    [Fact]
    public void Given_a_prefix_and_a_width_when_a_fleet_is_planned_then_the_harness_units_are_apart_from_the_drills()
    {
        var town = new Area("dh-01", "东湖镇", "demo/dh/dh-01",
            [[[new(31.2, 121.4), new(31.2, 121.5), new(31.3, 121.5), new(31.3, 121.4), new(31.2, 121.4)]]]);
        var department = new CityDepartment("urban-management", "城市管理局", "Urban Management", ["town"]);

        var plans = Fleet.Plan(10_000, [department], [town], BenchPositions.CallSignPrefix, BenchPositions.LoginPrefix, digits: 5);

        Assert.Equal(("压测-城管-00001", "bench-unit-00001"), (plans[0].CallSign, plans[0].Login));
        Assert.Equal(("压测-城管-10000", "bench-unit-10000"), (plans[^1].CallSign, plans[^1].Login));
        Assert.Equal("drill-unit-001", Fleet.Plan(1, [department], [town])[0].Login);
    }
}
