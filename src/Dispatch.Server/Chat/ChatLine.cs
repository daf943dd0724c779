using Dispatch.Domain.Chat;

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
