using System.Diagnostics;
using System.Globalization;
using Microsoft.Playwright;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench-circuits</c>: what an open console page costs the server. One chromium (Debian's, driven by Playwright) opens
/// the board (or --path) as --login in more and more browser contexts, N = --steps (10, 25, 50 by default); after each
/// step the server (a process on this machine, --server-pid) is measured from outside: its managed heap and resident set
/// after a forced full GC (<see cref="ServerProbe"/>, through dotnet-gcdump) and its CPU while idle. Pushes: before the
/// first page and with the last step's pages open, --calltaker reports incidents at --push-rate for --push-seconds
/// (each a card pushed to every board) and the server's CPU is measured meanwhile; every page must then show every new
/// incident. Per circuit = (step − no pages) / N. Every context shares one sign-in (its cookie), so the sign-in rate
/// limit does not hold the run back; each page is still its own circuit.
/// </summary>
public static class BenchCircuits
{
    public const string Usage =
        "bench-circuits --server-pid PID [--url URL] [--steps 10,25,50] [--path /] [--login city.dispatcher] [--password dispatch-demo]\n" +
        "          [--idle 10] [--push-rate 5] [--push-seconds 20] [--calltaker city.calltaker] [--renderers 4] [--dumps DIR]\n" +
        "          [--gcdump PATH] [--chromium /usr/bin/chromium] [--min-free-gb 4] [--hold 0]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var pid = o.Int("--server-pid", 0, min: 1);
        var steps = o.String("--steps", "10,25,50").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Order().ToList();
        var path = o.String("--path", "/");
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var idle = o.Seconds("--idle", 10, min: 1);
        var pushRate = o.Double("--push-rate", 5, min: 0);
        var pushFor = o.Seconds("--push-seconds", 20, min: 0);
        var calltaker = o.String("--calltaker", "city.calltaker");
        var renderers = o.Int("--renderers", 4, min: 1);
        var dumps = o.Flag("--no-dumps") ? null : o.String("--dumps", Path.Combine(Path.GetTempPath(), "bench-circuits"));
        var gcdump = o.String("--gcdump", "") is { Length: > 0 } given ? given : ServerProbe.FindGcdump();
        var chromium = o.String("--chromium", "/usr/bin/chromium");
        var minFree = (long)(o.Double("--min-free-gb", 4, min: 0) * 1073741824);
        // Seconds to wait with no page open (after the first measure) and with all open (at the end), e.g. for a full heap
        // dump of the server from outside at both points.
        var hold = o.Seconds("--hold", 0);
        o.RejectUnknown();

        var probe = new ServerProbe(pid, gcdump, dumps);
        Log($"server pid {pid}, rss {ServerProbe.Mb(probe.Rss())}; steps {string.Join(", ", steps)}; dumps in {dumps ?? "(none kept)"}");

        using var playwright = await Playwright.CreateAsync();
        var args = new List<string>
        {
            "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-quic", $"--renderer-process-limit={renderers}",
            // Pages in the background still run: a console left open in another tab keeps receiving.
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
        };
        if (Environment.UserName == "root") args.Add("--no-sandbox");
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = args });

        // One sign-in through the page; every other context starts with its cookie.
        var signIn = await NewContext(browser, null);
        var first = await signIn.NewPageAsync();
        await first.GotoAsync(new Uri(url, path).ToString());
        await first.Locator("#login").FillAsync(login);
        await first.Locator("#password").FillAsync(password);
        await first.Locator("#password").PressAsync("Enter");
        await Ready(first);
        var state = await signIn.StorageStateAsync();
        var boardTotal = await Total(first);
        await signIn.CloseAsync();
        Log($"signed in as {login}; the board shows {boardTotal} open incidents");

        using var caller = pushRate > 0 && pushFor > TimeSpan.Zero ? await DispatchClient.SignIn(url, calltaker, password, Log) : null;
        var rows = new List<string>();
        var pushes = new List<string>();

        // Settle after the sign-in page went away (its circuit is disposed on close).
        await Task.Delay(TimeSpan.FromSeconds(3));
        if (caller is not null) pushes.Add(await Push(probe, caller, [], pushRate, pushFor, 0));
        var zero = await Measure(probe, "circuits-0", idle);
        rows.Add(Row(0, zero, zero));
        await Hold(hold, "no pages");

        var pages = new List<IPage>();
        var stepsMeasured = new HashSet<int>();
        foreach (var n in steps)
        {
            var opening = Stopwatch.StartNew();
            while (pages.Count < n)
            {
                if (ServerProbe.Machine().Available < minFree)
                {
                    Log($"stopping at {pages.Count} pages: less than {ServerProbe.Mb(minFree)} of memory left on the machine");
                    goto done;
                }
                var batch = Math.Min(4, n - pages.Count);
                var opened = await Task.WhenAll(Enumerable.Range(0, batch).Select(async _ =>
                {
                    var context = await NewContext(browser, state);
                    var page = await context.NewPageAsync();
                    try
                    {
                        await page.GotoAsync(new Uri(url, path).ToString());
                        await Ready(page);
                        return page;
                    }
                    catch (TimeoutException)
                    {
                        await context.CloseAsync();
                        return null;
                    }
                }));
                pages.AddRange(opened.OfType<IPage>());
                if (opened.Any(p => p is null))
                {
                    // The machine holds no more: what is open is measured, and the run says where it stopped.
                    Log($"stopping at {pages.Count} pages: a page did not come live within 120 s (load {ServerProbe.Machine().Load:F1})");
                    if (!stepsMeasured.Contains(pages.Count) && pages.Count > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(3));
                        rows.Add(Row(pages.Count, await Measure(probe, $"circuits-{pages.Count}", idle), zero));
                    }
                    goto done;
                }
            }
            Log($"{n} pages open and live ({opening.Elapsed.TotalSeconds:F0} s)");
            await Task.Delay(TimeSpan.FromSeconds(3));
            var at = await Measure(probe, $"circuits-{n}", idle);
            rows.Add(Row(n, at, zero));
            stepsMeasured.Add(n);
        }
        done:
        if (caller is not null && pages.Count > 0) pushes.Add(await Push(probe, caller, pages, pushRate, pushFor, pages.Count));

        await Hold(hold, $"{pages.Count} pages");
        Console.WriteLine();
        Console.WriteLine($"bench-circuits {url}{path.TrimStart('/')} as {login}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores");
        Console.WriteLine();
        Console.WriteLine("| pages | heap after full GC | rss after GC | heap per circuit | rss per circuit | server CPU idle | load |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows) Console.WriteLine(row);
        if (pushes.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| pages | intakes | rate | server CPU while pushing | every page showed every new incident after | load |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var row in pushes) Console.WriteLine(row);
        }
        return 0;
    }

    static async Task Hold(TimeSpan hold, string what)
    {
        if (hold <= TimeSpan.Zero) return;
        Log($"holding with {what} open for {hold.TotalSeconds:F0} s");
        await Task.Delay(hold);
    }

    sealed record Sample(long Heap, long Objects, long Rss, double IdleCpu, double Load);

    static async Task<Sample> Measure(ServerProbe probe, string name, TimeSpan idle)
    {
        var (heap, objects, rss) = await probe.AfterFullGc(name);
        var cpu = await probe.CpuPercent(idle);
        var (load, _) = ServerProbe.Machine();
        Log($"{name}: heap {ServerProbe.Mb(heap)} ({objects:N0} objects), rss {ServerProbe.Mb(rss)}, idle CPU {cpu:F1} %, load {load:F1}");
        return new(heap, objects, rss, cpu, load);
    }

    static string Row(int n, Sample s, Sample zero) =>
        $"| {n} | {ServerProbe.Mb(s.Heap)} | {ServerProbe.Mb(s.Rss)} | " +
        (n == 0 ? "| " : $"{ServerProbe.Kb((s.Heap - zero.Heap) / (double)n)} | {ServerProbe.Kb((s.Rss - zero.Rss) / (double)n)} ") +
        $"| {s.IdleCpu:F1} % | {s.Load:F1} |";

    /// <summary>Reports incidents at a steady rate and measures the server's CPU until every page shows them all.</summary>
    static async Task<string> Push(ServerProbe probe, DispatchClient caller, IReadOnlyList<IPage> pages, double rate, TimeSpan duration, int n)
    {
        var before = pages.Count > 0 ? await Total(pages[0]) : 0;
        var count = (int)Math.Round(rate * duration.TotalSeconds);
        var random = new Random(15);
        var cpuBefore = probe.CpuTime();
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(1 / rate);
        var posts = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            posts.Add(caller.Report(new
            {
                channel = "hotline", callerName = "演练", callerPhone = $"139{random.Next(10000000, 99999999)}",
                lat = 31.23 + random.NextDouble() * 0.05, lon = 121.47 + random.NextDouble() * 0.05,
                address = $"东湖区人民路 {random.Next(1, 300)} 号", category = "road-damage", description = "电路演练来电", urgency = random.Next(1, 5),
            }));
        }
        await Task.WhenAll(posts);
        var posted = clock.Elapsed;
        // Every page shows every new incident (the board's total counts the open ones, whatever is scrolled into view).
        var shown = TimeSpan.Zero;
        foreach (var page in pages)
            await page.WaitForFunctionAsync("n => Number(document.querySelector('[data-testid=board-total]')?.textContent) >= n", before + count,
                new() { PollingInterval = 100, Timeout = 120_000 });
        shown = clock.Elapsed;
        var cpu = (probe.CpuTime() - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds * 100;
        var (load, _) = ServerProbe.Machine();
        Log($"{n} pages: {count} intakes in {posted.TotalSeconds:F1} s, all shown after {shown.TotalSeconds:F1} s, server CPU {cpu:F1} %");
        return $"| {n} | {count} | {rate:0.#}/s | {cpu:F1} % | {(pages.Count == 0 ? "(no page)" : $"{shown.TotalSeconds:F1} s")} | {load:F1} |";
    }

    static async Task<IBrowserContext> NewContext(IBrowser browser, string? state)
    {
        var context = await browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = 1600, Height = 900 }, Locale = "zh-CN", StorageState = state,
        });
        context.SetDefaultTimeout(120_000);
        return context;
    }

    /// <summary>The page's circuit is live and its board has rendered its rows.</summary>
    static async Task Ready(IPage page)
    {
        await page.Locator("#connection-indicator[data-state=live]").WaitForAsync();
        await page.Locator("[data-testid=board-total]").WaitForAsync();
    }

    static async Task<int> Total(IPage page) =>
        int.Parse(await page.Locator("[data-testid=board-total]").TextContentAsync() ?? "0", CultureInfo.InvariantCulture);

    static void Log(string line) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");
}
