using Dispatch.Domain.Chat;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Drill;

/// <summary>
/// A chat client on /hubs/chat with a signed-in session's cookie (a unit's phone, a person at a terminal): pushed messages
/// of the channels the user is in (and those opened with <see cref="History"/>) go to <paramref name="received"/>;
/// <paramref name="resync"/> when the server may have missed telling some. Reconnects by itself.
/// </summary>
public sealed class ChatLine : IAsyncDisposable
{
    public const string HubPath = ChatHubMethods.Path;
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
            .AddJsonProtocol(o => ContractJson.Configure(o.PayloadSerializerOptions))
            .WithAutomaticReconnect()
            .Build();
        connection.On(nameof(IChatClient.Message), received);
        connection.On(nameof(IChatClient.Resync), resync ?? (() => Task.CompletedTask));
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
        Connection.InvokeAsync<ChatHistoryView>(ChatHubMethods.History, channel, before, limit, ct).WaitAsync(Patience, ct);

    public Task<ChatReply> Post(string channel, string text, CancellationToken ct = default) =>
        Connection.InvokeAsync<ChatReply>(ChatHubMethods.Post, channel, text, ct).WaitAsync(Patience, ct);

    public Task MarkRead(string channel, long seq, CancellationToken ct = default) =>
        Connection.InvokeAsync(ChatHubMethods.MarkRead, channel, seq, ct).WaitAsync(Patience, ct);

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
