using Dispatch.Server.Chat;

namespace Dispatch.Server.Components.Chat;

public enum SenderNoteKind { Done, Answer, Refused }

/// <summary>What only the sender sees under the message box: a command done, an answer, or a refusal with how to write it.</summary>
public sealed record SenderNote(SenderNoteKind Kind, string Text, string? Usage = null, string? Channel = null)
{
    /// <summary>Null for a message posted for everyone (the channel shows it).</summary>
    public static SenderNote? Of(ChatOutcome outcome) => outcome switch
    {
        ChatOutcome.Done d => new(SenderNoteKind.Done, d.Text, Channel: d.Channel),
        ChatOutcome.Answered a => new(SenderNoteKind.Answer, a.Text),
        ChatOutcome.Refused r => new(SenderNoteKind.Refused, r.Message, r.Usage),
        _ => null,
    };
}
