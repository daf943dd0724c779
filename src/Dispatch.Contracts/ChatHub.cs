using Dispatch.Domain.Chat;

namespace Dispatch.Contracts;

/// <summary>A message as a chat client gets it: the result worded in the reader's language, and whether it names them.</summary>
public sealed record ChatMessageView(string Channel, long Seq, MessageKind Kind, string Author, string AuthorName, string Text,
    string? Result, IReadOnlyList<Mention> Mentions, Guid? IncidentId, DateTimeOffset At, bool MentionsMe);

/// <summary>
/// The answer to a line typed: <see cref="Kind"/> "posted" (with its number), "done" (a command), "answer" (for the
/// sender only) or "refused" with what was wrong.
/// </summary>
public sealed record ChatReply(bool Ok, string Kind, string? Text = null, string? Code = null, string? Usage = null, string? Channel = null, long Seq = 0);

public sealed record ChatHistoryView(IReadOnlyList<ChatMessageView> Messages, bool HasMore);

/// <summary>What the server pushes to a chat client on <see cref="ChatHubMethods.Path"/>.</summary>
public interface IChatClient
{
    /// <summary>A new message in a channel the reader is in, or has opened on this connection.</summary>
    Task Message(ChatMessageView message);
    /// <summary>Messages may have been missed (the server's listener reconnected): reload the channels and the open history.</summary>
    Task Resync();
}

/// <summary>The chat hub's methods a client calls.</summary>
public static class ChatHubMethods
{
    public const string Path = "/hubs/chat";

    /// <summary>() → the reader's channels with unread counts.</summary>
    public const string Channels = nameof(Channels);
    /// <summary>(channel, before, limit) → <see cref="ChatHistoryView"/>; the channel's new messages come to the connection from then on.</summary>
    public const string History = nameof(History);
    /// <summary>(channel, text) → <see cref="ChatReply"/>.</summary>
    public const string Post = nameof(Post);
    /// <summary>(channel, seq).</summary>
    public const string MarkRead = nameof(MarkRead);
    /// <summary>(login or call sign) → the direct channel's key.</summary>
    public const string Direct = nameof(Direct);
}
