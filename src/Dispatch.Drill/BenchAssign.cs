using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using Dispatch.Domain.Units;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench-assign</c>: how long from a dispatcher sending a unit (<c>POST /api/units/{id}/dispatch</c>) to the unit's
/// phone holding the assignment. Units sign in and connect to /hubs/unit, on duty with a fresh position; then, at the
/// offered rate, the dispatcher reports an incident near a free unit, accepts it, assigns it to the unit's department
/// and sends the unit. The clock runs from just before the dispatch POST to the moment the unit's hub connection
/// receives the assignment for that incident; the POST's own time is reported apart. The unit then acknowledges,
/// accepts and clears, and is free for the next one. The incidents are cancelled at the end (--keep-incidents keeps them).
/// </summary>
public static class BenchAssign
{
    public const string Usage =
        "bench-assign [--count 200] [--units 20] [--rate 5] [--warmup 10] [--url URL] [--login city.dispatcher] [--password dispatch-demo]\n" +
        "             [--department urban-management|all] [--state DIR] [--keep-incidents]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var count = o.Int("--count", 200, min: 1);
        var unitCount = o.Int("--units", 20, min: 1);
        var rate = o.Double("--rate", 5, min: 0.01);
        var warmup = o.Int("--warmup", 10);
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var department = o.String("--department", "urban-management");
        var credentials = new UnitCredentials(o.String("--state", UnitCredentials.DefaultDirectory));
        var keep = o.Flag("--keep-incidents");
        o.RejectUnknown();

