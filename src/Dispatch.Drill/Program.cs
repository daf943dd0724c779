using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

// Dispatch.Drill: drives a running Dispatch through its API and hubs, for demos, drills and load figures.
//
//   dotnet run --project src/Dispatch.Drill -- calls [--url http://localhost:5080] [--count 200] [--rate 20]
//                                                   [--login city.calltaker] [--password dispatch-demo]
//
// It signs in like any API client (POST /api/session) as a demo user; the board listener signs in as the city
// dispatcher so it hears every call.
//
// `calls` places simulated hotline calls at a steady rate while a board client listens on /hubs/board, and
// reports how long each took to be accepted (HTTP 201) and to be pushed to the board.

var options = Options.Parse(args);
if (options.Command != "calls")
{
    Console.Error.WriteLine("usage: Dispatch.Drill calls [--url URL] [--count N] [--rate PER_SECOND] [--login USER] [--password PASSWORD]");
    return 2;
}
return await Calls.Run(options);

sealed record Options(string Command, Uri Url, int Count, double Rate, string Login, string Password, string BoardLogin)
{
    public static Options Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            var i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        return new(args.FirstOrDefault() ?? "", new Uri(Value("--url", "http://localhost:5080")),
            int.Parse(Value("--count", "200")), double.Parse(Value("--rate", "20"), System.Globalization.CultureInfo.InvariantCulture),
            Value("--login", "city.calltaker"), Value("--password", "dispatch-demo"), Value("--board-login", "city.dispatcher"));
    }

    /// <summary>Signs in and returns the session cookie, or explains why not.</summary>
    public async Task<System.Net.CookieContainer> SignIn(string login)
    {
        var cookies = new System.Net.CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = Url };
        using var response = await http.PostAsJsonAsync("/api/session", new { login, password = Password });
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"Cannot sign in as {login} at {Url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return cookies;
    }
}

static class Calls
{
    static readonly string[] Categories = ["road-damage", "street-lighting", "water-supply", "noise", "garbage", "illegal-parking"];
    static readonly string[] Streets = ["人民路", "解放路", "建设路", "和平街", "滨江大道", "创业路"];

    public static async Task<int> Run(Options o)
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
        var sent = new ConcurrentDictionary<Guid, long>();
        var early = new ConcurrentDictionary<Guid, long>();
        var allPushed = new TaskCompletionSource();

        var boardCookies = await o.SignIn(o.BoardLogin);
        await using var board = new HubConnectionBuilder()
            .WithUrl(new Uri(o.Url, "/hubs/board"), c => c.Cookies = boardCookies)
            .AddJsonProtocol(p => p.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build();
        board.On<JsonElement>("CardChanged", card =>
        {
            var at = Stopwatch.GetTimestamp();
            var id = card.GetProperty("id").GetGuid();
            // The push can beat the HTTP answer; keep the first sighting either way.
            if (!early.TryAdd(id, at)) return;
            if (early.Count >= o.Count) allPushed.TrySetResult();
        });
        await board.StartAsync();

        using var http = new HttpClient(new HttpClientHandler { CookieContainer = await o.SignIn(o.Login) }) { BaseAddress = o.Url };
        var random = new Random(42);
        var accepted = new List<double>();
        var interval = TimeSpan.FromSeconds(1 / o.Rate);
        var started = Stopwatch.StartNew();
        var tasks = new List<Task>();
        for (var i = 0; i < o.Count; i++)
        {
            var due = interval * i;
            if (due > started.Elapsed) await Task.Delay(due - started.Elapsed);
            var body = new
            {
                channel = "hotline", callerName = "演练", callerPhone = $"139{random.Next(10000000, 99999999)}",
                lat = 31.23 + random.NextDouble() * 0.05, lon = 121.47 + random.NextDouble() * 0.05,
                address = $"东湖区{Streets[random.Next(Streets.Length)]} {random.Next(1, 300)} 号",
                category = Categories[random.Next(Categories.Length)], description = "演练来电", urgency = random.Next(1, 5),
            };
            tasks.Add(Task.Run(async () =>
            {
                var start = Stopwatch.GetTimestamp();
                var response = await http.PostAsJsonAsync("/api/incidents", body, json);
                var end = Stopwatch.GetTimestamp();
                response.EnsureSuccessStatusCode();
                var created = await response.Content.ReadFromJsonAsync<JsonElement>(json);
                var id = created.GetProperty("id").GetGuid();
                sent[id] = start;
                lock (accepted) accepted.Add(Stopwatch.GetElapsedTime(start, end).TotalMilliseconds);
            }));
        }
        await Task.WhenAll(tasks);
        var elapsed = started.Elapsed;
        try { await allPushed.Task.WaitAsync(TimeSpan.FromSeconds(30)); }
        catch (TimeoutException) { Console.Error.WriteLine($"only {early.Count} of {o.Count} pushes arrived within 30 s"); }

        var push = sent.Where(s => early.ContainsKey(s.Key))
            .Select(s => Stopwatch.GetElapsedTime(s.Value, early[s.Key]).TotalMilliseconds).ToList();
        Console.WriteLine($"calls: {o.Count} at {o.Rate}/s against {o.Url} in {elapsed.TotalSeconds:F1} s " +
                          $"({o.Count / elapsed.TotalSeconds:F0}/s achieved)");
        Console.WriteLine($"intake accepted (POST → 201): {Summary(accepted)}");
        Console.WriteLine($"intake → board push:          {Summary(push)}  ({push.Count}/{o.Count} received)");
        return push.Count == o.Count ? 0 : 1;
    }

    static string Summary(List<double> ms)
    {
        if (ms.Count == 0) return "no samples";
        ms.Sort();
        double P(double q) => ms[Math.Min(ms.Count - 1, (int)Math.Ceiling(q * ms.Count) - 1)];
        return $"median {P(0.5):F1} ms, p99 {P(0.99):F1} ms, max {ms[^1]:F1} ms";
    }
}
