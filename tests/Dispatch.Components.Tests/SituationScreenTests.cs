using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Domain.Warning;
using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Situation;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Performance;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.Extensions.DependencyInjection;
using SituationPage = Dispatch.Server.Components.Pages.Situation;

namespace Dispatch.Components.Tests;

/// <summary>
/// The situation screen's panels from projection data: board cards, roster lines, KPI rows and surge cards as the store
/// holds them, counted by the ledger and laid out by the panels. The clock is the app's manual one (09:00 in Shanghai).
/// </summary>
public sealed class SituationPanelTests(SurgeWatchingApp app) : ConsoleTest<SurgeWatchingApp>(app)
{
    JurisdictionTree Tree => App.Services.GetRequiredService<JurisdictionTree>();
    DateTimeOffset Now => App.Time.GetUtcNow();

    SituationLedger Ledger()
    {
        var ledger = new SituationLedger(App.Services.GetRequiredService<CityCatalog>(), Tree, SurgeSettings.Default);
        ledger.Rollover(Now);
        return ledger;
    }

    /// <summary>A board card as the projection keeps it, placed in a grid cell of the demo city.</summary>
    IncidentCard Card(string number, string category, Jurisdiction cell, DateTimeOffset reportedAt, bool open = true, long version = 1) => new()
    {
        Id = Guid.NewGuid(), Number = number, Category = category, Urgency = Urgency.High, IsOpen = open,
        State = open ? IncidentState.Accepted : IncidentState.Closed, ScopePath = cell.Path,
        Place = new Place(cell.Path, null, null, cell.Code), ReportedAt = reportedAt, UpdatedAt = reportedAt, Version = version,
        Summary = "内涝", Address = "东湖区人民路 128 号", Level = CommandLevel.Town,
    };

    Jurisdiction[] Cells => [.. Tree.OfKind(JurisdictionKind.Grid).Take(3)];

    [Fact]
    public void The_day_totals_count_today_only_and_the_open_ones_now()
    {
        var ledger = Ledger();
        var cell = Cells[0];
        var yesterday = Now.AddDays(-1);
        ledger.Apply(Card("A-1", "noise", cell, Now.AddMinutes(-30)) with { AcceptedAt = Now.AddMinutes(-20) });
        ledger.Apply(Card("A-2", "noise", cell, Now.AddMinutes(-10), open: false) with { ResolvedAt = Now.AddMinutes(-5), ClosedAt = Now });
        // Reported yesterday, still open: open now, not reported today.
        ledger.Apply(Card("A-3", "garbage", cell, yesterday) with { AcceptedAt = yesterday });

        var picture = ledger.Picture(Tree.City.Path, Now, new("en"));
        var cut = Ctx.Render<DayTotalsPanel>(p => p.Add(x => x.Totals, picture.Totals));

        Assert.Equal(new DayTotals(Reported: 2, Accepted: 1, Resolved: 1, Closed: 1, Open: 2), picture.Totals);
        Assert.Equal("2", cut.Find("[data-testid=total-reported] .situation-figure-value").TextContent);
        Assert.Equal("2", cut.Find("[data-testid=total-open] .situation-figure-value").TextContent);
        Assert.Equal("1", cut.Find("[data-testid=total-closed] .situation-figure-value").TextContent);
    }

    [Fact]
    public void Given_open_deadlines_when_the_next_tick_is_asked_then_it_is_the_soonest_deadline_still_to_come_of_an_open_incident()
    {
        var ledger = Ledger();
        var cell = Cells[0];
        var hour = ledger.NextTick(Now);
        var step = (hour - Now) / 8;
        var soon = Now + 2 * step;
        var later = Card("D-1", "noise", cell, Now) with { DeadlineDue = soon + step };
        var soonest = Card("D-2", "noise", cell, Now) with { DeadlineDue = soon };
        ledger.Apply(later);
        ledger.Apply(soonest);
        ledger.Apply(Card("D-3", "noise", cell, Now, open: false) with { DeadlineDue = soon - step });  // closed
        ledger.Apply(Card("D-4", "noise", cell, Now) with { DeadlineDue = Now.AddMinutes(-1) });       // passed

        Assert.Equal(soon, ledger.NextTick(Now));

        // D-2 closes and D-1's deadline moves past the hour: the hour is next.
        ledger.Apply(soonest with { IsOpen = false, Version = 2 });
        Assert.Equal(soon + step, ledger.NextTick(Now));
        ledger.Apply(later with { Version = 2, DeadlineDue = hour.AddMinutes(5) });
        Assert.Equal(hour, ledger.NextTick(Now));
    }

