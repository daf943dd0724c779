using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Dispatch.Domain.Units;

namespace Dispatch.Drill;

/// <summary>What the positions stage measured.</summary>
public sealed record PositionsResult(
    int Planned, int Registered, int Connected, int SignedIn, TimeSpan Register, TimeSpan Connect, int OnDutyMoves, long RssBeforeKb, long RssAfterKb,
    int Offered, int Accepted, IReadOnlyDictionary<string, int> Refused, IReadOnlyDictionary<string, int> Errors, double Achieved,
    long Stored, string StoredWhere, IReadOnlyList<(int Second, double Ms)> BySecond)
{
    /// <summary>Each answer's time from when its report was due.</summary>
    public List<double> Latency { get; } = [.. BySecond.Select(b => b.Ms)];

    public int Lost => (int)Math.Max(0, Accepted - Stored);
}

/// <summary>
/// The harness's positions stage: N unit accounts (<c>压测-城管-00001</c> signing in as <c>bench-unit-00001</c>…,
/// registered on the first run and reused after, passwords in the drill's credentials file), each signed in and
/// connected to /hubs/unit over a WebSocket, on duty; then position reports over the hub at a total rate spread across
/// them in an open loop. Each report moves its unit about 65 m (north, then back), above the 25 m thinning, so every
/// accepted report is one the server keeps — and is counted in its store afterwards.
/// </summary>
public static class BenchPositions
{
    public const string CallSignPrefix = "压测";
    public const string LoginPrefix = "bench-unit";

    sealed class Phone(DrillUnit unit, HubSocket hub, LatLon start)
    {
        public DrillUnit Unit => unit;
        public HubSocket Hub => hub;
        public LatLon Start => start;
        public int Moves;
        public UnitStatus Status;
    }

