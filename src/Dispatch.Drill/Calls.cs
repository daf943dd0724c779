using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Drill;

/// <summary>
/// <c>calls</c>: simulated hotline calls at a steady rate while a board client listens on /hubs/board; how long each
/// took to be accepted (HTTP 201) and to be pushed to the board. The calls sign in as a call-taker, the board as the
/// city dispatcher so it hears every call.
/// </summary>
public static class Calls
{
    public const string Usage =
        "calls [--url URL] [--count 200] [--rate 20] [--login city.calltaker] [--password dispatch-demo] [--board-login city.dispatcher]";

    static readonly string[] Categories = ["road-damage", "street-lighting", "water-supply", "noise", "garbage", "illegal-parking"];
    static readonly string[] Streets = ["人民路", "解放路", "建设路", "和平街", "滨江大道", "创业路"];

    /// <summary>A hotline call as a call-taker types it: somewhere in 东湖区, one of six everyday categories.</summary>
    public static object Report(Random random) => new
    {
        channel = "hotline", callerName = "演练", callerPhone = $"139{random.Next(10000000, 99999999)}",
        lat = 31.23 + random.NextDouble() * 0.05, lon = 121.47 + random.NextDouble() * 0.05,
        address = $"东湖区{Streets[random.Next(Streets.Length)]} {random.Next(1, 300)} 号",
        category = Categories[random.Next(Categories.Length)], description = "演练来电", urgency = random.Next(1, 5),
    };

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var count = o.Int("--count", 200, min: 1);
        var rate = o.Double("--rate", 20, min: 0.01);
        var login = o.String("--login", "city.calltaker");
        var password = o.String("--password", "dispatch-demo");
        var boardLogin = o.String("--board-login", "city.dispatcher");
        o.RejectUnknown();

        var json = DispatchClient.Json;
        var sent = new ConcurrentDictionary<Guid, long>();
        await using var board = await BoardListener.Connect(url, boardLogin, password);

        using var caller = await DispatchClient.SignIn(url, login, password, Units.Log);
        var http = caller.Http;
        var random = new Random(42);
        var accepted = new List<double>();
        var interval = TimeSpan.FromSeconds(1 / rate);
        var started = Stopwatch.StartNew();
        var tasks = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = interval * i;
            if (due > started.Elapsed) await Task.Delay(due - started.Elapsed);
            var body = Report(random);
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
        if (!await board.WaitFor(sent.Keys.ToList(), TimeSpan.FromSeconds(30)))
            Console.Error.WriteLine($"only {board.Count} of {count} pushes arrived within 30 s");

        var push = sent.Select(s => board.Seen(s.Key, out var at) ? Stopwatch.GetElapsedTime(s.Value, at).TotalMilliseconds : (double?)null)
            .OfType<double>().ToList();
        Console.WriteLine($"calls: {count} at {rate}/s against {url} in {elapsed.TotalSeconds:F1} s " +
                          $"({count / elapsed.TotalSeconds:F0}/s achieved)");
        Console.WriteLine($"intake accepted (POST → 201): {Percentiles.Summary(accepted)}");
        Console.WriteLine($"intake → board push:          {Percentiles.Summary(push)}  ({push.Count}/{count} received)");
        return push.Count == count ? 0 : 1;
    }
}
