using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Playwright;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench-map</c>: what the dispatcher map costs the circuit when many units move. A dispatcher's browser (Debian's
/// chromium, driven by Playwright) opens /map; --units units (call signs 图测-0001…, registered on the first run, no
/// sign-in of their own) are on duty in the city's towns. Each round moves every unit about 65 m through the unit API
/// (<c>POST /api/units/{id}/position</c>, as phones report), then waits until the page shows every marker at its new
/// place. Counted per round: the WebSocket frames and bytes the browser received on the Blazor circuit, and the map's
/// own batches (calls of map.js <c>apply</c>); compared with what the first load of the whole layer took.
/// Run it against a console with default map settings (no GCJ-02 shift) and a raised API rate limit.
/// </summary>
public static class BenchMap
{
    public const string Usage =
        "bench-map [--units 2000] [--rounds 5] [--url URL] [--login city.dispatcher] [--password dispatch-demo] [--parallel 16]\n" +
        "          [--chromium /usr/bin/chromium]";

    const string CallSignPrefix = "图测";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var count = o.Int("--units", 2000, min: 1);
        var rounds = o.Int("--rounds", 5, min: 1);
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var parallel = o.Int("--parallel", 16, min: 1);
        var chromium = o.String("--chromium", "/usr/bin/chromium");
        o.RejectUnknown();

        using var dispatcher = await DispatchClient.SignIn(url, login, password, Units.Log);
        var units = await Ensure(dispatcher, count, parallel);
        Units.Log($"{units.Count} units on duty with a position");

