using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;

namespace Dispatch.Drill;

/// <summary>One rewind's cost as the server measured it (<c>GET /api/rewind/cost</c>).</summary>
public sealed record RewindCostAnswer(DateTimeOffset At, long Sequence, long StoreSequence, long? CardsKeyframe, long? UnitsKeyframe,
    long CardsReplayed, long UnitsReplayed, double MomentMs, double CardsMs, double UnitsMs, double DetailMs, int Open, int ClosedThatDay,
    int Units, int Keyframes, DateTimeOffset? FirstAt, DateTimeOffset? LastAt, long EventBytes, long KeyframeBytes);

/// <summary>
/// bench-rewind: what time travel (issue 20) costs. By default, rewinds the whole record (moment, cards, units, one
/// detail) to N random moments between the store's first and last event, one after another, and prints each step's
/// p50/p99 and the events replayed from the nearest keyframe. With <c>--scrub</c>, measures hotline intake (reports at a
/// fixed rate, open loop) twice — alone, then while one client scrubs (rewinds back to back) — so "live work is not
/// slowed" is a figure. The intake writes: never point <c>--scrub</c> at a database you must not write to.
/// </summary>
public static class BenchRewind
{
    public const string Usage =
        "bench-rewind [--moments 50] [--seed 20] [--from TIME] [--to TIME] [--scrub --rate 20 --duration 30 --calltaker city.calltaker] [--url URL]\n" +
        "          [--login city.dispatcher] [--password dispatch-demo]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var moments = o.Int("--moments", 50, min: 1);
        var seed = o.Int("--seed", 20);
        var scrub = o.Flag("--scrub");
        var rate = o.Double("--rate", 20, min: 0.1);
        var duration = o.Seconds("--duration", 30, min: 1);
        var login = o.String("--login", "city.dispatcher");
        var callTaker = o.String("--calltaker", "city.calltaker");
        var password = o.String("--password", "dispatch-demo");
        // The window to pick moments in (default: the store's first to last event).
        var from = o.String("--from", "");
        var to = o.String("--to", "");
        o.RejectUnknown();

        using var signedIn = await DispatchClient.SignIn(url, login, password, Units.Log);
        // The same session, a longer patience: a rewind on a board of half a million cards, on a busy machine.
        using var viewer = new HttpClient(new SocketsHttpHandler { CookieContainer = signedIn.Cookies }) { BaseAddress = url, Timeout = TimeSpan.FromMinutes(10) };
        // Before the first event: costs nothing, and tells the store's size and span.
        var store = await Cost(viewer, new DateTimeOffset(2000, 1, 1, 0, 0, 0, TimeSpan.Zero));
        Console.WriteLine($"store: {store.StoreSequence:N0} events ({store.EventBytes / 1048576.0:N0} MiB), {store.FirstAt:u} to {store.LastAt:u}; " +
                          $"{store.Keyframes} keyframes ({store.KeyframeBytes / 1048576.0:N1} MiB); load {Load()}");
        if (store.FirstAt is not { } first || store.LastAt is not { } last) throw new OptionException("The store has no events to rewind through.");
        if (from != "") first = Time("--from", from);
        if (to != "") last = Time("--to", to);
        if (last < first) throw new OptionException("--to is before --from.");
        var random = new Random(seed);
        DateTimeOffset Pick() => first + (last - first) * random.NextDouble();

        if (!scrub)
        {
            var costs = new List<(RewindCostAnswer Cost, double Wall)>();
            for (var i = 0; i < moments; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var cost = await Cost(viewer, Pick());
                costs.Add((cost, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
            }
            Console.WriteLine($"{moments} rewinds to random moments from {first:u} to {last:u} (seed {seed}), one after another; load {Load()}");
            Console.WriteLine($"  moment (MomentAt)       {Percentiles.Summary(costs.Select(c => c.Cost.MomentMs))}");
            Console.WriteLine($"  cards (CardsAt)         {Percentiles.Summary(costs.Select(c => c.Cost.CardsMs))}");
            Console.WriteLine($"  units (UnitsAt)         {Percentiles.Summary(costs.Select(c => c.Cost.UnitsMs))}");
            Console.WriteLine($"  detail (DetailAt)       {Percentiles.Summary(costs.Select(c => c.Cost.DetailMs))}");
            Console.WriteLine($"  whole request           {Percentiles.Summary(costs.Select(c => c.Wall))}");
            Console.WriteLine($"  events replayed (cards) {Counts(costs.Select(c => (double)c.Cost.CardsReplayed))}");
            Console.WriteLine($"  events replayed (units) {Counts(costs.Select(c => (double)c.Cost.UnitsReplayed))}");
            Console.WriteLine($"  cards built (open + closed that day) {Counts(costs.Select(c => (double)(c.Cost.Open + c.Cost.ClosedThatDay)))}; " +
                              $"units {Counts(costs.Select(c => (double)c.Cost.Units))}");
            return 0;
        }

        using var caller = await DispatchClient.SignIn(url, callTaker, password, Units.Log);
        var alone = await Intake(caller, rate, duration, random);
        Console.WriteLine($"intake alone, {rate}/s for {duration.TotalSeconds:0} s: {Percentiles.Summary(alone)}; load {Load()}");
        using var stop = new CancellationTokenSource();
        var rewinds = new ConcurrentBag<double>();
        var scrubbing = Task.Run(async () =>
        {
            var picks = new Random(seed + 1);
            while (!stop.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                try { await Cost(viewer, first + (last - first) * picks.NextDouble(), stop.Token); }
                catch (OperationCanceledException) { break; }
                rewinds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        var scrubbed = await Intake(caller, rate, duration, random);
        await stop.CancelAsync();
        await scrubbing;
        Console.WriteLine($"intake while scrubbing, {rate}/s for {duration.TotalSeconds:0} s: {Percentiles.Summary(scrubbed)}; load {Load()}");
        Console.WriteLine($"  the scrubber's rewinds meanwhile: {Percentiles.Summary(rewinds)}");
        return 0;
    }

    static async Task<RewindCostAnswer> Cost(HttpClient client, DateTimeOffset at, CancellationToken ct = default)
    {
        var answer = await client.GetFromJsonAsync<RewindCostAnswer>(
            "/api/rewind/cost?at=" + Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture)), DispatchClient.Json, ct);
        return answer ?? throw new InvalidOperationException("The rewind cost answered nothing.");
    }

    /// <summary>Reports at a fixed rate (open loop: latency counted from when each was due); the 2xx answers' times.</summary>
    static async Task<List<double>> Intake(DispatchClient caller, double rate, TimeSpan duration, Random random)
    {
        var took = new ConcurrentBag<double>();
        var failed = 0;
        await OpenLoop.Run(Math.Max(1, (int)(rate * duration.TotalSeconds)), rate, (_, due) =>
        {
            var body = Calls.Report(random);
            return Task.Run(async () =>
            {
                using var response = await caller.Http.PostAsJsonAsync("/api/incidents", body, DispatchClient.Json);
                if (response.IsSuccessStatusCode) took.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
                else Interlocked.Increment(ref failed);
            });
        });
        if (failed > 0) Console.WriteLine($"  ({failed} reports refused)");
        return [.. took];
    }

    static string Counts(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return $"median {Percentiles.Of(sorted, 0.5):N0}, p99 {Percentiles.Of(sorted, 0.99):N0}, max {sorted[^1]:N0}";
    }

    static DateTimeOffset Time(string name, string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at
            : throw new OptionException($"{name}: a time such as 2026-12-06T02:40:00Z.");

    static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
}
