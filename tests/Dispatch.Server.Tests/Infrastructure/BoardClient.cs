using Dispatch.Server.Incidents;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// A real SignalR client of /hubs/board, as the drill tool or a wall display uses it. It records every pushed
/// card and lets a test wait (with a time-out) for the push it expects.
/// </summary>
public sealed class BoardClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    readonly HubConnection _connection;
    readonly Lock _gate = new();
    readonly List<IncidentCard> _received = [];
    readonly List<(Func<IncidentCard, bool> Match, TaskCompletionSource<IncidentCard> Done)> _waiting = [];
    readonly List<Guid> _left = [];
    /// <summary>The board this client holds: caught up by <c>Board()</c>, then kept by the pushes (newest version wins).</summary>
    readonly Dictionary<Guid, IncidentCard> _held = [];
    readonly Dictionary<Guid, TaskCompletionSource> _leaving = [];
    readonly TaskCompletionSource _resync = new(TaskCreationOptions.RunContinuationsAsynchronously);

    BoardClient(Uri baseAddress, System.Net.CookieContainer cookies)
    {
        _connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, BoardHubMethods.Path), o => o.Cookies = cookies)
            .AddJsonProtocol(o => ContractJson.Configure(o.PayloadSerializerOptions))
            .Build();
        _connection.On<IncidentCard>(nameof(IBoardClient<IncidentCard>.CardChanged), OnCardChanged);
        _connection.On(nameof(IBoardClient<IncidentCard>.Resync), () => { lock (_gate) _resync.TrySetResult(); });
        _connection.On<Guid>(nameof(IBoardClient<IncidentCard>.CardLeft), id =>
        {
            lock (_gate)
            {
                _left.Add(id);
                _held.Remove(id);
                if (_leaving.Remove(id, out var done)) done.TrySetResult();
            }
        });
    }

    public HubConnection Connection => _connection;

    /// <summary>
    /// Connects and catches up with <c>Board()</c>, as the hub's contract asks. The hub only dispatches an
    /// invocation after its OnConnectedAsync (which joins the board group), so once <c>Board()</c> answers
    /// this client is certain to receive every later change.
    /// </summary>
    public static async Task<BoardClient> Connect(DispatchApp app, string login = DispatchApp.DefaultUser, params Dispatch.Domain.Access.Grant[] grants)
    {
        var client = new BoardClient(app.BaseAddress, await app.SignIn(login, grants));
        await client._connection.StartAsync().WaitAsync(Patience);
        await client.Board();
        return client;
    }

    public async Task<IReadOnlyList<IncidentCard>> Board()
    {
        var board = await _connection.InvokeAsync<IReadOnlyList<IncidentCard>>(BoardHubMethods.Board).WaitAsync(Patience);
        lock (_gate) foreach (var card in board) Hold(card);
        return board;
    }

    /// <summary>The open incidents this client's board shows now, as a board client keeps them from the pushes.</summary>
    public IReadOnlyList<IncidentCard> Held()
    {
        lock (_gate) return [.. _held.Values.Where(c => c.IsOpen)];
    }

    void Hold(IncidentCard card)
    {
        if (_held.TryGetValue(card.Id, out var known) && known.Version >= card.Version) return;
        _held[card.Id] = card;
    }

    /// <summary>The incidents the server said left this client's scope.</summary>
    public IReadOnlyList<Guid> Left()
    {
        lock (_gate) return [.. _left];
    }

    /// <summary>Completes when the server says <paramref name="id"/> left this client's scope (already or still to come).</summary>
    public Task WhenLeft(Guid id)
    {
        lock (_gate)
        {
            if (_left.Contains(id)) return Task.CompletedTask;
            if (!_leaving.TryGetValue(id, out var done))
                _leaving[id] = done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return done.Task.WaitAsync(Patience);
        }
    }

    public IReadOnlyList<IncidentCard> Received()
    {
        lock (_gate) return [.. _received];
    }

    /// <summary>The first pushed card (already received or still to come) that matches.</summary>
    public Task<IncidentCard> Next(Func<IncidentCard, bool> match)
    {
        var done = new TaskCompletionSource<IncidentCard>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_received.FirstOrDefault(match) is { } card) return Task.FromResult(card);
            _waiting.Add((match, done));
        }
        return done.Task.WaitAsync(Patience);
    }

    /// <summary>The push of <paramref name="id"/> at exactly <paramref name="version"/>.</summary>
    public Task<IncidentCard> CardAt(Guid id, long version) => Next(c => c.Id == id && c.Version == version);

    /// <summary>Completes when the server tells this client to reload (<c>Resync</c>).</summary>
    public Task ResyncRequested()
    {
        lock (_gate) return _resync.Task.WaitAsync(Patience);
    }

    void OnCardChanged(IncidentCard card)
    {
        lock (_gate)
        {
            _received.Add(card);
            Hold(card);
            foreach (var waiter in _waiting.Where(w => w.Match(card)).ToList())
            {
                _waiting.Remove(waiter);
                waiter.Done.TrySetResult(card);
            }
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}