    [Fact]
    public void Open_incidents_by_level_and_area_and_todays_categories_and_hot_spots_are_bars()
    {
        var ledger = Ledger();
        var (a, b) = (Cells[0], Cells[^1]);
        for (var i = 0; i < 3; i++) ledger.Apply(Card($"B-{i}", "noise", a, Now.AddMinutes(-i)));
        ledger.Apply(Card("B-9", "garbage", b, Now.AddMinutes(-1)) with { Level = CommandLevel.District });

        var picture = ledger.Picture(Tree.City.Path, Now, new("en"));

        Assert.Equal([3, 1, 0], picture.OpenByLevel.Select(t => t.Count));
        var district = a.Path[..a.Path.IndexOf('/', a.Path.IndexOf('/') + 1)];
        Assert.Contains(picture.OpenByArea, t => t.Key == district && t.Label == Tree.Find(district.Split('/')[^1])!.Name);
        Assert.Equal(["noise", "garbage"], picture.ReportedByCategory.Select(t => t.Key));
        Assert.Equal("Noise", picture.ReportedByCategory[0].Label);
        Assert.Equal(a.Path, picture.HotSpots[0].Key);
        Assert.Contains(a.Name, picture.HotSpots[0].Label);

        var cut = Ctx.Render<BarList>(p => p.Add(x => x.Items, picture.ReportedByCategory));
        var bars = cut.FindAll(".situation-bar");
        Assert.Equal(["noise", "garbage"], bars.Select(bar => bar.GetAttribute("data-key")));
        // The largest fills its track; the others in proportion.
        Assert.Contains("width:100%", bars[0].QuerySelector(".situation-bar-fill")!.GetAttribute("style"));
        Assert.Contains("width:33.3%", bars[1].QuerySelector(".situation-bar-fill")!.GetAttribute("style"));
    }

    [Fact]
    public void Overdue_and_supervised_lists_show_number_category_and_town_and_how_many_more()
    {
        var ledger = Ledger();
        var cell = Cells[0];
        for (var i = 0; i < 8; i++)
            ledger.Apply(Card($"C-{i}", "noise", cell, Now.AddHours(-2)) with { DeadlineFrom = Now.AddHours(-2), DeadlineDue = Now.AddMinutes(-10 - i) });
        ledger.Apply(Card("C-ok", "noise", cell, Now.AddHours(-2)) with { DeadlineFrom = Now.AddHours(-2), DeadlineDue = Now.AddMinutes(10) });
        ledger.Apply(Card("C-sup", "garbage", cell, Now.AddHours(-1)) with { Supervision = "尽快处理", SupervisedAt = Now.AddMinutes(-3) });

        var picture = ledger.Picture(Tree.City.Path, Now, new("en"));
        var overdue = Ctx.Render<WatchListPanel>(p => p.Add(x => x.List, picture.Overdue));
        var supervised = Ctx.Render<WatchListPanel>(p => p.Add(x => x.List, picture.Supervised));

        Assert.Equal(8, picture.Overdue.Total);
        // Longest overdue first, six shown, then "and 2 more".
        Assert.Equal("C-7", overdue.FindAll(".situation-watch-row")[0].GetAttribute("data-number"));
        Assert.Equal(6, overdue.FindAll(".situation-watch-row").Count);
        Assert.Contains("2 more", overdue.Find(".situation-more").TextContent);
        Assert.DoesNotContain(overdue.FindAll(".situation-watch-row"), r => r.GetAttribute("data-number") == "C-ok");
        var row = Assert.Single(supervised.FindAll(".situation-watch-row"));
        Assert.Equal("C-sup", row.GetAttribute("data-number"));
        Assert.Contains("Garbage collection", row.TextContent);
        Assert.Contains(Tree.Find(cell.Parent!)!.Name, row.TextContent);
        // The screen's rows carry no address, summary or supervision comment.
        Assert.DoesNotContain("人民路", supervised.Markup + overdue.Markup);
        Assert.DoesNotContain("尽快处理", supervised.Markup);
    }