        using var playwright = await Playwright.CreateAsync();
        var args = new List<string> { "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync" };
        if (Environment.UserName == "root") args.Add("--no-sandbox");
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = args });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1600, Height = 900 }, Locale = "en" });
        page.SetDefaultTimeout(120_000);
        var counter = new FrameCounter();
        page.WebSocket += (_, ws) =>
        {
            if (!ws.Url.Contains("_blazor", StringComparison.Ordinal)) return;
            ws.FrameReceived += (_, f) => counter.Add(f.Binary?.Length ?? Encoding.UTF8.GetByteCount(f.Text ?? ""));
        };

        var opened = Stopwatch.StartNew();
        await page.GotoAsync(new Uri(url, "/map").ToString());
        await page.Locator("#login").FillAsync(login);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#password").PressAsync("Enter");
        await page.Locator("[data-testid=dispatcher-map][data-ready=true]").WaitForAsync();
        await page.WaitForFunctionAsync("n => Number(document.querySelector('[data-testid=dispatcher-map]').dataset.units) >= n", units.Count,
            new() { PollingInterval = 50 });
        var (loadFrames, loadBytes) = counter.Take();
        Units.Log($"map open with {units.Count}+ units in {opened.Elapsed.TotalSeconds:F1} s: {loadFrames} frames, {Kb(loadBytes)} received on the circuit");

        Console.WriteLine();
        Console.WriteLine("| round | moves | posted in | all markers moved after | circuit frames | bytes received | bytes per move | map batches |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var totals = (Frames: 0L, Bytes: 0L, Batches: 0, Moves: 0);
        for (var round = 1; round <= rounds; round++)
        {
            var batchesBefore = await Batches(page);
            counter.Take();
            // Alternately north and south, so units stay in their towns round after round (65 m is above the 25 m thinning).
            var step = round % 2 == 1 ? 0.0006 : -0.0006;
            var moved = units.Select(u => u with { Lat = Math.Round(u.Lat + step, 6) }).ToList();
            var clock = Stopwatch.StartNew();
            var at = DateTimeOffset.UtcNow;
            await Parallel.ForEachAsync(moved, new ParallelOptions { MaxDegreeOfParallelism = parallel },
                async (u, ct) => await Post(dispatcher, $"/api/units/{u.Id}/position", new { lat = u.Lat, lon = u.Lon, accuracy = 10, reportedAt = at }, ct));
            var posted = clock.Elapsed;
            var expected = moved.ToDictionary(u => u.Id.ToString(), u => u.Lat.ToString(CultureInfo.InvariantCulture));
            await page.WaitForFunctionAsync("""
                expected => {
                  const host = document.querySelector('[data-testid=dispatcher-map]');
                  for (const el of host.querySelectorAll('.map-unit[data-id]')) {
                    const lat = expected[el.dataset.id];
                    if (lat !== undefined && el.dataset.lat !== lat) return false;
                  }
                  return true;
                }
                """, expected, new() { PollingInterval = 20 });
            var shown = clock.Elapsed;
            var (frames, bytes) = counter.Take();
            var batches = await Batches(page) - batchesBefore;
            totals = (totals.Frames + frames, totals.Bytes + bytes, totals.Batches + batches, totals.Moves + moved.Count);
            units = moved;
            Console.WriteLine($"| {round} | {moved.Count} | {posted.TotalSeconds:F1} s | {shown.TotalSeconds:F1} s | {frames} | {Kb(bytes)} | {(double)bytes / moved.Count:F1} | {batches} |");
        }
        Console.WriteLine();
        Console.WriteLine($"whole layer at first load: {Kb(loadBytes)} in {loadFrames} frames; per round of {units.Count} moves on average: " +
                          $"{Kb(totals.Bytes / rounds)} in {totals.Frames / rounds} frames, {(double)totals.Batches / rounds:F1} map batches, " +
                          $"{(double)totals.Bytes / totals.Moves:F1} bytes per move");
        return 0;
    }

    static string Kb(long bytes) => $"{bytes / 1024.0:F1} KiB";

    static async Task<int> Batches(IPage page) =>
        int.Parse(await page.EvaluateAsync<string>("() => document.querySelector('[data-testid=dispatcher-map]').dataset.batches ?? '0'"), CultureInfo.InvariantCulture);

    sealed record BenchUnit(Guid Id, double Lat, double Lon);

    /// <summary>The bench units, registered (without sign-in) on the first run, on duty and at a position in their town.</summary>
    static async Task<List<BenchUnit>> Ensure(DispatchClient dispatcher, int count, int parallel)
    {
        var towns = (await Fleet.Towns(dispatcher)).OrderBy(t => t.Code, StringComparer.Ordinal).ToList();
        var roster = (await dispatcher.Roster()).ToDictionary(u => u.CallSign);
        var random = new Random(2000);
        var plans = Enumerable.Range(1, count).Select(i => (CallSign: $"{CallSignPrefix}-{i:0000}", Town: towns[(i - 1) % towns.Count])).ToList();
        var units = new BenchUnit[count];
        var registered = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (i, ct) =>
        {
            var (callSign, town) = plans[i];
            Guid id;
            if (roster.TryGetValue(callSign, out var known)) id = known.Id;
            else
            {
                var answer = await Post(dispatcher, "/api/units", new
                {
                    callSign, department = "urban-management", jurisdiction = town.Code, capabilities = new[] { "patrol" }, members = new[] { "图测队员" },
                }, ct);
                id = answer.GetProperty("id").GetGuid();
                Interlocked.Increment(ref registered);
            }
            if (known is null || known.Status == Dispatch.Domain.Units.UnitStatus.OffDuty) await Post(dispatcher, $"/api/units/{id}/on-duty", null, ct);
            LatLon point;
            lock (random) point = town.RandomPoint(random);
            var unit = new BenchUnit(id, Math.Round(point.Lat, 6), Math.Round(point.Lon, 6));
            await Post(dispatcher, $"/api/units/{id}/position", new { lat = unit.Lat, lon = unit.Lon, accuracy = 10, reportedAt = DateTimeOffset.UtcNow }, ct);
            units[i] = unit;
        });
        Units.Log($"bench units: {registered} registered, {count - registered} reused");
        return [.. units];
    }

    /// <summary>A POST that waits and tries again when the console's API rate limit holds it back.</summary>
    static async Task<System.Text.Json.JsonElement> Post(DispatchClient client, string path, object? body, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await client.Post(path, body, ct); }
            catch (DispatchApiException e) when (e.Status == HttpStatusCode.TooManyRequests && attempt < 50)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
            }
        }
    }

    sealed class FrameCounter
    {
        long _frames, _bytes;

        public void Add(int bytes)
        {
            Interlocked.Increment(ref _frames);
            Interlocked.Add(ref _bytes, bytes);
        }

        public (long Frames, long Bytes) Take() => (Interlocked.Exchange(ref _frames, 0), Interlocked.Exchange(ref _bytes, 0));
    }
}
