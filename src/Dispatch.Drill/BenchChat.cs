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
            Console.Error.WriteLine($"bench-chat: {listeners.Length} listeners on {channel}; {warmup} warm-up messages, then {count} measured at {rate}/s");
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

            Console.WriteLine();
            Console.WriteLine($"bench-chat: {latencies.Count}/{expected} receipts ({count} messages × {connections.Count - 1} listeners) at {rate}/s offered " +
                              $"({achieved:F1}/s achieved) against {url}");
            Console.WriteLine($"post → each listener receives: {Percentiles.Summary(latencies)}");
            Console.WriteLine($"post answered (stored):        {Percentiles.Summary(posts)}");
            if (!failures.IsEmpty) Console.WriteLine($"refused ({failures.Count}): {string.Join("; ", failures.Distinct())}");
            return latencies.Count == expected && failures.IsEmpty ? 0 : 1;
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
        }
    }
}
