using System.Net;
using Dispatch.Server.Chat;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// A person at a chat client as the tests drive it: signed in, connected to /hubs/chat over a real SignalR connection,
/// recording every pushed message in arrival order, and letting a test wait (with a time-out) for what it expects.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    readonly Lock _gate = new();
    readonly List<ChatMessageView> _received = [];
    readonly List<(Func<IReadOnlyList<ChatMessageView>, bool> Match, TaskCompletionSource Done)> _waiting = [];

    ChatClient(Uri baseAddress, CookieContainer cookies, string language, string login)
    {
        Login = login;
        Connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, ChatHub.Path), o =>
            {
                o.Cookies = cookies;
                o.Headers["Accept-Language"] = language;
            })
            .AddJsonProtocol(o => ContractJson.Configure(o.PayloadSerializerOptions))
            .Build();
        Connection.On<ChatMessageView>(nameof(IChatClient.Message), message =>
        {
            lock (_gate)
            {
                _received.Add(message);
                foreach (var w in _waiting.Where(w => w.Match(_received)).ToList())
                {
                    _waiting.Remove(w);
                    w.Done.TrySetResult();
                }
            }
        });
    }

    public HubConnection Connection { get; }
    public string Login { get; }

    public static async Task<ChatClient> Connect(DispatchApp app, string login, string language = "en", params Dispatch.Domain.Access.Grant[] grants)
    {
        var client = new ChatClient(app.BaseAddress, await app.SignIn(login, grants), language, login);
        await client.Connection.StartAsync().WaitAsync(Patience);
        return client;
    }

    public IReadOnlyList<ChatMessageView> Received()
    {
        lock (_gate) return [.. _received];
    }

    /// <summary>Completes when what was received so far matches (already, or once more arrives).</summary>
    public Task Until(Func<IReadOnlyList<ChatMessageView>, bool> match)
    {
        lock (_gate)
        {
            if (match(_received)) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((match, done));
            return done.Task.WaitAsync(Patience);
        }
    }

    /// <summary>The first received message that matches, waiting for it.</summary>
    public async Task<ChatMessageView> Next(Func<ChatMessageView, bool> match)
    {
        await Until(all => all.Any(match));
        return Received().First(match);
    }

    public Task<ChatReply> Post(string channel, string text) => Connection.InvokeAsync<ChatReply>(ChatHubMethods.Post, channel, text).WaitAsync(Patience);

    public Task<ChatHistoryView> History(string channel, long? before = null, int limit = ChatService.PageSize) =>
        Connection.InvokeAsync<ChatHistoryView>(ChatHubMethods.History, channel, before, limit).WaitAsync(Patience);

    public Task<IReadOnlyList<ChannelSummary>> Channels() => Connection.InvokeAsync<IReadOnlyList<ChannelSummary>>(ChatHubMethods.Channels).WaitAsync(Patience);

    public Task MarkRead(string channel, long seq) => Connection.InvokeAsync(ChatHubMethods.MarkRead, channel, seq).WaitAsync(Patience);

    public Task<string> Direct(string who) => Connection.InvokeAsync<string>(ChatHubMethods.Direct, who).WaitAsync(Patience);

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
