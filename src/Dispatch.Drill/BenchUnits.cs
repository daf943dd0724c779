using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench-units</c>: what a connected unit phone costs the server. --count drill units (registered by a dispatcher on the
/// first run, reused after, as <c>units</c> does) sign in and connect to /hubs/unit, --parallel at a time, up to each of
/// --steps connections; after each step the server (--server-pid, on this machine) is measured from outside: managed heap
/// and resident set after a forced full GC (<see cref="ServerProbe"/>) and CPU while idle (SignalR's keep-alive pings
/// only). Then, with every phone connected, --load-units of them go on duty and report positions over the hub at
/// --positions-per-second for --load-seconds, and the server's CPU is measured meanwhile. Per connection = (step − none) / N.
/// </summary>
public static class BenchUnits
{
    public const string Usage =
        "bench-units --server-pid PID [--url URL] [--count 1000] [--steps 500,1000] [--parallel 16] [--idle 10]\n" +
        "          [--load-units 50] [--positions-per-second 20] [--load-seconds 20] [--login city.dispatcher] [--password dispatch-demo]\n" +
        "          [--state DIR] [--gcdump PATH] [--hold 0]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var pid = o.Int("--server-pid", 0, min: 1);
        var count = o.Int("--count", 1000, min: 1);
        var steps = o.Counts("--steps", "500,1000").Select(s => Math.Min(count, s)).Distinct().ToList();
        var parallel = o.Int("--parallel", 16, min: 1);
        var idle = o.Seconds("--idle", 10, min: 1);
        var loadUnits = o.Int("--load-units", 50, min: 0);
        var rate = o.Double("--positions-per-second", 20, min: 0.1);
        var loadFor = o.Seconds("--load-seconds", 20);
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var credentials = new UnitCredentials(o.String("--state", UnitCredentials.DefaultDirectory));
        var gcdump = ServerProbe.Gcdump(o.String("--gcdump", ""));
        var hold = o.Seconds("--hold", 0);
        o.RejectUnknown();

        var probe = new ServerProbe(pid, gcdump, null);
        using var dispatcher = await DispatchClient.SignIn(url, login, password, Log);
        var towns = await Fleet.Towns(dispatcher);
        var departments = await Fleet.Departments(dispatcher, "urban-management");
        var clock = Stopwatch.StartNew();
        var fleet = await Fleet.Ensure(dispatcher, credentials, Fleet.Plan(count, departments, towns), towns, Log);
        Log($"{fleet.Count} units ready in {clock.Elapsed.TotalSeconds:F0} s");

        var rows = new List<string>();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var zero = await Measure(probe, 0, idle);
        rows.Add(Row(0, zero, zero));
        await Hold(hold, "no phone");

        var phones = new ConcurrentBag<UnitPhone>();
        var failed = 0;
        try
        {
            var connected = 0;
            foreach (var n in steps)
            {
                clock.Restart();
                var batch = fleet.Skip(connected).Take(n - connected).ToList();
                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (unit, ct) =>
                {
                    try { phones.Add(await UnitPhone.Connect(url, unit.Login, unit.Password, _ => Task.CompletedTask, null, ct)); }
                    catch (Exception e)
                    {
                        if (Interlocked.Increment(ref failed) <= 5) Log($"{unit.CallSign}: could not connect: {e.Message}");
                    }
                });
                connected = n;
                Log($"{phones.Count} phones connected ({clock.Elapsed.TotalSeconds:F0} s for this step, {failed} failed)");
                await Task.Delay(TimeSpan.FromSeconds(3));
                var at = await Measure(probe, phones.Count, idle);
                rows.Add(Row(phones.Count, at, zero));
            }
            await Hold(hold, $"{phones.Count} phones");

            string? load = null;
            if (loadUnits > 0 && loadFor > TimeSpan.Zero)
            {
                var workers = phones.Take(loadUnits).ToList();
                await Task.WhenAll(workers.Select(p => p.Call(UnitHubMethods.OnDuty, [])));
                var random = new Random(15);
                var total = (int)(rate * loadFor.TotalSeconds);
                var cpuBefore = probe.CpuTime();
                clock.Restart();
                var calls = new List<Task<UnitReply>>();
                for (var i = 0; i < total; i++)
                {
                    var due = TimeSpan.FromSeconds(i / rate);
                    if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                    calls.Add(workers[i % workers.Count].Call(UnitHubMethods.Position,
                        [31.2 + random.NextDouble() * 0.05, 121.45 + random.NextDouble() * 0.05, 10.0, DateTimeOffset.UtcNow]));
                }
                var replies = await Task.WhenAll(calls);
                var cpu = (probe.CpuTime() - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds * 100;
                load = $"{phones.Count} phones connected, {workers.Count} reporting: {total} positions over the hub at {rate:0.#}/s in " +
                       $"{clock.Elapsed.TotalSeconds:F1} s ({replies.Count(r => r.Ok)} accepted): server CPU {cpu:F1} %, load {ServerProbe.Machine().Load:F1}";
                Log(load);
                await Task.WhenAll(workers.Select(p => p.Call(UnitHubMethods.OffDuty, [])));
            }

            Console.WriteLine();
            Console.WriteLine($"bench-units {url} , {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {failed} phones failed to connect");
            Console.WriteLine();
            Console.WriteLine("| connections | heap after full GC | rss after GC | heap per connection | rss per connection | server CPU idle | load |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var row in rows) Console.WriteLine(row);
            if (load is not null) Console.WriteLine($"\n{load}");
        }
        finally
        {
            await Parallel.ForEachAsync(phones, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (phone, _) =>
            {
                try { await phone.DisposeAsync(); } catch (Exception) { /* the run is over */ }
            });
        }
        return failed == 0 ? 0 : 1;
    }

    sealed record Sample(long Heap, long Rss, double IdleCpu, double Load);

    static async Task<Sample> Measure(ServerProbe probe, int n, TimeSpan idle)
    {
        var (heap, objects, rss) = await probe.AfterFullGc($"units-{n}");
        var cpu = await probe.CpuPercent(idle);
        var (load, _) = ServerProbe.Machine();
        Log($"{n} connections: heap {ServerProbe.Mb(heap)} ({objects:N0} objects), rss {ServerProbe.Mb(rss)}, idle CPU {cpu:F1} %, load {load:F1}");
        return new(heap, rss, cpu, load);
    }

    static string Row(int n, Sample s, Sample zero) =>
        $"| {n} | {ServerProbe.Mb(s.Heap)} | {ServerProbe.Mb(s.Rss)} | " +
        (n == 0 ? "| " : $"{ServerProbe.Kb((s.Heap - zero.Heap) / (double)n)} | {ServerProbe.Kb((s.Rss - zero.Rss) / (double)n)} ") +
        $"| {s.IdleCpu:F1} % | {s.Load:F1} |";

    static async Task Hold(TimeSpan hold, string what)
    {
        if (hold <= TimeSpan.Zero) return;
        Log($"holding with {what} connected for {hold.TotalSeconds:F0} s");
        await Task.Delay(hold);
    }

    static void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
}
