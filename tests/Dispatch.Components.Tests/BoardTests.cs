using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The dispatcher board kept current by pushes: each change is a real commit whose NOTIFY reaches the app's change
/// feed, which pushes the card into the rendered board. Nothing here sleeps: it waits for the row, with a timeout.
/// </summary>
public sealed class BoardTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    static string Row(string number) => $"[data-testid=board-row][data-number='{number}']";

    /// <summary>The board once it is live: first render done and subscribed (the count shows what it loaded).</summary>
    IRenderedComponent<TestHost> RenderBoard() => Ctx.RenderWithPopovers<Board>();

    [Fact]
    public async Task Given_an_open_board_When_an_incident_is_reported_elsewhere_Then_its_row_appears_without_a_reload()
    {
        var cut = RenderBoard();

        var reported = await App.Report(Calls.Form(category: "gas-leak", urgency: 4));

        var row = cut.WaitForElement(Row(reported.Number), Waits.Push);
        Assert.Equal("Reported", row.GetAttribute("data-state"));
        Assert.Contains("Gas leak", row.TextContent);
        Assert.NotNull(row.QuerySelector(".urgency-4"));
        Assert.NotNull(row.QuerySelector(".age[data-since]"));
        // The count follows: every open incident in the store, this one included.
        var open = await App.OpenIncidents();
        cut.WaitForAssertion(() => Assert.Equal(open, int.Parse(cut.Find("[data-testid=board-count]").TextContent)), Waits.Push);
    }

    [Fact]
    public async Task Given_a_row_on_the_board_When_its_incident_is_accepted_Then_its_state_cell_updates()
    {
        var reported = await App.Report();
        var cut = RenderBoard();
        cut.WaitForElement(Row(reported.Number), Waits.Push);

        await App.Do(reported.Id, new AcceptIncident("dispatcher-2"));

        cut.WaitForAssertion(() =>
        {
            var row = cut.Find(Row(reported.Number));
            Assert.Equal("Accepted", row.GetAttribute("data-state"));
            Assert.Equal("Accepted", row.QuerySelector(".state-chip")!.GetAttribute("data-state"));
            Assert.Equal("Accepted", row.QuerySelector(".state-chip")!.TextContent.Trim());
        }, Waits.Push);
    }

    [Fact]
    public async Task Given_a_row_on_the_board_When_its_incident_is_cancelled_Then_the_row_leaves_the_board()
    {
        var reported = await App.Report();
        var cut = RenderBoard();
        cut.WaitForElement(Row(reported.Number), Waits.Push);

        await App.Do(reported.Id, new CancelIncident(CancelReason.Invalid, "prank call", "dispatcher-2"));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(Row(reported.Number))), Waits.Push);
    }

    [Fact]
    public async Task Given_a_returned_incident_When_the_board_shows_it_Then_it_carries_the_returned_badge()
    {
        var reported = await App.Report();
        await App.Do(reported.Id, new AcceptIncident("dispatcher"));
        await App.Do(reported.Id, new AssignIncident("urban-management", "dispatcher"));
        var cut = RenderBoard();
        cut.WaitForElement(Row(reported.Number), Waits.Push);
        Assert.Empty(cut.Find(Row(reported.Number)).QuerySelectorAll("[data-testid=badge-returned]"));

        await App.Do(reported.Id, new ReturnIncident("urban-management", "not ours", "urban-desk"));

        cut.WaitForAssertion(() =>
            Assert.NotNull(cut.Find(Row(reported.Number)).QuerySelector("[data-testid=badge-returned]")), Waits.Push);
    }

    [Fact]
    public async Task Given_a_board_that_missed_a_change_while_disconnected_When_the_connection_comes_back_Then_it_reloads()
    {
        var cut = RenderBoard();
        var circuit = Ctx.Services.GetRequiredService<ConsoleCircuit>();
        await circuit.OnConnectionUpAsync(null!, CancellationToken.None); // the first connection: nothing to catch up
        // A change the board never hears about: committed without a change notice, as if sent while offline.
        var id = Guid.CreateVersion7();
        var number = $"29991231-{Random.Shared.Next(1000, 9999)}";
        await using (var session = App.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream<Incident>(id, IncidentDecider.Report(new ReportIncident(id, number, Channel.Hotline,
                new Caller(null, null), null, "北城区和平街 17 弄", "noise", "夜间施工噪声。", Urgency.Low, "offline"), DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }
        Assert.Empty(cut.FindAll(Row(number)));

        await circuit.OnConnectionUpAsync(null!, CancellationToken.None);

        cut.WaitForElement(Row(number), Waits.Push);
    }

    [Fact]
    public async Task Given_filters_When_a_state_is_chosen_Then_only_its_rows_show_and_the_counts_agree()
    {
        var reported = await App.Report();
        var accepted = await App.Report();
        await App.Do(accepted.Id, new AcceptIncident("dispatcher"));
        var cut = RenderBoard();
        cut.WaitForElement(Row(accepted.Number), Waits.Push);

        // Find and act in one dispatch: the board is live (a push, or its second load after the first render, swaps handlers).
        await cut.InvokeAsync(() => cut.Find("[data-testid=board-state-filter][data-state=Accepted]").Click());

        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll(Row(reported.Number)));
            Assert.NotEmpty(cut.FindAll(Row(accepted.Number)));
            Assert.All(cut.FindAll("[data-testid=board-row]"), r => Assert.Equal("Accepted", r.GetAttribute("data-state")));
            var shown = int.Parse(cut.Find("[data-testid=board-count]").TextContent);
            Assert.Equal(cut.FindAll("[data-testid=board-row]").Count, shown);
            Assert.Equal(shown, int.Parse(cut.Find("[data-testid=board-state-count][data-state=Accepted]").TextContent));
        });
    }

    [Fact]
    public async Task Given_a_chinese_console_When_a_change_is_pushed_Then_the_row_is_rendered_in_chinese()
    {
        // The push arrives on the change feed's thread, whose culture is not the console's.
        await Ctx.DisposeAsync();
        Ctx = ConsoleContext.For(App, "zh-CN");
        var cut = RenderBoard();

        var reported = await App.Report(Calls.Form(category: "gas-leak"));

        var row = cut.WaitForElement(Row(reported.Number), Waits.Push);
        Assert.Contains("燃气泄漏", row.TextContent);
        Assert.Equal("待受理", row.QuerySelector(".state-chip")!.TextContent.Trim());
    }
}