        var (samples, units) = await Measure(url, login, password, count, unitCount, rate, warmup, department, credentials, keep);
        if (units == 0) return 1;
        Console.WriteLine();
        Console.WriteLine($"bench-assign: {samples.Received.Count}/{count} assignments received by {units} units at {rate}/s offered " +
                          $"({samples.Achieved:F1}/s achieved) against {url}");
        Console.WriteLine($"dispatch POST → unit hub receives assignment: {Percentiles.Summary(samples.Received)}");
        Console.WriteLine($"dispatch POST alone (HTTP 200):                {Percentiles.Summary(samples.Http)}");
        Console.WriteLine($"receipt after the POST's answer:               {Percentiles.Summary(samples.AfterAnswer)}");
        if (samples.Failures.Count > 0)
            Console.WriteLine($"failures ({samples.Failures.Count}): {string.Join("; ", samples.Failures.GroupBy(f => f).Select(g => $"{g.Count()}× {g.Key}"))}");
        return samples.Received.Count == count ? 0 : 1;
    }

    /// <summary>
    /// The benchmark itself (also the <c>bench</c> harness's dispatch stage): the measured samples and how many units
    /// took part (0: none could, and nothing was measured).
    /// </summary>
    public static async Task<(AssignSamples Samples, int Units)> Measure(Uri url, string login, string password, int count, int unitCount,
        double rate, int warmup, string department, UnitCredentials credentials, bool keep)
    {
        using var dispatcher = await DispatchClient.SignIn(url, login, password, Units.Log);
        var towns = await Fleet.Towns(dispatcher);
        var departments = await Fleet.Departments(dispatcher, department);
        var fleet = await Fleet.Ensure(dispatcher, credentials, Fleet.Plan(unitCount, departments, towns), towns, Units.Log);
        var none = new AssignSamples([], [], [], 0);
        if (fleet.Count == 0) return (none, 0);

        var free = Channel.CreateUnbounded<BenchUnit>();
        var random = new Random(7);
        var units = new List<BenchUnit>();
        foreach (var unit in fleet)
        {
            try { units.Add(await BenchUnit.Start(unit, url, random, free.Writer)); }
            catch (Exception e) when (e is DispatchApiException or HttpRequestException or InvalidOperationException)
            {
                Units.Log($"{unit.CallSign}: cannot take part: {e.Message}");
            }
        }
        if (units.Count == 0) return (none, 0);
        Units.Log($"{units.Count} units on duty and connected; {warmup} warm-up dispatches, then {count} measured at {rate}/s");

        var incidents = new ConcurrentBag<Guid>();
        if (warmup > 0) await Measure(dispatcher, free.Reader, warmup, rate, random, incidents, "warm-up");
        var samples = await Measure(dispatcher, free.Reader, count, rate, random, incidents, "measured");

        // Every unit back among the free ones (done accepting and clearing) before the incidents are cancelled, which
        // would otherwise release a unit under its own Clear.
        using (var drained = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try { for (var i = 0; i < units.Count; i++) await free.Reader.ReadAsync(drained.Token); }
            catch (OperationCanceledException) { Units.Log("some units were still busy after 30 s"); }
        }

        if (!keep)
        {
            var cancelled = 0;
            await Parallel.ForEachAsync(incidents, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, ct) =>
            {
                try
                {
                    await dispatcher.Incident(id, "cancel", new { reason = "invalid", note = "演练结束" }, ct);
                    Interlocked.Increment(ref cancelled);
                }
                catch (DispatchApiException) { }
            });
            Units.Log($"cancelled {cancelled} of the {incidents.Count} drill incidents (--keep-incidents keeps them)");
        }
        await Task.WhenAll(units.Select(u => u.Stop()));
        return (samples, units.Count);
    }

    static async Task<AssignSamples> Measure(DispatchClient dispatcher, ChannelReader<BenchUnit> free, int count, double rate, Random random,
        ConcurrentBag<Guid> incidents, string what)
    {
        var received = new List<double>();
        var http = new List<double>();
        var failures = new List<string>();
        var interval = TimeSpan.FromSeconds(1 / rate);
        var started = Stopwatch.StartNew();
        var running = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            if (due > started.Elapsed) await Task.Delay(due - started.Elapsed);
            var unit = await free.ReadAsync(); // none free: the offered rate is more than the units can take
            var n = i;
            running.Add(Task.Run(async () =>
            {
                try
                {
                    var (receipt, post) = await DispatchOne(dispatcher, unit, random, n, incidents, what);
                    lock (received)
                    {
                        received.Add(receipt);
                        http.Add(post);
                    }
                }
                catch (Exception e)
                {
                    lock (failures) failures.Add(e is DispatchApiException api ? $"{api.Status} {api.Code}" : e.GetType().Name + ": " + e.Message);
                }
            }));
        }
        await Task.WhenAll(running);
        var achieved = count / started.Elapsed.TotalSeconds;
        if (failures.Count > 0) Units.Log($"{what}: {failures.Count} failures, first: {failures[0]}");
        return new(received, http, failures, achieved);
    }

    /// <summary>One incident near the unit, accepted, assigned to its department, and the unit sent: (to receipt, POST alone) in ms.</summary>
    static async Task<(double Receipt, double Post)> DispatchOne(DispatchClient dispatcher, BenchUnit unit, Random random, int n,
        ConcurrentBag<Guid> incidents, string what)
    {
        Guid id;
        try
        {
            LatLon near;
            lock (random) near = unit.Position.Toward(unit.Home.RandomPoint(random), 80);
            (id, _) = await dispatcher.Report(new
            {
                channel = "hotline", callerName = "演练", callerPhone = $"139{Random.Shared.Next(10000000, 99999999)}",
                lat = near.Lat, lon = near.Lon, address = $"{unit.Home.Name}演练派单点 {n + 1} 号", category = "road-damage",
                description = $"演练派单（{what} {n + 1}）", urgency = 2,
            });
            incidents.Add(id);
            await dispatcher.Incident(id, "accept");
            await dispatcher.Incident(id, "assign", new { department = unit.Department });
        }
        catch
        {
            unit.Release();
            throw;
        }

        var receipt = unit.Expect(id);
        long start, posted, at;
        try
        {
            start = Stopwatch.GetTimestamp();
            await dispatcher.Unit(unit.Id, "dispatch", new { incidentId = id });
            posted = Stopwatch.GetTimestamp();
            at = await receipt.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch
        {
            // Not sent, or never heard of: free again, unless the assignment is being handled after all (which frees it).
            if (unit.Forget(id)) unit.Release();
            throw;
        }
        return (Stopwatch.GetElapsedTime(start, at).TotalMilliseconds, Stopwatch.GetElapsedTime(start, posted).TotalMilliseconds);
    }
}

/// <summary>What <c>bench-assign</c> measured: to the unit's receipt and the POST alone (ms, in the same order), what failed, the rate achieved.</summary>
public sealed record AssignSamples(List<double> Received, List<double> Http, List<string> Failures, double Achieved)
{
    /// <summary>The push alone: from the POST's answer to the unit's receipt (negative when the push came first).</summary>
    public IEnumerable<double> AfterAnswer => Received.Zip(Http, (r, h) => r - h);
}

