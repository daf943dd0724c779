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

    /// <summary>What one measuring run is given: the server, the page to open, as whom, and how far to go.</summary>
    public sealed record Settings(Uri Url, int Pid, IReadOnlyList<int> Steps, string Path, string Login, string Password, TimeSpan Idle,
        double PushRate, TimeSpan PushFor, string CallTaker, int Renderers, string? Dumps, string Gcdump, string Chromium, long MinFree,
        TimeSpan Hold);

    /// <summary>One step: <paramref name="Pages"/> open (0: none), the server measured after a full GC and idle.</summary>
    public sealed record Step(int Pages, long Heap, long Objects, long Rss, double IdleCpu, double Load)
    {
        public double HeapPerCircuit(Step zero) => Pages == 0 ? 0 : (Heap - zero.Heap) / (double)Pages;
        public double RssPerCircuit(Step zero) => Pages == 0 ? 0 : (Rss - zero.Rss) / (double)Pages;
    }

    /// <summary>Intakes reported while <paramref name="Pages"/> were open, the server's CPU meanwhile, and when all showed them.</summary>
    public sealed record Pushes(int Pages, int Intakes, double Rate, double Cpu, TimeSpan? AllShown, double Load);

    public sealed record Figures(int BoardTotal, IReadOnlyList<Step> Steps, IReadOnlyList<Pushes> Pushes)
    {
        public Step Zero => Steps[0];

        /// <summary>Heap per circuit between the first and the last step with pages (what one more page adds).</summary>
        public double? Marginal => Steps.Where(s => s.Pages > 0).ToList() is { Count: >= 2 } open
            ? (open[^1].Heap - open[0].Heap) / (double)(open[^1].Pages - open[0].Pages)
            : null;
    }

    public static async Task<int> Run(Options o)
    {
        var settings = new Settings(
            Url: o.Url(),
            Pid: o.Int("--server-pid", 0, min: 1),
            Steps: o.Counts("--steps", "10,25,50"),
            Path: o.String("--path", "/"),
            Login: o.String("--login", "city.dispatcher"),
            Password: o.String("--password", "dispatch-demo"),
            Idle: o.Seconds("--idle", 10, min: 1),
            PushRate: o.Double("--push-rate", 5, min: 0),
            PushFor: o.Seconds("--push-seconds", 20, min: 0),
            CallTaker: o.String("--calltaker", "city.calltaker"),
            Renderers: o.Int("--renderers", 4, min: 1),
            Dumps: o.Flag("--no-dumps") ? null : o.String("--dumps", System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bench-circuits")),
            Gcdump: ServerProbe.Gcdump(o.String("--gcdump", "")),
            Chromium: o.String("--chromium", "/usr/bin/chromium"),
            MinFree: (long)(o.Double("--min-free-gb", 4, min: 0) * 1073741824),
            // Seconds to wait with no page open (after the first measure) and with all open (at the end), e.g. for a full
            // heap dump of the server from outside at both points.
            Hold: o.Seconds("--hold", 0));
        o.RejectUnknown();

        var figures = await Measure(settings);
        Console.WriteLine();
        Console.WriteLine($"bench-circuits {settings.Url}{settings.Path.TrimStart('/')} as {settings.Login}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, " +
                          $"{Environment.ProcessorCount} cores; the board showed {figures.BoardTotal} open incidents");
        Console.WriteLine();
        Console.WriteLine("| pages | heap after full GC | rss after GC | heap per circuit | rss per circuit | server CPU idle | load |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var step in figures.Steps)
            Console.WriteLine($"| {step.Pages} | {ServerProbe.Mb(step.Heap)} | {ServerProbe.Mb(step.Rss)} | " +
                              (step.Pages == 0 ? "| " : $"{ServerProbe.Kb(step.HeapPerCircuit(figures.Zero))} | {ServerProbe.Kb(step.RssPerCircuit(figures.Zero))} ") +
                              $"| {step.IdleCpu:F1} % | {step.Load:F1} |");
        if (figures.Pushes.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| pages | intakes | rate | server CPU while pushing | every page showed every new incident after | load |");
            Console.WriteLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var p in figures.Pushes)
                Console.WriteLine($"| {p.Pages} | {p.Intakes} | {p.Rate:0.#}/s | {p.Cpu:F1} % | {(p.AllShown is { } shown ? $"{shown.TotalSeconds:F1} s" : "(no page)")} | {p.Load:F1} |");
        }
        return 0;
    }

    /// <summary>Opens the pages step by step and measures the server at each step (also the <c>bench</c> harness's circuits stage).</summary>
    public static async Task<Figures> Measure(Settings s)
    {
        var (url, path) = (s.Url, s.Path);
        var probe = new ServerProbe(s.Pid, s.Gcdump, s.Dumps);
        Log($"server pid {s.Pid}, rss {ServerProbe.Mb(probe.Rss())}; steps {string.Join(", ", s.Steps)}; dumps in {s.Dumps ?? "(none kept)"}");

        using var playwright = await Playwright.CreateAsync();
        var args = new List<string>
        {
            "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-quic", $"--renderer-process-limit={s.Renderers}",
            // Pages in the background still run: a console left open in another tab keeps receiving.
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
        };
        if (Environment.UserName == "root") args.Add("--no-sandbox");
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = s.Chromium, Headless = true, Args = args });

        // One sign-in through the page; every other context starts with its cookie.
        var signIn = await NewContext(browser, null);
        var first = await signIn.NewPageAsync();
        await first.GotoAsync(new Uri(url, path).ToString());
        await first.Locator("#login").FillAsync(s.Login);
        await first.Locator("#password").FillAsync(s.Password);
        await first.Locator("#password").PressAsync("Enter");
        await Ready(first);
        var state = await signIn.StorageStateAsync();
        var boardTotal = await Total(first);
        await signIn.CloseAsync();
        Log($"signed in as {s.Login}; the board shows {boardTotal} open incidents");

        using var caller = s.PushRate > 0 && s.PushFor > TimeSpan.Zero ? await DispatchClient.SignIn(url, s.CallTaker, s.Password, Log) : null;
        var steps = new List<Step>();
        var pushes = new List<Pushes>();

        // Settle after the sign-in page went away (its circuit is disposed on close).
        await Task.Delay(TimeSpan.FromSeconds(3));
        if (caller is not null) pushes.Add(await Push(probe, caller, [], s.PushRate, s.PushFor, 0));
        steps.Add(await Measure(probe, 0, s.Idle));
        await Hold(s.Hold, "no pages");

        var pages = new List<IPage>();
        foreach (var n in s.Steps)
        {
            var opening = Stopwatch.StartNew();
            while (pages.Count < n)
            {
                if (ServerProbe.Machine().Available < s.MinFree)
                {
                    Log($"stopping at {pages.Count} pages: less than {ServerProbe.Mb(s.MinFree)} of memory left on the machine");
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
                    if (steps[^1].Pages != pages.Count && pages.Count > 0)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(3));
                        steps.Add(await Measure(probe, pages.Count, s.Idle));
                    }
                    goto done;
                }
            }
            Log($"{n} pages open and live ({opening.Elapsed.TotalSeconds:F0} s)");
            await Task.Delay(TimeSpan.FromSeconds(3));
            steps.Add(await Measure(probe, n, s.Idle));
        }
        done:
        if (caller is not null && pages.Count > 0) pushes.Add(await Push(probe, caller, pages, s.PushRate, s.PushFor, pages.Count));
        await Hold(s.Hold, $"{pages.Count} pages");
        return new Figures(boardTotal, steps, pushes);
    }

    static async Task Hold(TimeSpan hold, string what)
    {
        if (hold <= TimeSpan.Zero) return;
        Log($"holding with {what} open for {hold.TotalSeconds:F0} s");
        await Task.Delay(hold);
    }

    static async Task<Step> Measure(ServerProbe probe, int pages, TimeSpan idle)
    {
        var name = $"circuits-{pages}";
        var (heap, objects, rss) = await probe.AfterFullGc(name);
        var cpu = await probe.CpuPercent(idle);
        var (load, _) = ServerProbe.Machine();
        Log($"{name}: heap {ServerProbe.Mb(heap)} ({objects:N0} objects), rss {ServerProbe.Mb(rss)}, idle CPU {cpu:F1} %, load {load:F1}");
        return new(pages, heap, objects, rss, cpu, load);
    }

    /// <summary>Reports incidents at a steady rate and measures the server's CPU until every page shows them all.</summary>
    static async Task<Pushes> Push(ServerProbe probe, DispatchClient caller, IReadOnlyList<IPage> pages, double rate, TimeSpan duration, int n)
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
        return new(n, count, rate, cpu, pages.Count == 0 ? null : shown, load);
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
