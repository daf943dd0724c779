using System.Threading.Channels;
using Dispatch.Domain.Chat;
using Dispatch.Server.Live;
using Marten;
using Npgsql;

namespace Dispatch.Server.Chat;

/// <summary>
/// Chat's live push on this node: it LISTENs on <see cref="ChatLog.NotifyChannel"/>, loads each committed message once,
/// works out who may read its channel, and hands it to every subscriber (console circuits, chat hub connections), which
/// keep only what their reader may see. Nothing polls; a subscriber that may have missed messages (the listener lost its
/// connection) is called with null and reloads.
/// </summary>
public sealed class ChatFeed(NpgsqlDataSource db, IDocumentStore store, ChannelDirectory directory, ILogger<ChatFeed> log) : BackgroundService
{
    readonly Channel<(Guid Stream, long First, long Last)> _notices =
        System.Threading.Channels.Channel.CreateUnbounded<(Guid, long, long)>(new() { SingleReader = true });
    readonly Subscribers<ChatDelivery?> _subscribers = new(log, "chat");
    NotificationListener? _listener;

    public IDisposable Subscribe(Func<ChatDelivery?, Task> onMessage) => _subscribers.Add(onMessage);

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [ChatLog.NotifyChannel], OnNotice, () => Publish(null), log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    /// <summary>Payload <c>{stream id}/{first}/{last}</c>: the numbers one commit wrote to one channel.</summary>
    void OnNotice(string channel, string payload)
    {
        var parts = payload.Split('/');
        if (parts.Length == 3 && Guid.TryParse(parts[0], out var stream) && long.TryParse(parts[1], out var first) && long.TryParse(parts[2], out var last))
            _notices.Writer.TryWrite((stream, first, last));
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var fanOut = FanOut();
        await _listener!.RunAsync(ct);
        _notices.Writer.TryComplete();
        await fanOut;
    }

    async Task FanOut()
    {
        while (await _notices.Reader.WaitToReadAsync(CancellationToken.None))
        {
            while (_notices.Reader.TryRead(out var notice))
            {
                try
                {
                    await using var query = store.QuerySession();
                    var events = await query.Events.QueryAllRawEvents()
                        .Where(e => e.StreamId == notice.Stream && e.Version >= notice.First && e.Version <= notice.Last)
                        .OrderBy(e => e.Version).ToListAsync();
                    ChannelContext? context = null;
                    foreach (var e in events)
                    {
                        if (e.Data is not ChannelMessagePosted posted) continue;
                        context ??= await directory.Context(query, posted.Channel);
                        if (context is not null) await Publish(new ChatDelivery(ChatMessage.Of(e.Version, posted), context));
                    }
                }
                catch (Exception ex) { log.LogError(ex, "Could not push chat messages {First}–{Last} of {Stream}", notice.First, notice.Last, notice.Stream); }
            }
        }
    }

    Task Publish(ChatDelivery? delivery) => _subscribers.Publish(delivery);
}
