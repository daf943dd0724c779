using System.Text.RegularExpressions;
using Dispatch.Domain.Chat;

namespace Dispatch.Server.Components.Chat;

public enum SegmentKind { Text, Incident, Mention }

/// <summary>
/// A piece of a message as the console shows it: plain text, an incident number (<see cref="Value"/> without '#', shown
/// as a link), or an <c>@name</c> that names someone (<see cref="Mine"/> when it names the reader). Every piece is
/// rendered as text: nothing a person typed ever becomes markup.
/// </summary>
public sealed record MessageSegment(SegmentKind Kind, string Text, string? Value = null, bool Mine = false);

/// <summary>Splits a message's text into <see cref="MessageSegment"/>s, pure.</summary>
public static partial class MessageSegments
{
    /// <param name="mentions">The mentions the server resolved when the message was posted: only those @names are highlighted.</param>
    /// <param name="login">The reader, whose mentions (as a person, a unit or through a department) are emphasised.</param>
    /// <param name="departmentOf">A department's code from a name typed after '@' (its code or its name in either language).</param>
    public static IReadOnlyList<MessageSegment> Split(string text, IReadOnlyList<Mention> mentions, string login, IReadOnlyCollection<string> departments,
        Func<string, string?>? departmentOf = null)
    {
        var segments = new List<MessageSegment>();
        var at = 0;
        foreach (Match m in Token().Matches(text))
        {
            MessageSegment special;
            int length;
            if (m.Groups["number"].Success)
                (special, length) = (new(SegmentKind.Incident, m.Value, m.Groups["number"].Value), m.Length);
            else
            {
                // As Mentions.NamesIn reads it: trailing '.' and '-' are punctuation, not part of the name (they stay text).
                var name = m.Groups["name"].Value.TrimEnd('.', '-');
                if (name.Length == 0 || mentions.FirstOrDefault(x => Names(x, name, departmentOf)) is not { } mention) continue;
                (special, length) = (new(SegmentKind.Mention, "@" + name, name, Domain.Chat.Mentions.Concerns([mention], login, departments)), name.Length + 1);
            }
            Add(segments, text[at..m.Index]);
            segments.Add(special);
            at = m.Index + length;
        }
        Add(segments, text[at..]);
        return segments;
    }

    static bool Names(Mention mention, string name, Func<string, string?>? departmentOf) => mention.Kind switch
    {
        MentionKind.Person => string.Equals(mention.Name, name, StringComparison.OrdinalIgnoreCase),
        MentionKind.Unit => mention.Name == name,
        _ => string.Equals(mention.Name, name, StringComparison.OrdinalIgnoreCase) || departmentOf?.Invoke(name) == mention.Name,
    };

    static void Add(List<MessageSegment> segments, string text)
    {
        if (text.Length == 0) return;
        if (segments.Count > 0 && segments[^1].Kind == SegmentKind.Text) segments[^1] = segments[^1] with { Text = segments[^1].Text + text };
        else segments.Add(new(SegmentKind.Text, text));
    }

    // The same shapes as SlashCommands.IncidentNumbers and Mentions.NamesIn, in one pass so their positions stay in order.
    [GeneratedRegex(@"(?<![\w-])#(?<number>\d{8}-\d{4,})(?![\w-])|(?<![\w.@])@(?<name>[\w.\-]+)")]
    private static partial Regex Token();
}
