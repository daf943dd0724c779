using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Infrastructure;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Live;

/// <summary>
/// Every commit is pushed: PostgreSQL NOTIFY in the commit's transaction → LISTEN → SignalR /hubs/board
/// <c>CardChanged</c> (and in-process subscribers). Real SignalR clients, no polling.
/// </summary>
public sealed class BoardPushTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task A_board_client_receives_the_new_card_after_an_intake()
    {
        await using var board = await BoardClient.Connect(app);

        var incident = await app.Client().ReportOk(Api.Report(category: "gas-leak", urgency: 4));

        var card = await board.Next(c => c.Id == incident.Id);
        Assert.Equal(incident.Number, card.Number);
        Assert.Equal(IncidentState.Reported, card.State);
        Assert.Equal(Urgency.Critical, card.Urgency);
        Assert.Equal("gas-leak", card.Category);
        // One push for the intake's one commit, at its last version (reported, then placed).
        Assert.Equal(incident.Version, card.Version);
        Assert.Equal(Api.IntakeVersion, card.Version);
        Assert.Equal("dh", card.Place?.District);
        Assert.True(card.IsOpen);
    }

    [Fact]
    public async Task A_board_client_receives_the_changed_card_after_a_command()
    {
        var incident = await app.Client().Accepted();
        await using var board = await BoardClient.Connect(app);

        var assigned = await app.Client("dispatcher-push").CommandOk(incident.Id, "assign", new { department = "water" });

        var card = await board.CardAt(incident.Id, assigned.Version);
        Assert.Equal(incident.Version + 1, card.Version);
        Assert.Equal(IncidentState.Assigned, card.State);
        Assert.Equal("water", card.LeadDepartment);
        Assert.Equal("dispatcher-push", card.UpdatedBy);
    }

    [Fact]
    public async Task Each_step_of_the_loop_is_pushed_in_turn_up_to_the_closed_card()
    {
        await using var board = await BoardClient.Connect(app);

        var closed = await app.Client().Closed();

        // Reported and placed (one commit), accepted, assigned, acknowledged, resolved, callback, closed: versions 2 to 8.
        Assert.Equal(Api.IntakeVersion + 6, closed.Version);
        var last = await board.CardAt(closed.Id, closed.Version);
        Assert.Equal(IncidentState.Closed, last.State);
        Assert.False(last.IsOpen);
        var versions = board.Received().Where(c => c.Id == closed.Id).Select(c => c.Version).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(Api.IntakeVersion, versions[0]);
    }

    /// <summary>
    /// Written against the wire contract only (HubConnectionBuilder, JSON protocol with string enums, the
    /// "CardChanged" and "Board" names), without <see cref="BoardClient"/>, so it also checks that helper's
    /// assumptions.
    /// </summary>
    [Fact]
    public async Task Two_board_clients_both_receive_the_change()
    {
        var cookies = await app.SignIn();
        var connections = Enumerable.Range(0, 2).Select(_ => new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/board"), o => o.Cookies = cookies)
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .Build()).ToList();
        // Each client collects what it is pushed; the push can arrive before the POST has answered.
        var pushed = connections.Select(connection =>
        {
            var cards = new List<IncidentCard>();
            var arrived = new SemaphoreSlim(0);
            connection.On<IncidentCard>("CardChanged", c =>
            {
                lock (cards) cards.Add(c);
                arrived.Release();
            });
            return (Cards: cards, Arrived: arrived);
        }).ToList();
        async Task<IncidentCard> Pushed((List<IncidentCard> Cards, SemaphoreSlim Arrived) client, Guid id)
        {
            while (true)
            {
                lock (client.Cards)
                    if (client.Cards.FirstOrDefault(c => c.Id == id) is { } card) return card;
                Assert.True(await client.Arrived.WaitAsync(BoardClient.Patience), $"no push of {id} within {BoardClient.Patience}");
            }
        }
        try
        {
            foreach (var connection in connections)
            {
                await connection.StartAsync().WaitAsync(BoardClient.Patience);
                // Answered only after the hub's OnConnectedAsync joined this connection to the board.
                await connection.InvokeAsync<List<IncidentCard>>("Board").WaitAsync(BoardClient.Patience);
            }

            var incident = await app.Client().ReportOk();

            var cards = await Task.WhenAll(pushed.Select(client => Pushed(client, incident.Id)));
            Assert.All(cards, c => Assert.Equal((incident.Number, incident.Version, IncidentState.Reported), (c.Number, c.Version, c.State)));
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_Board_method_returns_the_open_cards_for_catch_up()
    {
        var open = await app.Client().Assigned();
        var closed = await app.Client().Closed();
        await using var board = await BoardClient.Connect(app);

        var cards = await board.Board();

        var card = Assert.Single(cards, c => c.Id == open.Id);
        Assert.Equal((IncidentState.Assigned, open.Version, open.Number), (card.State, card.Version, card.Number));
        Assert.DoesNotContain(cards, c => c.Id == closed.Id);
        Assert.All(cards, c => Assert.True(c.IsOpen));
    }

    [Fact]
    public async Task After_a_reconnect_Board_catches_up_with_what_happened_while_away()
    {
        await using var board = await BoardClient.Connect(app);
        var before = await app.Client().Reported();
        await board.CardAt(before.Id, before.Version);
        await board.Connection.StopAsync();

        var whileAway = await app.Client().ReportOk();
        var acceptedWhileAway = await app.Client().CommandOk(before.Id, "accept");
        await board.Connection.StartAsync().WaitAsync(BoardClient.Patience);
        var cards = await board.Board();

        Assert.Contains(cards, c => c.Id == whileAway.Id && c.Version == whileAway.Version);
        Assert.Contains(cards, c => c.Id == before.Id && c.Version == acceptedWhileAway.Version && c.State == IncidentState.Accepted);
        // …and it is live again.
        var next = await app.Client().CommandOk(whileAway.Id, "accept");
        await board.CardAt(whileAway.Id, next.Version);
    }

    [Fact]
    public async Task A_refused_command_pushes_nothing()
    {
        var refused = await app.Client().Accepted();
        var other = await app.Client().Reported();
        await using var board = await BoardClient.Connect(app);

        using (var response = await app.Client().Command(refused.Id, "close")) await response.Refusal("close.not-resolved");
        using (var response = await app.Client().Command(refused.Id, "assign", new { department = "atlantis" })) await response.FieldErrors();
        // A later commit is pushed after anything the refused commands could have caused.
        var accepted = await app.Client().CommandOk(other.Id, "accept");
        await board.CardAt(other.Id, accepted.Version);

        Assert.DoesNotContain(board.Received(), c => c.Id == refused.Id);
    }

    [Fact]
    public async Task A_replayed_intake_pushes_nothing_new()
    {
        var key = Api.Unique("key");
        var report = Api.Report();
        await using var board = await BoardClient.Connect(app);
        using (var first = await app.Client().PostReport(report, key)) await first.ShouldBe(System.Net.HttpStatusCode.Created);
        var created = await board.Next(c => c.Summary == report["description"]!.GetValue<string>());

        using (var again = await app.Client().PostReport(report, key)) await again.ShouldBe(System.Net.HttpStatusCode.OK);
        var marker = await app.Client().ReportOk();
        await board.CardAt(marker.Id, marker.Version);

        Assert.Single(board.Received(), c => c.Id == created.Id);
    }

    [Fact]
    public async Task An_in_process_subscriber_receives_the_changed_card()
    {
        var feed = app.Services.GetRequiredService<IncidentChangeFeed>();
        var incident = await app.Client().Reported();
        var pushed = new TaskCompletionSource<IncidentCard>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = feed.Subscribe(card =>
        {
            if (card is { } c && c.Id == incident.Id && c.Version == incident.Version + 1) pushed.TrySetResult(c);
            return Task.CompletedTask;
        });

        await app.Client().CommandOk(incident.Id, "accept");

        var card = await pushed.Task.WaitAsync(BoardClient.Patience);
        Assert.Equal(IncidentState.Accepted, card.State);
    }

    [Fact]
    public async Task A_subscriber_that_unsubscribed_hears_no_more()
    {
        var feed = app.Services.GetRequiredService<IncidentChangeFeed>();
        var incident = await app.Client().Reported();
        var heard = new List<IncidentCard?>();
        var gone = feed.Subscribe(card => { lock (heard) heard.Add(card); return Task.CompletedTask; });
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var still = feed.Subscribe(card =>
        {
            if (card?.Id == incident.Id && card.Version == incident.Version + 1) later.TrySetResult();
            return Task.CompletedTask;
        });

        gone.Dispose();
        await app.Client().CommandOk(incident.Id, "accept");

        // Subscribers are called in the order they subscribed: once the later one heard it, the earlier would have.
        await later.Task.WaitAsync(BoardClient.Patience);
        // (The intake's own push may still reach it before it unsubscribed; the accept must not.)
        lock (heard) Assert.DoesNotContain(heard, c => c?.Id == incident.Id && c.Version == incident.Version + 1);
    }
}
