using System.Security.Cryptography;
using System.Text;
using Dispatch.Domain.Chat;
using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Chat;

/// <summary>
/// A channel's head: what the channel list needs without reading messages (its last number and when it last spoke).
/// Kept inline with each message, and the document that <see cref="ChatLog.Append"/> locks to number messages in order.
/// </summary>
public sealed record ChannelHead
{
    public Guid Id { get; init; }
    public string Key { get; init; } = "";
    public ChannelKind Kind { get; init; }
    public Guid? IncidentId { get; init; }
    public long LastSeq { get; init; }
    public DateTimeOffset LastAt { get; init; }
}

/// <summary>How far one person has read one channel.</summary>
public sealed class ChatReadMark
{
    /// <summary><c>login|channel key</c>.</summary>
    public string Id { get; set; } = "";
    public string Login { get; set; } = "";
    public string Channel { get; set; } = "";
    public long LastRead { get; set; }

    public static string IdOf(string login, string channel) => $"{login}|{channel}";
}

public sealed class ChannelHeadProjection : SingleStreamProjection<ChannelHead, Guid>
{
    public override ChannelHead? Evolve(ChannelHead? head, Guid id, IEvent e)
    {
        if (e.Data is not ChannelMessagePosted posted) return head;
        var channel = head is null ? Channels.Parse(posted.Channel) : null;
        return new ChannelHead
        {
            Id = id, Key = posted.Channel, Kind = head?.Kind ?? channel?.Kind ?? ChannelKind.Direct,
            IncidentId = head?.IncidentId ?? channel?.IncidentId, LastSeq = e.Version, LastAt = posted.At,
        };
    }
}

/// <summary>
/// Writing to channels: each channel is an event stream whose id is derived from its key, so every node names it the
/// same without a lookup. A message is appended under the stream's lock inside the caller's transaction (a command and the
/// message that reports it commit together or not at all), and a NOTIFY tells every node's <see cref="ChatFeed"/>.
/// </summary>
public static class ChatLog
{
    public const string NotifyChannel = "dispatch_chat";

    /// <summary>The channel's stream id: a name-based (version 5 style) Guid of its key.</summary>
    public static Guid StreamId(string key)
    {
        var hash = SHA1.HashData(Encoding.UTF8.GetBytes("dispatch-chat:" + key));
        hash[6] = (byte)(hash[6] & 0x0F | 0x50);
        hash[8] = (byte)(hash[8] & 0x3F | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    /// <summary>
    /// Two transactions both opened a channel that had no stream yet (its first message): one commits, the other fails on
    /// the stream's key and nothing of it is written. The caller decides again and appends to the now existing stream.
    /// </summary>
    public static bool IsNewChannelRace(Exception ex) =>
        ex is Marten.Exceptions.ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException
        || ex.InnerException is { } inner && IsNewChannelRace(inner)
        || ex is Npgsql.PostgresException { SqlState: "23505", ConstraintName: { } c } && c.Contains("mt_streams", StringComparison.Ordinal);

    /// <summary>
    /// Appends <paramref name="messages"/> in the session's transaction and returns their numbers. Channels are locked in
    /// the order of their stream ids, so two transactions writing to the same two channels never wait on each other in a circle.
    /// </summary>
    public static async Task<IReadOnlyList<long>> Append(IDocumentSession session, IReadOnlyList<ChannelMessagePosted> messages, CancellationToken ct = default)
    {
        var numbers = new long[messages.Count];
        var byChannel = messages.Select((m, i) => (m, i)).GroupBy(x => StreamId(x.m.Channel)).OrderBy(g => g.Key);
        foreach (var channel in byChannel)
        {
            var stream = await session.Events.FetchForExclusiveWriting<ChannelHead>(channel.Key, ct);
            var next = stream.StartingVersion ?? 0;
            foreach (var (message, index) in channel)
            {
                stream.AppendOne(message);
                numbers[index] = ++next;
            }
            session.QueueSqlCommand($"NOTIFY {NotifyChannel}, '{channel.Key}/{(stream.StartingVersion ?? 0) + 1}/{next}'");
        }
        return numbers;
    }
}
