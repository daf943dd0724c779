using System.Globalization;
using AngleSharp.Dom;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Components.Tests;

/// <summary>
/// The deadline cell on a clock the test moves: the server paints the state DeadlineClock gives at its own time
/// (the browser's script takes over from there), and what runs out reaches an open board by push.
/// </summary>
public sealed class DeadlineBoardTests(ClockedDispatchApp app) : ConsoleTest<ClockedDispatchApp>(app)
{
    // The shipped policy: a matter of urgency 3 is acknowledged within 30 minutes of its assignment.
    static readonly TimeSpan Acknowledge = TimeSpan.FromMinutes(30);

    static string Row(string number) => $"[data-testid=board-row][data-number='{number}']";

    static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    // Without a popover provider (one per context): a fresh board per look shows what the server paints first.
    IRenderedComponent<Board> RenderBoard() => Ctx.Render<Board>();

    static IElement Deadline(IRenderedComponent<Board> cut, string number) =>
        cut.WaitForElement($"{Row(number)} [data-testid=deadline]", Waits.Push);

    static string State(IElement deadline) =>
        Assert.Single(deadline.ClassList, c => c is "on-time" or "warning" or "overdue");

    /// <summary>Reported, accepted and assigned now; with <paramref name="level"/> set, commanded there first.</summary>
    async Task<(CommandOutcome.Done Incident, DateTimeOffset AssignedAt)> Assigned(CommandLevel? level = null)
    {
        var reported = await App.Report(Calls.Form(urgency: 3));
        if (level is { } l) await App.Do(reported.Id, new OverrideRouting(l, null, "test", "dispatcher"));
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        var at = App.Time.GetUtcNow();
        await App.Do(reported.Id, new AssignIncident("urban-management", "dispatcher"));
        return (reported, at);
    }

    [Fact]
    public async Task The_first_paint_is_on_time_then_warning_at_80_percent_of_the_time_then_overdue()
    {
        // Commanded by the city: there is no level above, so the deadline is left to run out (the miss is recorded).
        var (incident, assignedAt) = await Assigned(CommandLevel.City);

        var fresh = Deadline(RenderBoard(), incident.Number);
        Assert.Equal("on-time", State(fresh));
        Assert.Equal(Iso(assignedAt), fresh.GetAttribute("data-deadline-from"));
        Assert.Equal(Iso(assignedAt + Acknowledge), fresh.GetAttribute("data-deadline-due"));

        App.Time.Advance(TimeSpan.FromMinutes(23)); // 77 % of the time used
        Assert.Equal("on-time", State(Deadline(RenderBoard(), incident.Number)));

        App.Time.Advance(TimeSpan.FromMinutes(2)); // 83 %
        Assert.Equal("warning", State(Deadline(RenderBoard(), incident.Number)));

        App.Time.Advance(TimeSpan.FromMinutes(6)); // a minute past
        var late = RenderBoard();
        Assert.Equal("overdue", State(Deadline(late, incident.Number)));

        // The overdue filter keeps it, and its count is what it shows.
        // Find and act in one dispatch: the board is live (a push, or its second load after the first render, swaps handlers).
        await late.InvokeAsync(() => late.Find("[data-testid=board-overdue]").Click());
        late.WaitForAssertion(() =>
        {
            Assert.NotEmpty(late.FindAll(Row(incident.Number)));
            var shown = late.FindAll("[data-testid=board-row]").Count;
            Assert.Equal(shown, int.Parse(late.Find("[data-testid=board-overdue-count]").TextContent));
            Assert.Equal(shown, int.Parse(late.Find("[data-testid=board-count]").TextContent));
        });
    }

    [Fact]
    public async Task On_an_open_board_a_deadline_running_out_at_the_city_turns_the_row_overdue_and_counts_it()
    {
        var (incident, _) = await Assigned(CommandLevel.City);
        var cut = RenderBoard();
        Assert.Equal("on-time", State(Deadline(cut, incident.Number)));
        var version = cut.Find(Row(incident.Number)).GetAttribute("data-version");

        App.Time.Advance(Acknowledge + TimeSpan.FromSeconds(1));

        // The deadline watch records the miss (a new version, pushed); the row repaints overdue.
        cut.WaitForAssertion(() =>
        {
            var row = cut.Find(Row(incident.Number));
            Assert.NotEqual(version, row.GetAttribute("data-version"));
            Assert.Equal("overdue", State(row.QuerySelector("[data-testid=deadline]")!));
            Assert.Equal("City", row.QuerySelector("[data-testid=command]")!.GetAttribute("data-level"));
        }, Waits.Push);
        var detail = (await App.Detail(incident.Id))!;
        Assert.Contains(detail.Timeline, e => e.Kind == "DeadlineMissed");

        await cut.InvokeAsync(() => cut.Find("[data-testid=board-overdue]").Click());
        cut.WaitForAssertion(() =>
        {
            Assert.NotEmpty(cut.FindAll(Row(incident.Number)));
            Assert.Equal(cut.FindAll("[data-testid=board-row]").Count, int.Parse(cut.Find("[data-testid=board-overdue-count]").TextContent));
        });
    }

    [Fact]
    public async Task On_an_open_board_a_town_incident_left_unacknowledged_is_escalated_with_a_fresh_deadline()
    {
        var (incident, _) = await Assigned();
        var cut = RenderBoard();
        var row = cut.WaitForElement(Row(incident.Number), Waits.Push);
        Assert.Equal("Town", row.QuerySelector("[data-testid=command]")!.GetAttribute("data-level"));
        Assert.Null(row.QuerySelector("[data-testid=badge-escalated]"));

        var escalatedAt = App.Time.Advance(Acknowledge + TimeSpan.FromSeconds(1));

        cut.WaitForAssertion(() =>
        {
            var now = cut.Find(Row(incident.Number));
            Assert.Equal("District", now.QuerySelector("[data-testid=command]")!.GetAttribute("data-level"));
            Assert.Equal("1", now.QuerySelector("[data-testid=badge-escalated]")!.GetAttribute("data-count"));
            // The district gets the time the assignment gave, from the escalation on.
            var deadline = now.QuerySelector("[data-testid=deadline]")!;
            Assert.Equal("on-time", State(deadline));
            Assert.Equal(Iso(escalatedAt + Acknowledge), deadline.GetAttribute("data-deadline-due"));
        }, Waits.Push);
    }
}
