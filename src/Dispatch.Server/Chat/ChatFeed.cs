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
public sealed class ChatFeed(NpgsqlDataSource db, IDocumentStore store, ChannelDirectory directory, ILogger<ChatFeed> log)
    : LiveFeed<(Guid Stream, long First, long Last), ChatDelivery>(db, ChatLog.NotifyChannel, "chat", log)
{
    // One commit's notice at a time: each is one query of its own stream's range.
    protected override int BatchSize => 1;

    /// <summary>Payload <c>{stream id}/{first}/{last}</c>: the numbers one commit wrote to one channel.</summary>
    protected override bool TryRead(string payload, out (Guid Stream, long First, long Last) notice)
    {
        notice = default;
        var parts = payload.Split('/');
        if (parts.Length != 3 || !Guid.TryParse(parts[0], out var stream) || !long.TryParse(parts[1], out var first)
            || !long.TryParse(parts[2], out var last)) return false;
        notice = (stream, first, last);
        return true;
    }

    protected override async IAsyncEnumerable<ChatDelivery> Load(IReadOnlyCollection<(Guid Stream, long First, long Last)> batch)
    {
        foreach (var notice in batch)
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
                if (context is not null) yield return new ChatDelivery(ChatMessage.Of(e.Version, posted), context);
            }
        }
    }

    protected override void LogFailure(Exception ex, IReadOnlyCollection<(Guid Stream, long First, long Last)> batch)
    {
        foreach (var notice in batch)
            Log.LogError(ex, "Could not push chat messages {First}–{Last} of {Stream}", notice.First, notice.Last, notice.Stream);
    }
}
