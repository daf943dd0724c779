using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Dispatch.Drill;

/// <summary>One step of the <c>bench</c> harness's intake: what was offered at one rate and what came of it.</summary>
public sealed record IntakeStep(
    double Rate, int Offered, int Answered, int Overloaded, int OverloadedWithRetryAfter, IReadOnlyDictionary<string, int> Errors,
    double Achieved, List<double> Post, List<double> Push, int PushMissing, int Lost,
    IReadOnlyList<(int Second, double Ms)> PushBySecond, IReadOnlyList<(int Second, double Ms)> OverloadBySecond)
{
    public int ErrorCount => Errors.Values.Sum();

    /// <summary>How long each 503 took, from when its call was due.</summary>
    public IEnumerable<double> Overload => OverloadBySecond.Select(p => p.Ms);

    /// <summary>Where the slow pushes (over <paramref name="slowMs"/>) were (<see cref="BenchReport.TailBySecond"/>).</summary>
    public string TailBySecond(double slowMs) => BenchReport.TailBySecond(PushBySecond, slowMs, "pushes");

    /// <summary>Where the 503s were: a few bad seconds (a stall) or spread out (the rate is past what the node does).</summary>
    public string ShedBySecond() => BenchReport.TailBySecond(OverloadBySecond, null, "503s");
}

/// <summary>
/// The harness's intake stage: hotline calls (<see cref="Calls.Report"/>) from several signed-in call-takers at a fixed
/// rate in an open loop (<see cref="OpenLoop"/>: arrivals never wait for answers), while a board client
/// (<see cref="BoardListener"/>) notes when each new incident's card is pushed. Every answer is counted: 2xx, 503 (the
/// server shedding load, with or without Retry-After), anything else. Afterwards the answered incidents are looked up
/// in the server's database: one answered 2xx whose stream is not there was lost.
/// </summary>
public static class BenchIntake
{
    public static async Task<IntakeStep> Step(IReadOnlyList<DispatchClient> callers, BoardListener board, BenchDatabase db, double rate,
        TimeSpan duration, TimeSpan pushPatience, Random random)
    {
        var offered = Math.Max(1, (int)Math.Round(rate * duration.TotalSeconds));
        var answered = new ConcurrentDictionary<Guid, long>();
        var post = new ConcurrentBag<double>();
        var overloadAt = new ConcurrentBag<(int, double)>();
        var errors = new ConcurrentDictionary<string, int>();
        int overloaded = 0, withRetryAfter = 0;
        var started = Stopwatch.GetTimestamp();
        long lastAnswer = started;

        await OpenLoop.Run(offered, rate, (i, due) =>
        {
            // Built here, on the loop, because Random is not thread-safe; sent on the pool.
            var body = Calls.Report(random);
            var caller = callers[i % callers.Count];
            return Task.Run(async () =>
            {
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    using var response = await caller.Http.PostAsJsonAsync("/api/incidents", body, DispatchClient.Json, timeout.Token);
                    var took = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
                    Interlocked.Exchange(ref lastAnswer, Stopwatch.GetTimestamp());
                    if (response.IsSuccessStatusCode)
                    {
                        var created = await response.Content.ReadFromJsonAsync<JsonElement>(DispatchClient.Json, timeout.Token);
                        answered[created.GetProperty("id").GetGuid()] = due;
                        post.Add(took);
                    }
                    else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref overloaded);
                        if (response.Headers.RetryAfter is not null) Interlocked.Increment(ref withRetryAfter);
                        overloadAt.Add(((int)Stopwatch.GetElapsedTime(started, due).TotalSeconds, took));
                    }
                    else errors.AddOrUpdate(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                }
                catch (OperationCanceledException) { errors.AddOrUpdate("timeout 30 s", 1, (_, n) => n + 1); }
                catch (HttpRequestException e) { errors.AddOrUpdate(e.HttpRequestError.ToString(), 1, (_, n) => n + 1); }
            });
        });
        var achieved = answered.Count / Math.Max(0.001, Stopwatch.GetElapsedTime(started, Interlocked.Read(ref lastAnswer)).TotalSeconds);

        var ids = answered.Keys.ToList();
        await board.WaitFor(ids, pushPatience);
        var push = new List<double>();
        var bySecond = new List<(int, double)>();
        foreach (var (id, due) in answered)
            if (board.Seen(id, out var at))
            {
                push.Add(Stopwatch.GetElapsedTime(due, at).TotalMilliseconds);
                bySecond.Add(((int)Stopwatch.GetElapsedTime(started, due).TotalSeconds, push[^1]));
            }
        var stored = await db.IncidentsFound(ids);

        return new(rate, offered, answered.Count, overloaded, withRetryAfter, new Dictionary<string, int>(errors), achieved,
            [.. post], push, ids.Count - push.Count, ids.Count - (int)stored, bySecond, [.. overloadAt]);
    }
}
