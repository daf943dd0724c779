using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Playwright;

namespace Dispatch.Drill;

/// <summary>What the failover and rolling drills were told (parsed and checked before anything runs).</summary>
public sealed record FailoverOptions(
    Uri Url, string Cluster, string StateDir, int Units, double Rate, double DispatchRate, TimeSpan Before, TimeSpan After,
    int? Kill, string Chromium, bool Browser, string Login, string CallTaker, string Password, string Department,
    string Credentials, string Out, bool KeepIncidents)
{
    public const string Usage =
        "failover|rolling [--url $DISPATCH_URL] [--cluster deploy/cluster] [--units 8] [--rate 2] [--dispatch-rate 1] [--before 20] [--after 40]\n" +
        "          [--kill auto|N] [--chromium /usr/bin/chromium] [--no-browser] [--login city.dispatcher] [--calltaker city.calltaker]\n" +
        "          [--password dispatch-demo] [--department urban-management] [--state DIR] [--out TestResults] [--keep-incidents]";

    public static FailoverOptions From(Options o)
    {
        var url = o.Url(fallback: Environment.GetEnvironmentVariable("DISPATCH_URL") is { Length: > 0 } front ? front : "http://localhost:5080");
        var cluster = o.String("--cluster", Path.Combine("deploy", "cluster"));
        var state = Environment.GetEnvironmentVariable("DISPATCH_CLUSTER_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } xdg
                ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state"), "dispatch-cluster");
        var kill = o.String("--kill", "auto");
        int? node = kill == "auto" ? null
            : int.TryParse(kill, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 ? n
            : throw new OptionException($"--kill: '{kill}' is neither auto nor a node number.");
        var options = new FailoverOptions(url, cluster, state, o.Int("--units", 8, min: 1), o.Double("--rate", 2, min: 0.1),
            o.Double("--dispatch-rate", 1, min: 0.05), o.Seconds("--before", 20, min: 1), o.Seconds("--after", 40, min: 5), node,
            o.String("--chromium", "/usr/bin/chromium"), !o.Flag("--no-browser"), o.String("--login", "city.dispatcher"),
            o.String("--calltaker", "city.calltaker"), o.String("--password", "dispatch-demo"), o.String("--department", "urban-management"),
            o.String("--state", UnitCredentials.DefaultDirectory), o.String("--out", "TestResults"), o.Flag("--keep-incidents"));
        o.RejectUnknown();
        return options;
    }
}

/// <summary>
/// <c>failover</c> and <c>rolling</c>: the cluster drills of issue 16, against nodes behind nginx (<c>deploy/cluster up</c>).
/// Under a steady load — hotline intakes at <c>--rate</c>, dispatches to simulated units (their phones on /hubs/unit
/// through the front), the units acknowledging, accepting and clearing — and with a dispatcher's board open in
/// chromium through the front, the drill either kills the node the console is on (<c>deploy/cluster kill N</c>:
/// kill -9) or restarts every node in turn (<c>deploy/cluster restart N</c>: graceful stop, start, ready). Then it
/// checks: every command that got a 2xx answer reads back; every unit whose connection dropped reconnected and got
/// every assignment dispatched to it, none twice; the console came back by itself (the reconnect UI reloads the page
/// when its circuit is gone) and shows an incident taken after t0; each deadline that ran out meanwhile fired once.
/// The deadline check needs the drill's short policy (deploy/drill starts the cluster with it); without it the
/// deadline runs beyond the drill and is reported as not checked.
/// </summary>
public static class Failover
{
    public const string Usage = FailoverOptions.Usage;

    public static async Task<int> Run(Options o, bool rolling)
    {
        var options = FailoverOptions.From(o);
        var drill = new Drill(options, rolling);
        return await drill.Go();
    }

    sealed class Drill(FailoverOptions o, bool rolling)
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly DrillLedger _ledger = new();
        readonly List<Disturbance> _disturbances = [];
        readonly Random _random = new(16);
        double Now() => _clock.Elapsed.TotalSeconds;

        public async Task<int> Go()
        {
            var nodes = int.TryParse(ReadState("nodes"), out var n) ? n : 0;
            if (nodes < 2) Units.Log($"warning: {Path.Combine(o.StateDir, "nodes")} says {nodes} node(s); the drills need 2 (deploy/cluster up)");
            using var dispatcher = await DispatchClient.SignIn(o.Url, o.Login, o.Password, Units.Log);
            using var caller = await DispatchClient.SignIn(o.Url, o.CallTaker, o.Password, Units.Log);
            var towns = await Fleet.Towns(dispatcher);
            var departments = await Fleet.Departments(dispatcher, o.Department);
            var fleet = await Fleet.Ensure(dispatcher, new UnitCredentials(o.Credentials), Fleet.Plan(o.Units, departments, towns), towns, Units.Log);
            var phones = new List<DrillPhone>();
            foreach (var unit in fleet) phones.Add(await DrillPhone.Start(unit, o.Url, _random, Now));
            Units.Log($"{phones.Count} units on duty through {o.Url}");

            // The console: a dispatcher's board in chromium, through the front.
            IPlaywright? playwright = null;
            IBrowser? browser = null;
            IPage? page = null;
            string? consoleNode = null;
            if (o.Browser)
            {
                playwright = await Playwright.CreateAsync();
                var args = new List<string> { "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync" };
                if (Environment.UserName == "root") args.Add("--no-sandbox");
                browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = o.Chromium, Headless = true, Args = args });
                page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 }, Locale = "en" });
                page.SetDefaultTimeout(60_000);
                var circuit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                page.WebSocket += (_, ws) => { if (ws.Url.Contains("_blazor", StringComparison.Ordinal)) circuit.TrySetResult(); };
                await page.GotoAsync(new Uri(o.Url, "/").ToString());
                await page.Locator("#login").FillAsync(o.Login);
                await page.Locator("#password").FillAsync(o.Password);
                await page.Locator("#password").PressAsync("Enter");
                await page.Locator("[data-testid=board-table]").WaitForAsync();
                await circuit.Task.WaitAsync(TimeSpan.FromSeconds(60));
                consoleNode = (await page.Context.CookiesAsync()).FirstOrDefault(c => c.Name is "dispatch_node" or "dispatch-node")?.Value;
                await page.EvaluateAsync("() => window.__drillSameDocument = true");
                page.FrameNavigated += (_, frame) => { if (frame == page.MainFrame) Units.Log($"console: page loaded {frame.Url} at {Now():F1} s"); };
                page.Console += (_, message) => { if (message.Type is "error" or "warning") Units.Log($"console: browser {message.Type}: {message.Text}"); };
                Units.Log($"console open on the board (node {consoleNode ?? "unknown: no dispatch-node cookie"})");
            }

            // Deadlines: one incident whose acknowledgement runs out during the drill, at the city (so it fires once: missed).
            var deadlines = new List<(Guid Id, string Number, double DueAt)>();
            if (await DeadlineIncident(dispatcher) is { } first) deadlines.Add(first);

            // The load.
            using var stop = new CancellationTokenSource();
            var intakes = IntakeLoop(caller, stop.Token);
            var free = Channel.CreateUnbounded<DrillPhone>();
            foreach (var p in phones) free.Writer.TryWrite(p);
            var dispatches = DispatchLoop(dispatcher, free, stop.Token);
            Units.Log($"load: {o.Rate}/s intakes, {o.DispatchRate}/s dispatches to {phones.Count} units; {o.Before.TotalSeconds:F0} s before {(rolling ? "the restarts" : "the kill")}");
            await Task.Delay(o.Before);
            if (await DeadlineIncident(dispatcher) is { } second) deadlines.Add(second);

            // The disturbance.
            string console = o.Browser ? "not back" : "not checked";
            double? consoleAt = null;
            if (!rolling)
            {
                var victim = o.Kill ?? (consoleNode is ['n', .. var digits] && int.TryParse(digits, out var v) ? v : 1);
                var at = Now();
                await Cluster("kill", victim);
                _disturbances.Add(new($"kill -9 node {victim}{(consoleNode == $"n{victim}" ? " (the console's node)" : "")}", at, Now()));
                Units.Log($"node {victim} killed at {at:F1} s");
            }
            else
            {
                for (var node = 1; node <= Math.Max(nodes, 1); node++)
                {
                    var at = Now();
                    await Cluster("restart", node);
                    _disturbances.Add(new($"restart node {node} (graceful stop, start, ready)", at, Now()));
                    Units.Log($"node {node} restarted and ready after {Now() - at:F1} s");
                }
            }
            var t0 = _disturbances[0].StartedAt;

            if (page is not null)
            {
                (console, consoleAt) = await ConsoleBack(page, caller, t0);
                Units.Log($"console: {console}{(consoleAt is { } c ? $" {c - t0:F1} s after t0" : "")}");
            }

            var left = o.After - TimeSpan.FromSeconds(Now() - _disturbances[^1].EndedAt);
            if (left > TimeSpan.Zero) await Task.Delay(left);
            stop.Cancel();
            await intakes;
            await dispatches;
            Units.Log("load stopped; waiting for the deadline watch and reading every answered incident back");

            // Deadlines due within the drill: wait (a little past due) for the watch to act, then count.
            var deadlineTallies = new List<DeadlineTally>();
            foreach (var (id, number, due) in deadlines)
            {
                if (due > Now() + 120)
                {
                    Units.Log($"deadline of {number} is due {due - Now():F0} s from now: not checked (start the cluster with deploy/drill's policy)");
                    continue;
                }
                var fired = 0;
                for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(Math.Max(0, due - Now()) + 30);)
                {
                    fired = await Fired(dispatcher, id);
                    if (fired > 0 && Now() > due + 10) break; // past due, fired, and time for a second node to fire again had it been wrong
                    await Task.Delay(1000);
                }
                deadlineTallies.Add(new(number, due, fired));
            }

            // Read back every incident of a 2xx answer (the dispatcher sees the whole city).
            var answers = _ledger.Answers;
            var ids = answers.Where(a => a.Ok && a.Incident is not null).Select(a => a.Incident!.Value).Distinct().ToList();
            var exists = new System.Collections.Concurrent.ConcurrentDictionary<Guid, bool>();
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, ct) =>
            {
                using var response = await dispatcher.Http.GetAsync($"/api/incidents/{id}", ct);
                exists[id] = response.IsSuccessStatusCode;
                if (!response.IsSuccessStatusCode && (int)response.StatusCode != 404)
                    Units.Log($"read-back of {id}: {(int)response.StatusCode} (counted as lost)");
            });

            // Units: let late deliveries arrive before counting what is missing.
            for (var wait = Stopwatch.StartNew(); wait.Elapsed < TimeSpan.FromSeconds(20) && phones.Any(p => p.Tally().Missing > 0);)
                await Task.Delay(500);
            var tallies = phones.Select(p => p.Tally()).ToList();

            var load = $"{o.Rate.ToString(CultureInfo.InvariantCulture)}/s intakes + {o.DispatchRate.ToString(CultureInfo.InvariantCulture)}/s dispatches " +
                       $"to {phones.Count} units, {o.Before.TotalSeconds:F0} s before and {o.After.TotalSeconds:F0} s after";
            var report = DrillReport.From(rolling ? "Rolling restart" : "Failover", o.Url.ToString(), nodes, _disturbances, answers, exists, tallies,
                console, consoleAt, deadlineTallies, load);
            var machine = $"{Environment.ProcessorCount} cores, load average {ServerProcess.LoadAverage()} at the end";
            var markdown = report.Markdown(DateTimeOffset.UtcNow, machine);
            Console.WriteLine();
            Console.WriteLine(markdown);
            Directory.CreateDirectory(o.Out);
            var file = Path.Combine(o.Out, $"drill-{(rolling ? "rolling" : "failover")}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.md");
            await File.WriteAllTextAsync(file, markdown);
            Units.Log($"report saved to {file}");
            foreach (var t in tallies.Where(t => t.Missing > 0 || t.Duplicates > 0))
                Units.Log($"{t.CallSign}: missing {t.Missing}, duplicates {t.Duplicates}");

            await Task.WhenAll(phones.Select(p => p.Stop()));
            if (!o.KeepIncidents) await CancelAll(dispatcher, ids.Concat(deadlines.Select(d => d.Id)).Distinct().ToList());
            if (browser is not null) await browser.DisposeAsync();
            playwright?.Dispose();
            return report.Passed ? 0 : 1;
        }

        string? ReadState(string name)
        {
            var path = Path.Combine(o.StateDir, name);
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }

        async Task Cluster(string command, int node)
        {
            var start = new ProcessStartInfo(o.Cluster, [command, node.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardError = true };
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot run {o.Cluster}");
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{o.Cluster} {command} {node} failed ({process.ExitCode}): {errors.Trim()}");
        }

        /// <summary>A POST through the front, recorded with its answer (or as failed, status 0, when none came within 10 s).</summary>
        async Task<JsonElement?> Post(DispatchClient client, string kind, string path, object? body, CancellationToken ct, Guid? incident = null)
        {
            var sent = Now();
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
            patience.CancelAfter(TimeSpan.FromSeconds(10));
            try
            {
                using var response = await client.Http.PostAsJsonAsync(path, body ?? new { }, DispatchClient.Json, patience.Token);
                var status = (int)response.StatusCode;
                JsonElement? json = null;
                if (response.IsSuccessStatusCode && response.Content.Headers.ContentLength != 0)
                    json = await response.Content.ReadFromJsonAsync<JsonElement>(DispatchClient.Json, patience.Token);
                // A report answers with the new incident's id and number; other commands are about the incident given.
                Guid? id = incident ?? (path == "/api/incidents" && json is { ValueKind: JsonValueKind.Object } j && j.TryGetProperty("id", out var i) && i.TryGetGuid(out var g) ? g : null);
                string? number = json is { ValueKind: JsonValueKind.Object } k && k.TryGetProperty("number", out var nn) ? nn.GetString() : null;
                _ledger.Add(new(kind, sent, Now(), status, id, number));
                return response.IsSuccessStatusCode ? json : null;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException && !ct.IsCancellationRequested)
            {
                _ledger.Add(new(kind, sent, Now(), 0, incident, null));
                return null;
            }
        }

        async Task IntakeLoop(DispatchClient caller, CancellationToken ct)
        {
            var interval = TimeSpan.FromSeconds(1 / o.Rate);
            var started = Stopwatch.StartNew();
            var running = new List<Task>();
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                var due = interval * i;
                if (due > started.Elapsed)
                    try { await Task.Delay(due - started.Elapsed, ct); }
                    catch (OperationCanceledException) { break; }
                // Urgency 2–3: the console's marker (urgency 1, the newest) is then the last row of the board.
                object report;
                lock (_random) report = Calls.Report(_random) is var r ? WithUrgency(r, 2 + _random.Next(2)) : null!;
                running.Add(Post(caller, "intake", "/api/incidents", report, CancellationToken.None));
            }
            await Task.WhenAll(running);
        }

        static object WithUrgency(object report, int urgency)
        {
            var json = JsonSerializer.SerializeToNode(report)!.AsObject();
            json["urgency"] = urgency;
            return json;
        }

        async Task DispatchLoop(DispatchClient dispatcher, Channel<DrillPhone> free, CancellationToken ct)
        {
            var interval = TimeSpan.FromSeconds(1 / o.DispatchRate);
            var started = Stopwatch.StartNew();
            var running = new List<Task>();
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                DrillPhone unit;
                try
                {
                    var due = interval * i;
                    if (due > started.Elapsed) await Task.Delay(due - started.Elapsed, ct);
                    unit = await free.Reader.ReadAsync(ct);
                }
                catch (OperationCanceledException) { break; }
                var n = i;
                running.Add(Task.Run(async () =>
                {
                    try { await DispatchOne(dispatcher, unit, n); }
                    finally { free.Writer.TryWrite(unit); }
                }));
            }
            await Task.WhenAll(running);
        }

        /// <summary>An incident near the unit: reported, accepted, assigned to its department, the unit sent; then wait for the unit to handle it.</summary>
        async Task DispatchOne(DispatchClient dispatcher, DrillPhone unit, int n)
        {
            LatLon near;
            lock (_random) near = unit.Position.Toward(unit.Unit.Home.RandomPoint(_random), 80);
            var created = await Post(dispatcher, "dispatch:report", "/api/incidents", new
            {
                channel = "hotline", callerName = "演练", callerPhone = $"139{Random.Shared.Next(10000000, 99999999)}",
                lat = near.Lat, lon = near.Lon, address = $"{unit.Unit.Home.Name}故障演练派单点 {n + 1} 号", category = "road-damage",
                description = $"故障演练派单 {n + 1}", urgency = 2,
            }, CancellationToken.None);
            if (created is not { } c || !c.TryGetProperty("id", out var idProperty)) return;
            var id = idProperty.GetGuid();
            if (await Post(dispatcher, "dispatch:accept", $"/api/incidents/{id}/accept", null, CancellationToken.None, id) is null) return;
            if (await Post(dispatcher, "dispatch:assign", $"/api/incidents/{id}/assign", new { department = unit.Unit.Department }, CancellationToken.None, id) is null) return;
            var handled = unit.Expect(id);
            var sent = await Post(dispatcher, "dispatch:send", $"/api/units/{unit.Unit.Id}/dispatch", new { incidentId = id }, CancellationToken.None, id);
            if (sent is not null) unit.Dispatched(id);
            try
            {
                // A dispatch without an answer may still have gone through: give its assignment a while to arrive.
                await handled.WaitAsync(TimeSpan.FromSeconds(sent is not null ? 60 : 15));
            }
            catch (TimeoutException)
            {
                if (sent is not null) Units.Log($"{unit.Unit.CallSign}: the assignment for {id} has not arrived within 60 s");
            }
            finally { unit.Forget(id); }
        }

        /// <summary>A gas explosion (routed to the city, emergency management) accepted and assigned: its acknowledgement deadline runs.</summary>
        async Task<(Guid, string, double)?> DeadlineIncident(DispatchClient dispatcher)
        {
            try
            {
                var (id, number) = await dispatcher.Report(new
                {
                    channel = "hotline", callerName = "演练", callerPhone = $"139{Random.Shared.Next(10000000, 99999999)}",
                    lat = 31.24, lon = 121.49, address = "东湖区人民路 1 号", category = "gas-leak", description = "演练：燃气管道爆炸（期限测试）", urgency = 4,
                });
                await dispatcher.Incident(id, "accept");
                await dispatcher.Incident(id, "assign", new { department = "emergency" });
                // Its card on the board carries the running deadline.
                var card = (await dispatcher.Get<JsonElement>("/api/board?category=gas-leak")).EnumerateArray()
                    .FirstOrDefault(c => c.GetProperty("id").GetGuid() == id);
                var due = card.ValueKind == JsonValueKind.Object && card.TryGetProperty("deadlineDue", out var by) && by.ValueKind == JsonValueKind.String
                    ? by.GetDateTimeOffset() : (DateTimeOffset?)null;
                var level = card.ValueKind == JsonValueKind.Object && card.TryGetProperty("level", out var l) ? l.ToString() : "?";
                if (due is null) throw new InvalidOperationException("no running deadline on its card");
                var dueAt = Now() + (due.Value - DateTimeOffset.UtcNow).TotalSeconds;
                Units.Log($"deadline incident {number} at level {level}: acknowledgement due in {dueAt - Now():F0} s");
                return (id, number, dueAt);
            }
            catch (Exception e) when (e is DispatchApiException or InvalidOperationException or JsonException)
            {
                Units.Log($"no deadline incident: {e.Message}");
                return null;
            }
        }

        /// <summary>How many times the deadline watch acted on the incident (automatic escalations and missed deadlines in its timeline).</summary>
        static async Task<int> Fired(DispatchClient dispatcher, Guid id)
        {
            var detail = await dispatcher.Get<JsonElement>($"/api/incidents/{id}");
            return detail.GetProperty("timeline").EnumerateArray()
                .Count(e => e.GetProperty("kind").GetString() is "EscalatedAutomatically" or "DeadlineMissed");
        }

        /// <summary>
        /// After t0: an incident taken at the hotline (urgency 1, the newest: the last row of the board), then wait — without
        /// touching the page but to scroll its board to the end — until the board shows it.
        /// </summary>
        async Task<(string, double?)> ConsoleBack(IPage page, DispatchClient caller, double t0)
        {
            string? marker = null;
            for (var wait = Stopwatch.StartNew(); marker is null && wait.Elapsed < TimeSpan.FromSeconds(120);)
            {
                object report;
                lock (_random) report = WithUrgency(Calls.Report(_random), 1);
                if (await Post(caller, "intake", "/api/incidents", report, CancellationToken.None) is { } created) marker = created.GetProperty("number").GetString();
                else await Task.Delay(500);
            }
            if (marker is null) return ("no intake succeeded within 120 s", null);
            try
            {
                var shown = await page.WaitForFunctionAsync("""
                    n => {
                      if (location.pathname.startsWith('/signin')) return 'signed-out';
                      const s = document.getElementById('board-scroll');
                      if (!s) return false;
                      s.scrollTop = s.scrollHeight;
                      return document.querySelector(`tr[data-testid=board-row][data-number='${n}']`) ? 'shown' : false;
                    }
                    """, marker, new() { PollingInterval = 200, Timeout = 180_000 });
                var at = Now();
                var what = await shown.JsonValueAsync<string>();
                if (what == "signed-out") return ("signed out (the node did not accept the cookie)", at);
                var reloaded = await page.EvaluateAsync<bool>("() => window.__drillSameDocument !== true");
                return (reloaded ? "fresh board" : "fresh board (same page, circuit kept)", at);
            }
            catch (TimeoutException)
            {
                var state = await page.EvaluateAsync<string>("""
                    () => `reconnect modal '${document.getElementById('components-reconnect-modal')?.className}', ` +
                          `indicator ${document.getElementById('connection-indicator')?.dataset.state}, ` +
                          `board total ${document.querySelector('[data-testid=board-total]')?.textContent}, rows ${document.querySelectorAll('[data-testid=board-row]').length}, ` +
                          `same page ${window.__drillSameDocument === true}`
                    """);
                Directory.CreateDirectory(o.Out);
                await page.ScreenshotAsync(new() { Path = Path.Combine(o.Out, $"drill-console-{DateTime.UtcNow:yyyyMMdd-HHmmss}.png") });
                return ($"did not show {marker} within 180 s ({state})", null);
            }
        }

        static async Task CancelAll(DispatchClient dispatcher, IReadOnlyList<Guid> ids)
        {
            var cancelled = 0;
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (id, ct) =>
            {
                try
                {
                    await dispatcher.Incident(id, "cancel", new { reason = "invalid", note = "演练结束" }, ct);
                    Interlocked.Increment(ref cancelled);
                }
                catch (DispatchApiException) { }
            });
            Units.Log($"cancelled {cancelled} of the {ids.Count} drill incidents (--keep-incidents keeps them)");
        }
    }
}
