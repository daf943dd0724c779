using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;

namespace Dispatch.Server.Chat;

/// <summary>One message as readers get it: its number in the channel, who, what, when, and what a command did.</summary>
public sealed record ChatMessage(
    string Channel, long Seq, MessageKind Kind, string Author, string AuthorName, string Text, IReadOnlyList<Mention> Mentions,
    Guid? IncidentId, DateTimeOffset At, ChatResult? Result)
{
    public static ChatMessage Of(long seq, ChannelMessagePosted e) =>
        new(e.Channel, seq, e.Kind, e.Author, e.AuthorName, e.Text, e.Mentions, e.IncidentId, e.At, e.Result);
}

/// <summary>
/// What the access rules need to decide who may read a channel: for an incident's channel the incident's scope and the
/// logins of the units on it (they read it wherever it lies); nothing more for the others.
/// </summary>
public sealed record ChannelContext(Channel Channel, IncidentScope? Incident = null, IReadOnlyCollection<string>? UnitLogins = null,
    string? IncidentNumber = null, bool IncidentOpen = true)
{
    public bool MayRead(Actor actor) => Channels.MayRead(actor, Channel, Incident, UnitLogins);

    /// <summary>Whether the actor belongs in the channel (told of new messages, listed), not only may look in.</summary>
    public bool IsMember(Actor actor) => Channel.Kind == ChannelKind.Incident
        ? Incident is not null && Channels.IsIncidentMember(actor, Incident, UnitLogins ?? [])
        : MayRead(actor);
}

/// <summary>A new message and who may read it, as the feed hands it to each subscriber.</summary>
public sealed record ChatDelivery(ChatMessage Message, ChannelContext Context);
