using System.Diagnostics;
using System.Globalization;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Rewind;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Dispatch.Components.Tests.Rewind;

/// <summary>
/// The figures of docs/time-travel.md "## Screens": the time to build one moment of each past screen, and the frames a
/// second while the scrubber plays a busy hour at 60×. The demo city's morning plus a busy hour of reports
/// (<c>DISPATCH_REWIND_BENCH_REPORTS</c>, default 240) are recorded, then their record times are spread evenly over the
/// last hour in sequence order (the seed records a "morning" in seconds; a scrubber needs the hour).
/// </summary>
public sealed class RewindScrubBenchmark(ITestOutputHelper output)
{
    static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) && v > 0 ? v : fallback;

    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task A_busy_hour_of_the_demo_city_scrubs_at_60x_with_each_moment_built_within_a_frame()
    {
        await using var app = new DispatchApp { Settings = { ["Dispatch:Demo:Seed"] = "true" } };
        await ((IAsyncLifetime)app).InitializeAsync();
        var store = app.Services.GetRequiredService<IDocumentStore>();
        await Until(async () => { await using var q = store.QuerySession(); return await q.Query<IncidentCard>().CountAsync() >= 50; });

        // The busy hour: reports, most accepted and assigned, some acknowledged.
        var reports = Env("DISPATCH_REWIND_BENCH_REPORTS", 240);
        for (var i = 0; i < reports; i++)
        {
            var reported = await app.Report(Calls.Form(urgency: 1 + i % 4, category: i % 3 == 0 ? "garbage" : "road-damage"));
            if (i % 5 == 4) continue;
            await app.Do(reported.Id, new AcceptIncident(ConsoleContext.Seat));
            if (i % 5 == 3) continue;
            await app.Do(reported.Id, new AssignIncident("urban-management", ConsoleContext.Seat));
            if (i % 2 == 0) await app.Do(reported.Id, new AcknowledgeIncident("urban-management", ConsoleContext.Seat));
        }
        var to = DateTimeOffset.UtcNow.AddMinutes(-1);
        var from = to.AddHours(-1);
        long events;
        await using (var db = app.Services.GetRequiredService<NpgsqlDataSource>().CreateConnection())
        {
            await db.OpenAsync();
            var schema = store.Options.Events.DatabaseSchemaName;
            await using var spread = new NpgsqlCommand($"""
                with r as (select seq_id, row_number() over (order by seq_id) - 1 as n, count(*) over () as total from {schema}.mt_events)
                update {schema}.mt_events e set timestamp = @from + (r.n::float8 / r.total) * interval '1 hour' from r where e.seq_id = r.seq_id
                """, db);
            spread.Parameters.AddWithValue("from", from);
            await spread.ExecuteNonQueryAsync();
            await using var count = new NpgsqlCommand($"select count(*) from {schema}.mt_events", db);
            events = (long)(await count.ExecuteScalarAsync())!;
        }
        output.WriteLine($"events in the hour: {events}; reports added to the demo morning: {reports}; cores: {Environment.ProcessorCount}; load: {File.ReadAllText("/proc/loadavg").Trim()}");

        // Building one moment, per screen, at 12 moments across the hour (as PastScreen.Build does).
        var past = app.Services.GetRequiredService<PastViews>();
        var actor = new Dispatch.Domain.Access.Actor(ConsoleContext.Seat, "Console", app.Everything());
        var scope = SituationSetup.ScopeOf(actor)!;
        var builds = new Dictionary<string, List<double>> { ["board"] = [], ["map"] = [], ["situation"] = [] };
        for (var i = 1; i <= 12; i++)
        {
            var at = from + TimeSpan.FromMinutes(5 * i);
            builds["board"].Add(await Timed(async () => await past.BoardAt(actor, await past.MomentAt(at))));
            builds["map"].Add(await Timed(async () => await past.SceneAt(actor, await past.MomentAt(at))));
            builds["situation"].Add(await Timed(async () => await past.SituationAt(scope, await past.MomentAt(at), CultureInfo.InvariantCulture)));
        }
        foreach (var (view, ms) in builds)
            output.WriteLine($"build {view}: median {Median(ms):F0} ms, max {ms.Max():F0} ms (12 moments)");

        // Playing the hour at 60× on the rendered page (the injected clock: the app's own), until it stops at the end.
        foreach (var view in new[] { "board", "situation" })
        {
            await using var ctx = ConsoleContext.For(app);
            ctx.Services.GetRequiredService<NavigationManager>().NavigateTo(
                $"/past?from={Iso(from)}&to={Iso(to)}&at={Iso(from)}");
            var cut = ctx.Render<PastScreen>(p => p.Add(x => x.View, view));
            cut.WaitForElement("[data-testid=scrubber]", TimeSpan.FromSeconds(60));
            var started = Stopwatch.GetTimestamp();
            await cut.InvokeAsync(() => cut.Find("[data-testid=speed-60]").ClickAsync(new()));
            cut.WaitForAssertion(() => Assert.Equal("false", cut.Find("[data-testid=scrubber]").GetAttribute("data-playing")), TimeSpan.FromSeconds(180));
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var scrubber = cut.Find("[data-testid=scrubber]");
            var frames = int.Parse(scrubber.GetAttribute("data-frames")!, CultureInfo.InvariantCulture);
            var skipped = int.Parse(scrubber.GetAttribute("data-skipped")!, CultureInfo.InvariantCulture);
            output.WriteLine($"play {view} at 60x: {seconds:F1} s for the hour, {frames} frames ({frames / seconds:F1} fps), {skipped} ticks skipped; load {File.ReadAllText("/proc/loadavg").Trim()}");
            Assert.True(frames > 0);
        }
    }

    static string Iso(DateTimeOffset at) => Uri.EscapeDataString(at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));

    static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    static async Task<double> Timed(Func<Task> act)
    {
        var started = Stopwatch.GetTimestamp();
        await act();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    static async Task Until(Func<Task<bool>> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the demo city was not seeded");
            await Task.Delay(200);
        }
    }
}
