using System.Diagnostics;
using System.Globalization;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Domain.Warning;
using Dispatch.Server.City;
using Dispatch.Server.Components.Situation;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dispatch.Components.Tests;

/// <summary>
/// A situation screen over a long simulated run: a ledger (the node's state) fed thousands of card and roster changes a
/// day on a simulated clock across many days, and a rendered screen (the circuit's render tree) taking a new picture
/// every simulated minute. What it holds must follow the day's work, not the number of changes: checked by counts here,
/// and managed memory after a full GC is printed per day for docs/benchmarks.md.
/// <para>
/// Size by environment: <c>DISPATCH_SITUATION_BENCH_DAYS</c> (default 4) and <c>DISPATCH_SITUATION_BENCH_REPORTS</c> (reports
/// a day, default 800). The figures in docs/benchmarks.md were taken with 10 days and 10,000 reports a day.
/// </para>
/// </summary>
public sealed class SituationMemoryBenchmark(DispatchApp app, ITestOutputHelper output) : IClassFixture<DispatchApp>
{
    static int Env(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var v) && v > 0 ? v : fallback;

    [Fact]
    [Trait("Category", "Benchmark")]
    public async Task A_screen_left_open_for_days_holds_only_the_days_work()
    {
        var days = Env("DISPATCH_SITUATION_BENCH_DAYS", 4);
        var reportsPerDay = Env("DISPATCH_SITUATION_BENCH_REPORTS", 800);
        const int Units = 300;
        // A short baseline, so the run outlasts it and the tally's plateau shows.
        var settings = SurgeSettings.Default with { BaselineDays = 2 };
        var city = app.Services.GetRequiredService<CityCatalog>();
        var tree = app.Services.GetRequiredService<JurisdictionTree>();
        var cells = tree.OfKind(JurisdictionKind.Grid).ToArray();
        var categories = city.Categories.Select(c => c.Code).ToArray();
        var ledger = new SituationLedger(city, tree, settings);
        var start = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(8));
        ledger.Rollover(start);
        var culture = new CultureInfo("zh-CN");
        var random = new Random(7);

        await using var ctx = ConsoleContext.For(app, "zh-CN");
        var screen = ctx.Render<SituationPanels>(p => p.Add(x => x.Picture, ledger.Picture(tree.City.Path, start, culture)));

        // Each report's card goes through four versions (reported, accepted, resolved, closed); one in ten stays open a day longer.
        var pending = new PriorityQueue<IncidentCard, DateTimeOffset>();
        var unitIds = Enumerable.Range(0, Units).Select(_ => Guid.NewGuid()).ToArray();
        var unitVersions = new long[Units];
        long changes = 0, renders = 0;
        var clock = Stopwatch.StartNew();
        output.WriteLine("| day | changes so far | incident lines held at midnight | open | tally quarter-hours | managed memory after GC |");
        output.WriteLine("| --- | --- | --- | --- | --- | --- |");
        long? secondDay = null;
        for (var day = 0; day < days; day++)
        {
            var dayStart = start.AddDays(day);
            for (var i = 0; i < reportsPerDay; i++)
            {
                var at = dayStart.AddSeconds(86_400.0 * i / reportsPerDay);
                var cell = cells[random.Next(cells.Length)];
                var card = new IncidentCard
                {
                    Id = Guid.NewGuid(), Number = $"{at:yyyyMMdd}-{i:D5}", Category = categories[random.Next(categories.Length)],
                    Urgency = (Urgency)random.Next(0, 4), ScopePath = cell.Path, Place = new Place(cell.Path, null, null, cell.Code),
                    ReportedAt = at, UpdatedAt = at, Version = 1, State = IncidentState.Reported,
                };
                pending.Enqueue(card, at);
            }
            for (var minute = 0; minute < 1440; minute++)
            {
                var now = dayStart.AddMinutes(minute + 1);
                ledger.Rollover(now);
                while (pending.TryPeek(out var card, out var due) && due <= now)
                {
                    pending.Dequeue();
                    ledger.Apply(card);
                    changes++;
                    if (Next(card, due, random) is { } next) pending.Enqueue(next.Card, next.At);
                }
                if (minute % 5 == 0)
                    for (var u = 0; u < Units; u++)
                    {
                        ledger.Apply(new UnitRosterEntry
                        {
                            Id = unitIds[u], CallSign = $"U{u}", HomePath = cells[u % cells.Length].Path,
                            Status = (UnitStatus)random.Next(0, 6), Version = ++unitVersions[u],
                        });
                        changes++;
                    }
                // One coalesced flush a simulated minute: a new picture, rendered.
                var picture = ledger.Picture(tree.City.Path, now, culture);
                screen.Render(p => p.Add(x => x.Picture, picture));
                renders++;
            }
            var memory = Memory();
            if (day == 1) secondDay = memory;
            var open = ledger.Picture(tree.City.Path, dayStart.AddDays(1), culture).Totals.Open;
            output.WriteLine($"| {day + 1} | {changes:N0} | {ledger.Incidents:N0} | {open:N0} | {ledger.Tally.Size:N0} | {memory / 1024.0 / 1024.0:F1} MB |");

            // Held: the open ones, today's, and the last window's reports; never the days before.
            Assert.True(ledger.Incidents <= open + reportsPerDay + reportsPerDay / 24 + 1,
                $"day {day + 1}: {ledger.Incidents} incident lines held for {open} open and {reportsPerDay} a day");
            Assert.True(ledger.Tally.Size <= (settings.BaselineDays + 2) * ReportTally.SlotsPerDay * cells.Length,
                $"day {day + 1}: the tally keeps {ledger.Tally.Size} quarter-hours");
        }
        output.WriteLine($"{changes:N0} changes and {renders:N0} renders in {clock.Elapsed.TotalSeconds:F0} s; second day {secondDay / 1024.0 / 1024.0:F1} MB");
        Assert.Contains("situation-grid", screen.Markup);
    }

    /// <summary>The card's next version and when it comes: accepted after 10 minutes, resolved after an hour, closed after two.</summary>
    static (IncidentCard Card, DateTimeOffset At)? Next(IncidentCard card, DateTimeOffset at, Random random) => card.State switch
    {
        IncidentState.Reported => (card with { State = IncidentState.Accepted, AcceptedAt = at.AddMinutes(10), UpdatedAt = at.AddMinutes(10), Version = 2 }, at.AddMinutes(10)),
        IncidentState.Accepted => (card with { State = IncidentState.Resolved, ResolvedAt = at.AddMinutes(50), UpdatedAt = at.AddMinutes(50), Version = 3 }, at.AddMinutes(50)),
        IncidentState.Resolved => random.Next(10) == 0
            ? (card with { State = IncidentState.Closed, IsOpen = false, ClosedAt = at.AddDays(1), UpdatedAt = at.AddDays(1), Version = 4 }, at.AddDays(1))
            : (card with { State = IncidentState.Closed, IsOpen = false, ClosedAt = at.AddHours(1), UpdatedAt = at.AddHours(1), Version = 4 }, at.AddHours(1)),
        _ => null,
    };

    static long Memory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
