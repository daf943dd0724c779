using System.Text.Json.Serialization;
using Dispatch.Domain.Chat;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Drill;

/// <summary>A message as /hubs/chat sends it (the server's ChatMessageView): the result already worded in the reader's language.</summary>
public sealed record ChatMessageView(string Channel, long Seq, MessageKind Kind, string Author, string AuthorName, string Text,
    string? Result, IReadOnlyList<Mention>? Mentions, Guid? IncidentId, DateTimeOffset At, bool MentionsMe);

/// <summary>What became of a line posted: posted (with its number), done (a command), answer (for the sender only) or refused.</summary>
public sealed record ChatReply(bool Ok, string Kind, string? Text = null, string? Code = null, string? Usage = null, string? Channel = null, long Seq = 0);

public sealed record ChatHistoryView(IReadOnlyList<ChatMessageView> Messages, bool HasMore);

/// <summary>
/// A chat client on /hubs/chat with a signed-in session's cookie (a unit's phone, a person at a terminal): pushed messages
/// of the channels the user is in (and those opened with <see cref="History"/>) go to <paramref name="received"/>;
/// <paramref name="resync"/> when the server may have missed telling some. Reconnects by itself.
/// </summary>
public sealed class ChatLine : IAsyncDisposable
{
    public const string HubPath = "/hubs/chat";
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    ChatLine(HubConnection connection) => Connection = connection;

    public HubConnection Connection { get; }

    public static async Task<ChatLine> Connect(DispatchClient session, Func<ChatMessageView, Task> received, Func<Task>? resync = null,
        string? language = null, CancellationToken ct = default)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(session.Url, HubPath), o =>
            {
                o.Cookies = session.Cookies;
                if (language is not null) o.Headers["Accept-Language"] = language;
            })
            .AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()))
            .WithAutomaticReconnect()
            .Build();
        connection.On("Message", received);
        connection.On("Resync", resync ?? (() => Task.CompletedTask));
        // After a reconnect the server knows nothing of what was missed meanwhile: the same as its Resync.
        if (resync is not null) connection.Reconnected += _ => resync();
        var line = new ChatLine(connection);
        try { await connection.StartAsync(ct); }
        catch
        {
            await line.DisposeAsync();
            throw;
        }
        return line;
    }

    /// <summary>A page of the channel's history, oldest first; its new messages come to this connection from now on.</summary>
    public Task<ChatHistoryView> History(string channel, long? before = null, int limit = 50, CancellationToken ct = default) =>
        Connection.InvokeAsync<ChatHistoryView>("History", channel, before, limit, ct).WaitAsync(Patience, ct);

    public Task<ChatReply> Post(string channel, string text, CancellationToken ct = default) =>
        Connection.InvokeAsync<ChatReply>("Post", channel, text, ct).WaitAsync(Patience, ct);

    public Task MarkRead(string channel, long seq, CancellationToken ct = default) =>
        Connection.InvokeAsync("MarkRead", channel, seq, ct).WaitAsync(Patience, ct);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    /// <summary>One message as a terminal line: <c>09:41 王强: 到达现场</c>, a command with what it did, a system message starred.</summary>
    public static string Format(ChatMessageView m, Func<DateTimeOffset, DateTimeOffset>? local = null)
    {
        var at = (local ?? (t => t.ToLocalTime()))(m.At).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        var who = m.AuthorName.Length > 0 ? m.AuthorName : m.Author;
        var mark = m.MentionsMe ? " (@you)" : "";
        return m.Kind switch
        {
            MessageKind.System => $"{at} * {m.Result}",
            MessageKind.Command => $"{at} {who}: {m.Text} → {m.Result}{mark}",
            _ => $"{at} {who}: {m.Text}{mark}",
        };
    }
}