    [Fact]
    public void The_trend_draws_todays_hours_as_bars_against_the_usual_line()
    {
        var ledger = Ledger();
        var cell = Cells[0];
        // Yesterday at 08:xx, five reports; today at 08:xx, two and at 09:00, one.
        for (var i = 0; i < 5; i++) ledger.Count(cell.Path, "noise", Now.AddDays(-1).AddMinutes(-30 + i));
        ledger.Apply(Card("D-1", "noise", cell, Now.AddMinutes(-40)));
        ledger.Apply(Card("D-2", "noise", cell, Now.AddMinutes(-20)));
        ledger.Apply(Card("D-3", "noise", cell, Now));

        var trend = ledger.Picture(Tree.City.Path, Now, new("en")).Trend;
        var cut = Ctx.Render<TrendChart>(p => p.Add(x => x.Trend, trend));

        Assert.Equal(9, trend.CurrentHour);
        Assert.Equal((2, 1), (trend.Today[8], trend.Today[9]));
        Assert.Equal(Math.Round(5.0 / SurgeSettings.Default.BaselineDays, 1), trend.Usual[8]);
        // Bars up to the current hour (and no further), the usual line over all 24 hours.
        Assert.Equal(10, cut.FindAll("rect.situation-trend-bar").Count);
        Assert.Equal("2", cut.Find("rect[data-hour='8']").GetAttribute("data-count"));
        Assert.Contains("now", cut.Find("rect[data-hour='9']").GetAttribute("class"));
        Assert.Equal(24, cut.Find("[data-testid=trend-usual]").GetAttribute("points")!.Split(' ').Length);
    }

    [Fact]
    public void Units_by_status_leaders_of_the_day_and_surges_in_scope()
    {
        var ledger = Ledger();
        var (home, away) = (Cells[0].Path, Tree.OfKind(JurisdictionKind.District).Last().Path);
        var district = Tree.Lineage(Cells[0].Code)[1].Path;
        UnitRosterEntry Unit(UnitStatus status, string at) => new() { Id = Guid.NewGuid(), CallSign = "U", HomePath = at, Status = status, Version = 1 };
        ledger.Apply(Unit(UnitStatus.Available, home));
        ledger.Apply(Unit(UnitStatus.OnScene, home));
        ledger.Apply(Unit(UnitStatus.OnScene, home));
        ledger.Apply(Unit(UnitStatus.OnScene, away));
        var day = ledger.Day;
        KpiDay Row(string department, string path, int resolved, int onTime) => new()
        {
            Id = $"{department}|{path}", Kind = KpiKind.Department, Day = day, DayNumber = day.DayNumber, Department = department, Path = path,
            Resolved = resolved, ResolvedOnTime = onTime,
        };
        ledger.SetKpis([Row("urban-management", home, 4, 3), Row("water", home, 6, 6), Row("police", away, 9, 9)]);
        var town = Tree.Lineage(Cells[0].Code)[2].Path;
        ledger.Apply(new SurgeCard { Id = Guid.NewGuid(), Town = town, Category = "noise", Active = true, DetectedAt = Now, Count = 9, Usual = 1.5, Version = 1 });

        // A district leader: its own district only.
        var picture = ledger.Picture(district, Now, new("en"));
        var units = Ctx.Render<BarList>(p => p.Add(x => x.Items, picture.UnitsByStatus).Add(x => x.Label, t => t.Key));
        var leaders = Ctx.Render<KpiLeaderList>(p => p.Add(x => x.Leaders, picture.Leaders));
        var surges = Ctx.Render<SurgeBanner>(p => p.Add(x => x.Surges, picture.Surges));

        Assert.Equal("2", units.Find(".situation-bar[data-key=OnScene]").GetAttribute("data-count"));
        Assert.Equal("1", units.Find(".situation-bar[data-key=Available]").GetAttribute("data-count"));
        Assert.Equal(["water", "urban-management"], leaders.FindAll(".situation-leader").Select(l => l.GetAttribute("data-department")));
        Assert.Contains("75% on time", leaders.FindAll(".situation-leader")[1].TextContent);
        var alert = surges.Find("[data-testid=surge]");
        Assert.Equal("true", alert.GetAttribute("data-active"));
        Assert.Contains("Noise", alert.TextContent);
        Assert.Contains(Tree.Find(town.Split('/')[^1])!.Name, alert.TextContent);
        Assert.Empty(ledger.Picture(away, Now, new("en")).Surges);
    }

