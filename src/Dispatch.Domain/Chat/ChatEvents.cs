using System.Text.RegularExpressions;

namespace Dispatch.Domain.Chat;

public enum MessageKind
{
    /// <summary>Words typed by a person or a unit.</summary>
    Text,
    /// <summary>A slash command that acted, with what it did: posted for everyone in the channel.</summary>
    Command,
    /// <summary>Said by the platform: an escalation, an overdue warning, a return, a supervision flag.</summary>
    System,
}

public enum MentionKind { Person, Unit, Department }

/// <summary>Who an <c>@name</c> in a message points at: a person (login), a unit (call sign, with its device's login) or a department (code).</summary>
public sealed record Mention(MentionKind Kind, string Name, string? Login = null);

/// <summary>
/// One message in a channel. Every message is an event on its channel's stream (so the stream version numbers the
/// channel's messages 1, 2, 3… and the event store keeps who said what and when). A command's message carries the
/// line that was typed and what it did (<paramref name="Result"/>, a text code and its arguments, worded for each reader
/// in their own language); a system message has the platform as author and only a result.
/// </summary>
public sealed record ChannelMessagePosted(
    string Channel, MessageKind Kind, string Author, string AuthorName, string Text, IReadOnlyList<Mention> Mentions,
    Guid? IncidentId, DateTimeOffset At, ChatResult? Result = null);

/// <summary>What a command did or what the platform says, as a text code with arguments (see <c>Chat.Result.*</c> texts).</summary>
public sealed record ChatResult(string Code, IReadOnlyList<string> Args);

public static partial class Mentions
{
    /// <summary>The platform's own name as the author of system messages.</summary>
    public const string Platform = "dispatch";

    /// <summary>Every distinct <c>@name</c> in a message (letters, digits, CJK, '.', '-', '_'), in order.</summary>
    public static IReadOnlyList<string> NamesIn(string text) =>
        [.. MentionPattern().Matches(text).Select(m => m.Groups[1].Value.TrimEnd('.', '-')).Where(n => n.Length > 0).Distinct()];

    /// <summary>Whether the message names <paramref name="login"/> (as a person, as its unit, or through a department of theirs).</summary>
    public static bool Concerns(IReadOnlyList<Mention> mentions, string login, IEnumerable<string> departments) =>
        mentions.Any(m => m.Kind switch
        {
            MentionKind.Person or MentionKind.Unit => m.Login == login,
            MentionKind.Department => departments.Contains(m.Name),
            _ => false,
        });

    [GeneratedRegex(@"(?<![\w.@])@([\w.\-]+)")]
    private static partial Regex MentionPattern();
}