    public static async Task<PositionsResult> Run(Uri url, DispatchClient dispatcher, UnitCredentials credentials, UnitSessions sessions, BenchDatabase db,
        ServerProcess? server, int count, double rate, TimeSpan duration, int parallel, TimeSpan warmup = default)
    {
        var towns = await Fleet.Towns(dispatcher);
        var departments = await Fleet.Departments(dispatcher, "urban-management");
        var clock = Stopwatch.StartNew();
        var registered = 0;
        var fleet = await Fleet.Ensure(dispatcher, credentials, Fleet.Plan(count, departments, towns, CallSignPrefix, LoginPrefix, digits: 5),
            towns, Units.Log, parallel: Math.Max(1, parallel / 4), tally: (r, _) => registered = r);
        var register = clock.Elapsed;
        Units.Log($"positions: {fleet.Count} units ready in {register.TotalSeconds:F0} s; signing in and connecting {parallel} at a time");

        var limit = ServerProcess.OpenFilesLimit();
        if (limit is { } l && l < fleet.Count + 512)
            Units.Log($"positions: this process may open only {l} files; {fleet.Count} connections need more (ulimit -n {fleet.Count + 1024})");

        var rssBefore = server?.Sample().RssKb ?? 0;
        clock.Restart();
        var phones = new ConcurrentBag<Phone>();
        var failures = new ConcurrentDictionary<string, int>();
        var random = new Random(11);
        var connected = 0;
        var signedIn = 0;
        var kept = sessions.Load(url);
        var keep = new ConcurrentDictionary<string, List<KeptCookie>>();
        // The server closes a phone it has heard nothing from for 30 s: the idle ones ping, from one loop for all.
        using var stagePinging = new CancellationTokenSource();
        var pinging = Task.Run(async () =>
        {
            using var every = new PeriodicTimer(TimeSpan.FromSeconds(5));
            try
            {
                while (await every.WaitForNextTickAsync(stagePinging.Token))
                    await HubSocket.PingIdle(phones.Select(p => p.Hub), TimeSpan.FromSeconds(10), stagePinging.Token);
            }
            catch (OperationCanceledException) when (stagePinging.IsCancellationRequested) { }
        });
        await Parallel.ForEachAsync(fleet, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (unit, ct) =>
        {
            try
            {
                LatLon start;
                lock (random) start = unit.Home.RandomPoint(random);
                var (hub, cookies, fresh) = await Connect(url, unit, kept.GetValueOrDefault(unit.Login), ct);
                phones.Add(new Phone(unit, hub, start) { Status = UnitStatus.OffDuty });
                keep[unit.Login] = cookies;
                if (fresh) Interlocked.Increment(ref signedIn);
                if (Interlocked.Increment(ref connected) % 1000 == 0) Units.Log($"positions: {connected} connected");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                failures.AddOrUpdate(e is DispatchApiException api ? $"sign-in {(int)api.Status}" : e.GetType().Name, 1, (_, n) => n + 1);
            }
        });
        var connect = clock.Elapsed;
        sessions.Save(url, keep);
        var rssAfter = server?.Sample().RssKb ?? 0;
        if (!failures.IsEmpty) Units.Log($"positions: not connected: {string.Join(", ", failures.Select(f => $"{f.Value}× {f.Key}"))}");
        Units.Log($"positions: {phones.Count}/{fleet.Count} connected in {connect.TotalSeconds:F0} s");

        // On duty (a position of an off-duty unit is refused); they stay on duty for the next run.
        var onDuty = 0;
        var list = phones.OrderBy(p => p.Unit.Login, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallel / 2) }, async (phone, ct) =>
        {
            try
            {
                var me = await phone.Hub.Invoke<RosterUnit>(UnitHubMethods.Me, [], ct);
                phone.Status = me.Status;
                if (me.Status != UnitStatus.OffDuty) return;
                var reply = await phone.Hub.Invoke<UnitReply>(UnitHubMethods.OnDuty, [], ct);
                if (reply.Ok) Interlocked.Increment(ref onDuty);
            }
            catch (Exception e) when (e is not OutOfMemoryException) { Units.Log($"{phone.Unit.CallSign}: on duty failed: {e.Message}"); }
        });
        if (onDuty > 0) Units.Log($"positions: {onDuty} units went on duty");

        // One report from a phone: about 65 m north on odd moves and back on even ones, so each is kept (over the 25 m thinning).
        static Task Send(Phone phone, Action<UnitReply> answered, Action<string> failed) => Task.Run(async () =>
        {
            var n = Interlocked.Increment(ref phone.Moves);
            var (lat, lon) = (Math.Round(phone.Start.Lat + (n % 2) * 0.0006, 6), phone.Start.Lon);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                answered(await phone.Hub.Invoke<UnitReply>(UnitHubMethods.Position, [lat, lon, 10.0, DateTimeOffset.UtcNow], timeout.Token));
            }
            catch (OperationCanceledException) { failed("timeout 30 s"); }
            catch (Exception e) when (e is not OutOfMemoryException) { failed(e.GetType().Name); }
        });

        if (warmup > TimeSpan.Zero && list.Count > 0)
        {
            // At the stage's rate and not counted: the server's position path compiles and its pools fill, as on a long day.
            var warm = Math.Max(1, (int)Math.Round(rate * warmup.TotalSeconds));
            var warmKept = 0;
            Units.Log($"positions: warm-up, {warm} reports at {rate}/s (not measured)");
            await OpenLoop.Run(warm, rate, (i, _) => Send(list[i % list.Count], r => { if (r.Ok) Interlocked.Increment(ref warmKept); }, _ => { }));
            Units.Log($"positions: warm-up answered {warmKept}/{warm} as kept");
        }

        var ids = list.Select(p => p.Unit.Id).ToList();
        var (storedBefore, where) = await db.StoredPositions(ids);
        var offered = Math.Max(1, (int)Math.Round(rate * duration.TotalSeconds));
        var latency = new ConcurrentBag<(int Second, double Ms)>();
        var refused = new ConcurrentDictionary<string, int>();
        var errors = new ConcurrentDictionary<string, int>();
        var accepted = 0;
        var started = Stopwatch.GetTimestamp();
        long lastAnswer = started;
        Units.Log($"positions: {offered} reports at {rate}/s over {list.Count} units");
        if (list.Count > 0)
            await OpenLoop.Run(offered, rate, (i, due) => Send(list[i % list.Count], reply =>
            {
                latency.Add(((int)Stopwatch.GetElapsedTime(started, due).TotalSeconds, Stopwatch.GetElapsedTime(due).TotalMilliseconds));
                Interlocked.Exchange(ref lastAnswer, Stopwatch.GetTimestamp());
                if (reply.Ok) Interlocked.Increment(ref accepted);
                else refused.AddOrUpdate(reply.Code ?? "refused", 1, (_, c) => c + 1);
            }, error => errors.AddOrUpdate(error, 1, (_, c) => c + 1)));
        var achieved = accepted / Math.Max(0.001, Stopwatch.GetElapsedTime(started, Interlocked.Read(ref lastAnswer)).TotalSeconds);

        // A store written in batches may lag the answers a little: wait until it holds them all, or stops growing for 5 s.
        var stored = (await db.StoredPositions(ids)).Count - storedBefore;
        var still = Stopwatch.StartNew();
        while (stored < accepted && still.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(250);
            var now = (await db.StoredPositions(ids)).Count - storedBefore;
            if (now != stored) still.Restart();
            stored = now;
        }

        var closed = list.Count(p => p.Hub.Closed is not null);
        if (closed > 0) Units.Log($"positions: {closed} phones were closed during the stage ({string.Join("; ", list.Select(p => p.Hub.Closed).OfType<string>().Distinct().Take(3))})");
        stagePinging.Cancel();
        await pinging;
        await Parallel.ForEachAsync(list, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (phone, _) => await phone.Hub.DisposeAsync());
        return new(count, registered, list.Count, signedIn, register, connect, onDuty, rssBefore, rssAfter, offered, accepted,
            new Dictionary<string, int>(refused), new Dictionary<string, int>(errors), achieved, stored, where, [.. latency]);
    }

    /// <summary>
    /// The unit's hub connection, on its kept session when the server still honours it, else after signing in (then
    /// <c>Fresh</c>); with the session's cookies, to keep for the next run.
    /// </summary>
    static async Task<(HubSocket Hub, List<KeptCookie> Cookies, bool Fresh)> Connect(Uri url, DrillUnit unit, List<KeptCookie>? kept,
        CancellationToken ct)
    {
        if (kept is { Count: > 0 })
        {
            var cookies = new CookieContainer();
            foreach (var c in kept) cookies.Add(url, new Cookie(c.Name, c.Value, c.Path));
            try { return (await Open(url, cookies, ct), kept, false); }
            catch (Exception e) when (e is not OperationCanceledException) { } // no longer honoured: sign in
        }
        using var session = await DispatchClient.SignIn(url, unit.Login, unit.Password, Units.Log, ct);
        var hub = await Open(url, session.Cookies, ct);
        return (hub, session.Cookies.GetCookies(url).Select(c => new KeptCookie(c.Name, c.Value, c.Path)).ToList(), true);
    }

    /// <summary>
    /// Opens a unit's hub connection: one WebSocket, without the negotiate round trip, so a phone is one socket (ten
    /// thousand of them fit the port range and the file limit); no reconnect — a drop is counted.
    /// </summary>
    static Task<HubSocket> Open(Uri url, CookieContainer cookies, CancellationToken ct) =>
        HubSocket.Connect(new Uri(url, UnitPhone.HubPath), cookies, ct);
}