    [Fact]
    public void The_day_rolls_over_at_midnight_and_keeps_only_what_is_open()
    {
        var ledger = Ledger();
        var cell = Cells[0];
        ledger.Apply(Card("E-1", "noise", cell, Now.AddMinutes(-5)));
        ledger.Apply(Card("E-2", "noise", cell, Now.AddMinutes(-5), open: false) with { ClosedAt = Now });
        var tomorrow = ledger.MidnightOf(ledger.Day.AddDays(1)).AddHours(2);

        Assert.True(ledger.Rollover(tomorrow));

        Assert.Equal(1, ledger.Incidents);
        var picture = ledger.Picture(Tree.City.Path, tomorrow, new("en"));
        Assert.Equal(new DayTotals(0, 0, 0, 0, 1), picture.Totals);
        // Yesterday's reports now make the usual day.
        Assert.True(picture.Trend.Usual.Sum() > 0);
    }

    [Fact]
    public async Task The_screen_follows_commits_live_shows_no_caller_data_and_keeps_to_the_leaders_district()
    {
        var (lat, lon) = (31.2078, 121.4846);
        var placement = Tree.Place(lat, lon);
        var district = placement.District!.Path;
        SignIn(new Actor("situation-leader", "Leader", [new Grant(Role.Leader, district)]));
        var cut = Ctx.Render<SituationPage>();
        cut.WaitForElement("[data-testid=situation][data-interactive=true]", Waits.Push);
        Assert.Equal(district, cut.Find("[data-testid=situation]").GetAttribute("data-scope"));
        int Reported() => int.Parse(cut.Find("[data-testid=total-reported] .situation-figure-value").TextContent);
        var before = Reported();

        var form = Calls.Form(category: "street-vendors") with { Lat = lat, Lon = lon };
        await App.Report(form);
        // Elsewhere in the city: not this leader's.
        var outside = Tree.OfKind(JurisdictionKind.Town).First(t => !AccessRules.Covers(district, t.Path));
        var (olat, olon) = (outside.Boundary.InteriorPoint.Y, outside.Boundary.InteriorPoint.X);
        await App.Report(Calls.Form(category: "street-vendors") with { Lat = olat, Lon = olon });

        cut.WaitForAssertion(() => Assert.Equal(before + 1, Reported()), Waits.Push);
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("[data-testid=panel-category] .situation-bar[data-key=street-vendors]")), Waits.Push);
        Assert.NotEmpty(cut.FindAll($"[data-testid=panel-hotspots] .situation-bar[data-key='{placement.Grid?.Path ?? placement.Town!.Path}']"));
        Assert.DoesNotContain(form.CallerName!, cut.Markup);
        Assert.DoesNotContain(form.CallerPhone!, cut.Markup);
        Assert.DoesNotContain("人民路", cut.Markup);
    }

    [Fact]
    public async Task A_burst_of_one_category_in_one_town_raises_one_surge_alert_on_the_screen()
    {
        var (lat, lon) = (31.2477, 121.4591);
        var town = Tree.Place(lat, lon).Town!.Path;
        SignIn(new Actor("situation-city", "Leader", [new Grant(Role.Leader, Tree.City.Path)]));
        var cut = Ctx.Render<SituationPage>();
        cut.WaitForElement("[data-testid=situation][data-interactive=true]", Waits.Push);
        string Alert(bool active) => $"[data-testid=surge][data-category=gas-leak][data-town='{town}'][data-active={(active ? "true" : "false")}]";

        // No history in this database: the minimum count (5 in the window) is the threshold.
        for (var i = 0; i < SurgeSettings.Default.MinimumCount; i++)
            await App.Report(Calls.Form(category: "gas-leak") with { Lat = lat, Lon = lon });

        cut.WaitForElement(Alert(active: true), Waits.Push);
        // More of the same while it runs: still one alert, one detection on the pair's stream.
        await App.Report(Calls.Form(category: "gas-leak") with { Lat = lat, Lon = lon });
        await using var query = App.Services.GetRequiredService<Marten.IDocumentStore>().QuerySession();
        var events = await query.Events.FetchStreamAsync(new SurgeKey(town, "gas-leak").StreamId);
        Assert.Single(events, e => e.Data is SurgeDetected);
        Assert.Single(cut.FindAll("[data-testid=surge][data-category=gas-leak]"));
    }
}
