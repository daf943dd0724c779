
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Components.Dispatching;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The node's one copy of the open cards (<see cref="OpenIncidents"/>), shared by every board: kept current by the change
/// feed before any board hears a change, and the same instances on every board (no copy per circuit).
/// </summary>
public sealed class OpenIncidentsTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task Given_the_shared_open_cards_When_an_incident_is_reported_and_then_cancelled_Then_the_copy_follows_each_change_as_it_is_published()
    {
        var open = app.Services.GetRequiredService<OpenIncidents>();
        await open.All();
        var published = System.Threading.Channels.Channel.CreateUnbounded<IncidentCard>();
        using var listening = app.Services.GetRequiredService<IncidentChangeFeed>()
            .Subscribe(card => { if (card is not null) published.Writer.TryWrite(card); return Task.CompletedTask; });

        var reported = await app.Report();
        await Heard(published, reported.Id, reported.Version);
        // Applied before the feed's subscribers hear it: a board that reads now has it.
        Assert.Contains(await open.All(), c => c.Id == reported.Id && c.Version == reported.Version);

        var cancelled = await app.Do(reported.Id, new CancelIncident(CancelReason.Invalid, "prank call", "dispatcher-2"));
        await Heard(published, reported.Id, cancelled.Version);
        Assert.DoesNotContain(await open.All(), c => c.Id == reported.Id);
    }

    [Fact]
    public async Task Given_two_open_boards_When_they_show_the_same_incident_Then_both_rows_hold_the_same_card_instance()
    {
        var reported = await app.Report(Calls.Form(urgency: 4));
        await using var first = ConsoleContext.For(app);
        await using var second = ConsoleContext.For(app);
        var one = first.RenderWithPopovers<Board>();
        var two = second.RenderWithPopovers<Board>();
        var row = $"[data-testid=board-row][data-number='{reported.Number}']";
        one.WaitForElement(row, Waits.Push);
        two.WaitForElement(row, Waits.Push);

        Assert.Same(Shown(one, reported.Id), Shown(two, reported.Id));
    }

    // The card a board holds for its row (its rows are HTML: the card is in the board's own list).
    static IncidentCard Shown(IRenderedComponent<TestHost> host, Guid id)
    {
        var board = host.FindComponent<Board>().Instance;
        var cards = (BoardCards)typeof(Board).GetField("_board", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(board)!;
        return cards.Find(id) ?? throw new InvalidOperationException($"the board holds no card {id}");
    }

    static async Task Heard(System.Threading.Channels.Channel<IncidentCard> published, Guid id, long version)
    {
        using var patience = new CancellationTokenSource(Waits.Push);
        await foreach (var card in published.Reader.ReadAllAsync(patience.Token))
            if (card.Id == id && card.Version >= version) return;
    }
}