/// <summary>
/// A unit's phone for the benchmark: it notes the moment each assignment arrives (first thing, before anything else is
/// done with it), then acknowledges, accepts and clears on its own loop and puts itself back among the free units.
/// </summary>
sealed class BenchUnit
{
    readonly DrillUnit _unit;
    readonly ChannelWriter<BenchUnit> _free;
    readonly ConcurrentDictionary<Guid, TaskCompletionSource<long>> _expected = new();
    readonly Channel<UnitMessage> _work = Channel.CreateUnbounded<UnitMessage>(new() { SingleReader = true });
    UnitPhone _phone = null!;
    Task _loop = Task.CompletedTask;

    BenchUnit(DrillUnit unit, ChannelWriter<BenchUnit> free) => (_unit, _free) = (unit, free);

    public Guid Id => _unit.Id;
    public string Department => _unit.Department;
    public Area Home => _unit.Home;
    public LatLon Position { get; private set; }

    public static async Task<BenchUnit> Start(DrillUnit unit, Uri url, Random random, ChannelWriter<BenchUnit> free)
    {
        var bench = new BenchUnit(unit, free);
        bench._phone = await UnitPhone.Connect(url, unit.Login, unit.Password, bench.Received, Units.Log);
        var me = await bench._phone.Me();
        if (me.IncidentId is not null) await bench.Must("Clear");
        if (me.Status == UnitStatus.OffDuty) await bench.Must("OnDuty");
        lock (random) bench.Position = unit.Home.RandomPoint(random);
        await bench.Must("Position", bench.Position.Lat, bench.Position.Lon, 10.0, DateTimeOffset.UtcNow);
        bench._loop = bench.Work();
        bench.Release();
        return bench;
    }

    /// <summary>Completes with the <see cref="Stopwatch"/> timestamp at which the assignment for the incident arrives.</summary>
    public Task<long> Expect(Guid incidentId) => _expected.GetOrAdd(incidentId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Stops expecting the incident's assignment; false when it already arrived and is being handled.</summary>
    public bool Forget(Guid incidentId) => _expected.TryRemove(incidentId, out _);

    public void Release() => _free.TryWrite(this);

    Task Received(IReadOnlyList<UnitMessage> batch)
    {
        var at = Stopwatch.GetTimestamp();
        foreach (var message in batch)
        {
            // Only what the benchmark sent: an assignment left from an earlier run is acknowledged and nothing more.
            if (message.Read() is AssignmentMessage { IncidentId: var id } && _expected.TryGetValue(id, out var expected))
                expected.TrySetResult(at);
            _work.Writer.TryWrite(message);
        }
        return Task.CompletedTask;
    }

    async Task Work()
    {
        await foreach (var message in _work.Reader.ReadAllAsync())
        {
            var sent = message.Read() is AssignmentMessage { IncidentId: var id } && _expected.TryRemove(id, out _);
            try
            {
                await _phone.Ack(message.Seq);
                if (message.Kind != UnitMessageKind.Assignment) continue;
                if (!sent)
                {
                    // Not (or no longer) awaited: a late one after a time-out, or one left from an earlier run. Free the unit.
                    await _phone.Call(UnitHubMethods.Clear, []);
                    continue;
                }
                var accepted = await _phone.Call(UnitHubMethods.AcceptAndGo, []);
                var cleared = await _phone.Call(UnitHubMethods.Clear, []);
                if (!accepted.Ok || !cleared.Ok)
                    Units.Log($"{_unit.CallSign}: {(accepted.Ok ? cleared : accepted).Code}: {(accepted.Ok ? cleared : accepted).Message}");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Units.Log($"{_unit.CallSign}: {e.Message}");
            }
            finally
            {
                if (sent) Release();
            }
        }
    }

    async Task Must(string method, params object?[] args)
    {
        var reply = await _phone.Call(method, args);
        if (!reply.Ok && reply.Code?.EndsWith(".already", StringComparison.Ordinal) != true)
            throw new InvalidOperationException($"{method} refused ({reply.Code}): {reply.Message}");
    }

    public async Task Stop()
    {
        _work.Writer.TryComplete();
        await _loop;
        await _phone.LeaveAndClose(_unit.CallSign);
    }
}
