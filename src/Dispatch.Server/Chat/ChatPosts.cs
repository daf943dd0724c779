using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Incidents;
using Marten;

namespace Dispatch.Server.Chat;

/// <summary>
/// A command typed in a channel: the line as typed, so its message in the incident's channel shows it; once written,
/// <see cref="Result"/> holds what the message says it did (the chat tells the sender the same words).
/// </summary>
public sealed class ChatLine(string text, IReadOnlyList<Mention>? mentions = null)
{
    public string Text => text;
    public IReadOnlyList<Mention> Mentions => mentions ?? [];
    public ChatResult? Result { get; set; }
}

/// <summary>
/// The messages a command's transaction writes to chat: the platform's announcements (<see cref="SystemMessages"/>) and,
/// for a command typed in chat, its line and what it did, in the incident's channel. Written with the command's events,
/// so a command is never done without its message nor a message posted for a command that failed.
/// </summary>
public static class ChatPosts
{
    /// <param name="line">The command as typed in chat, with who typed it and what to say it did (its result, computed only then).</param>
    public static async Task Write(IDocumentSession session, Incident after, IReadOnlyList<object> events, DateTimeOffset now, CancellationToken ct,
        (Actor Actor, ChatLine Line, Func<ChatResult> Result)? typed = null)
    {
        var posts = SystemMessages.For(after, events)
            .Select(p => new ChannelMessagePosted(p.Channel.Key, MessageKind.System, Mentions.Platform, "", "", [], p.IncidentId, now, p.Result))
            .ToList();
        if (typed is var (actor, line, result))
        {
            var channel = Channels.Incident(after.Id).Key;
            // The command's own message says what it did; the platform does not say it again in the same channel.
            posts.RemoveAll(p => p.Channel == channel);
            line.Result = result();
            posts.Insert(0, new ChannelMessagePosted(channel, MessageKind.Command, actor.Login, actor.Name, line.Text, line.Mentions,
                after.Id, now, line.Result));
        }
        if (posts.Count > 0) await ChatLog.Append(session, posts, ct);
    }
}
