using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Drill;

/// <summary>
/// A board client on /hubs/board (as a wall display or the drill's dispatcher): notes the <see cref="Stopwatch"/> moment
/// each incident's card is first pushed. The push can beat the HTTP answer of the intake, so the first sighting is
/// kept whichever comes first.
/// </summary>
public sealed class BoardListener : IAsyncDisposable
{
    readonly ConcurrentDictionary<Guid, long> _seen = new();
    readonly DispatchClient _session;
    readonly HubConnection _hub;

    BoardListener(DispatchClient session)
    {
        _session = session;
        _hub = new HubConnectionBuilder()
            .WithUrl(new Uri(session.Url, BoardHubMethods.Path), c => c.Cookies = session.Cookies)
            .AddJsonProtocol(p => ContractJson.Configure(p.PayloadSerializerOptions))
            .Build();
        _hub.On<JsonElement>(nameof(IBoardClient<JsonElement>.CardChanged), card =>
        {
            var at = Stopwatch.GetTimestamp();
            if (card.TryGetProperty("id", out var id) && id.TryGetGuid(out var guid)) _seen.TryAdd(guid, at);
        });
    }

    /// <summary>Incidents whose card has been pushed so far.</summary>
    public int Count => _seen.Count;

    public static async Task<BoardListener> Connect(Uri url, string login, string password, CancellationToken ct = default)
    {
        var listener = new BoardListener(await DispatchClient.SignIn(url, login, password, Units.Log, ct));
        try { await listener._hub.StartAsync(ct); }
        catch
        {
            await listener.DisposeAsync();
            throw;
        }
        return listener;
    }

    /// <summary>The moment the incident's card was first pushed, if it was.</summary>
    public bool Seen(Guid incident, out long at) => _seen.TryGetValue(incident, out at);

    /// <summary>Waits until every one of <paramref name="incidents"/> was pushed, or <paramref name="patience"/> passed; true when all were.</summary>
    public async Task<bool> WaitFor(IReadOnlyCollection<Guid> incidents, TimeSpan patience)
    {
        var deadline = Stopwatch.StartNew();
        var missing = incidents.Where(id => !_seen.ContainsKey(id)).ToList();
        while (missing.Count > 0 && deadline.Elapsed < patience)
        {
            await Task.Delay(50);
            missing.RemoveAll(_seen.ContainsKey);
        }
        return missing.Count == 0;
    }

    public async ValueTask DisposeAsync()
    {
        await _hub.DisposeAsync();
        _session.Dispose();
    }
}
