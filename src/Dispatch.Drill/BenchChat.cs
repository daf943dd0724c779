using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench-chat</c>: how long from one dispatcher posting in the city channel (<c>Post</c> on /hubs/chat) to every other
/// listener's connection receiving the message. The listeners are signed-in people who are all members of the city
/// channel (by default the demo's city and district dispatchers and leaders). Each message carries its number; the
/// clock runs from just before the post to each listener's receipt. The post's own answer is reported apart.
/// </summary>
public static class BenchChat
{
    public const string Usage =
        "bench-chat [--count 500] [--rate 20] [--warmup 20] [--url URL] [--login city.dispatcher] [--password dispatch-demo]\n" +
        "           [--listeners city.leader,dh.dispatcher,dh.leader,dh-04.dispatcher] [--channel node:demo]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var count = o.Int("--count", 500, min: 1);
        var rate = o.Double("--rate", 20, min: 0.01);
        var warmup = o.Int("--warmup", 20);
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var listeners = o.String("--listeners", "city.leader,dh.dispatcher,dh.leader,dh-04.dispatcher").Split(',', StringSplitOptions.RemoveEmptyEntries);
        var channel = o.String("--channel", "node:demo");
        o.RejectUnknown();

        var chat = await Measure(url, login, password, listeners, channel, count, rate, warmup);
        Console.WriteLine();
        Console.WriteLine($"bench-chat: {chat.Latencies.Count}/{chat.Expected} receipts ({count} messages × {chat.Listeners} listeners) at {rate}/s offered " +
                          $"({chat.Achieved:F1}/s achieved) against {url}");
        Console.WriteLine($"post → each listener receives: {Percentiles.Summary(chat.Latencies)}");
        Console.WriteLine($"post answered (stored):        {Percentiles.Summary(chat.Posts)}");
        if (chat.Failures.Count > 0) Console.WriteLine($"refused ({chat.Failures.Count}): {string.Join("; ", chat.Failures.Distinct())}");
        return chat.Latencies.Count == chat.Expected && chat.Failures.Count == 0 ? 0 : 1;
    }

    /// <summary>What <c>bench-chat</c> measured (ms): every listener's receipt, each post's answer; refusals; receipts expected.</summary>
    public sealed record ChatSamples(List<double> Latencies, List<double> Posts, List<string> Failures, int Expected, int Listeners, double Achieved);

    /// <summary>The benchmark itself (also the <c>bench</c> harness's chat stage).</summary>
    public static async Task<ChatSamples> Measure(Uri url, string login, string password, IReadOnlyList<string> listeners, string channel,
        int count, double rate, int warmup)
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        var sentAt = new ConcurrentDictionary<int, long>();
        var latencies = new ConcurrentBag<double>();
        var receipts = new ConcurrentDictionary<(string, int), bool>();
        var connections = new List<HubConnection>();
        try
        {
            foreach (var who in listeners.Prepend(login).Distinct())
            {
                using var session = await DispatchClient.SignIn(url, who, password);
                var connection = new HubConnectionBuilder()
                    .WithUrl(new Uri(url, ChatHubMethods.Path), c => c.Cookies = session.Cookies)
                    .AddJsonProtocol(p => ContractJson.Configure(p.PayloadSerializerOptions))
                    .Build();
                if (who != login)
                {
                    var name = who;
                    connection.On<ChatMessageView>(nameof(IChatClient.Message), message =>
                    {
                        var at = Stopwatch.GetTimestamp();
                        var text = message.Text ?? "";
                        var parts = text.Split(' ');
                        if (parts.Length == 3 && parts[0] == "bench" && parts[1] == run && int.TryParse(parts[2], out var n)
                            && sentAt.TryGetValue(n, out var sent) && receipts.TryAdd((name, n), true) && n >= warmup)
                            latencies.Add(Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds);
                    });
                }
                await connection.StartAsync();
                connections.Add(connection);
            }
            var poster = connections[0];
            var posts = new ConcurrentBag<double>();
            var failures = new ConcurrentBag<string>();
            var interval = TimeSpan.FromSeconds(1 / rate);
            var started = Stopwatch.StartNew();
            var running = new List<Task>();
            Units.Log($"bench-chat: {listeners.Count} listeners on {channel}; {warmup} warm-up messages, then {count} measured at {rate}/s");
            for (var i = 0; i < warmup + count; i++)
            {
                var due = interval * i;
                if (due > started.Elapsed) await Task.Delay(due - started.Elapsed);
                var n = i;
                running.Add(Task.Run(async () =>
                {
                    sentAt[n] = Stopwatch.GetTimestamp();
                    var reply = await poster.InvokeAsync<ChatReply>(ChatHubMethods.Post, channel, $"bench {run} {n}");
                    if (n >= warmup) posts.Add(Stopwatch.GetElapsedTime(sentAt[n]).TotalMilliseconds);
                    if (!reply.Ok) failures.Add(reply.Text ?? "refused");
                }));
            }
            await Task.WhenAll(running);
            var achieved = (warmup + count) / started.Elapsed.TotalSeconds;
            var expected = count * (connections.Count - 1);
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
                while (latencies.Count < expected && !wait.IsCancellationRequested) await Task.Delay(50, CancellationToken.None);

            return new([.. latencies], [.. posts], [.. failures], expected, connections.Count - 1, achieved);
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
        }
    }
}
