using System.Globalization;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Components.Shared;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The units on a board row: a chip per unit (call sign and status), and a red flag on one over its status timer with
/// how long it has been in that status (ticking in the browser) and its limit; on an open board the flag arrives by push.
/// </summary>
public sealed class UnitChipsTests(ClockedDispatchApp app) : ConsoleTest<ClockedDispatchApp>(app)
{
    static readonly DateTimeOffset Sent = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero); // 09:00 in Shanghai
    static readonly Guid Late = Guid.Parse("00000000-0000-0000-0000-0000000000a1"), Going = Guid.Parse("00000000-0000-0000-0000-0000000000a2");

    static IReadOnlyList<IncidentUnit> Units() =>
    [
        new(Late, "东湖-城管-03", UnitStatus.Dispatched, Sent, TimeSpan.FromMinutes(5), Overdue: true),
        new(Going, "东湖-城管-04", UnitStatus.EnRoute, Sent.AddMinutes(2), Limit: null),
    ];

    static string Text(AngleSharp.Dom.IElement element) => string.Join(" ", element.TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    [Fact]
    public void A_board_row_shows_each_unit_as_a_chip_and_flags_the_overdue_one_in_red_with_its_ticking_time_and_limit()
    {
        var card = new IncidentCard
        {
            Id = Guid.NewGuid(), Number = "20261123-0042", State = IncidentState.Acknowledged, Category = "road-damage",
            Urgency = Urgency.High, LeadDepartment = "urban-management", ReportedAt = Sent.AddMinutes(-10), Units = Units(),
        };

        var html = Ctx.Services.GetRequiredService<BoardRowMarkup>().Row(card, selected: false, fresh: false, Ctx.Services.GetRequiredService<TimeProvider>().GetUtcNow());
        var row = Ctx.Render(b =>
        {
            b.OpenElement(0, "table");
            b.OpenElement(1, "tbody");
            b.AddMarkupContent(2, html.Value);
            b.CloseElement();
            b.CloseElement();
        });

        var chips = row.FindAll("[data-testid=board-row] [data-testid=unit-chip]");
        Assert.Equal(2, chips.Count);
        var late = chips[0];
        Assert.Equal(("true", "Dispatched"), (late.GetAttribute("data-overdue"), late.GetAttribute("data-status")));
        Assert.Contains("unit-overdue", late.ClassList);
        Assert.NotNull(late.QuerySelector("[data-testid=unit-overdue]"));
        // "⚑ 东湖-城管-03 dispatched 6:12, not en route": the browser fills the time from when it was sent.
        Assert.Equal("⚑ 东湖-城管-03 dispatched , not en route", Text(late));
        Assert.Equal(Sent.UtcDateTime.ToString("O", CultureInfo.InvariantCulture), late.QuerySelector("[data-since]")!.GetAttribute("data-since"));
        Assert.Equal("Overdue: the limit is 5 min (ran out at 09:05)", late.GetAttribute("title"));

        var going = chips[1];
        Assert.Equal(("false", "EnRoute"), (going.GetAttribute("data-overdue"), going.GetAttribute("data-status")));
        Assert.DoesNotContain("unit-overdue", going.ClassList);
        Assert.Equal("东湖-城管-04 en route", Text(going));
        Assert.Equal("since 09:02", going.GetAttribute("title"));
    }

    [Fact]
    public void On_a_Chinese_console_the_chips_and_the_flag_read_in_Chinese()
    {
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("zh-CN");

        var chips = Ctx.Render<UnitChips>(p => p.Add(c => c.Units, Units())).FindAll("[data-testid=unit-chip]");

        Assert.Equal("⚑ 东湖-城管-03 已派出 ，未出发", Text(chips[0]));
        Assert.Equal("东湖-城管-04 在途", Text(chips[1]));
    }

    [Fact]
    public void A_row_without_units_shows_no_chips()
    {
        var row = Ctx.Render<UnitChips>(p => p.Add(c => c.Units, []));

        Assert.Empty(row.FindAll("[data-testid=unit-chips]"));
    }

    [Fact]
    public async Task On_an_open_board_a_unit_left_dispatched_for_five_minutes_is_flagged_by_push()
    {
        var reported = await App.Report(Calls.Form(urgency: 2));
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        await App.Do(reported.Id, new AssignIncident("urban-management", "dispatcher"));
        await App.Do(reported.Id, new AcknowledgeIncident("urban-management", "handler"));
        var units = App.Services.GetRequiredService<UnitService>();
        var dispatcher = new Actor("dispatcher", "dispatcher", App.Everything());
        var unit = Guid.NewGuid();
        var home = App.Services.GetRequiredService<JurisdictionTree>().City.Path;
        Assert.IsType<UnitOutcome.Done>(await units.Register(dispatcher,
            new RegisterUnit(unit, "东湖-城管-07", "urban-management", home, ["enforcement"], ["王强"], "dispatcher")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(dispatcher, unit, new GoOnDuty("dispatcher")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(dispatcher, unit, new DispatchUnit(reported.Id, "", "dispatcher")));

        var board = Ctx.Render<Board>();
        var chip = $"[data-testid=board-row][data-number='{reported.Number}'] [data-testid=unit-chip][data-unit='{unit}']";
        Assert.Equal("false", board.WaitForElement(chip, Waits.Push).GetAttribute("data-overdue"));

        App.Time.Advance(TimeSpan.FromMinutes(5));

        board.WaitForAssertion(() =>
        {
            var flagged = board.Find(chip);
            Assert.Equal("true", flagged.GetAttribute("data-overdue"));
            Assert.Contains("东湖-城管-07 dispatched", Text(flagged));
        }, Waits.Push);
    }
}
