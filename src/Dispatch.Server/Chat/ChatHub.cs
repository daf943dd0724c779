using System.Collections.Concurrent;
using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Chat;

/// <summary>The chat contracts as the server makes them (C# 14 static extensions: callers keep writing <c>ChatMessageView.Of</c>).</summary>
public static class ChatViews
{
    extension(ChatMessageView)
    {
        /// <summary>The message as <paramref name="reader"/> gets it: the result worded in their language, and whether it names them.</summary>
        public static ChatMessageView Of(ChatMessage m, Actor reader, ChatText words) =>
            new(m.Channel, m.Seq, m.Kind, m.Author, m.AuthorName, m.Text, m.Result is null ? null : words.Result(m.Result), m.Mentions, m.IncidentId, m.At,
                m.Author != reader.Login && Domain.Chat.Mentions.Concerns(m.Mentions, reader.Login, ChannelDirectory.Departments(reader)));
    }

    extension(ChatReply)
    {
        public static ChatReply Of(ChatOutcome outcome) => outcome switch
        {
            ChatOutcome.Posted p => new(true, "posted", Channel: p.Message.Channel, Seq: p.Message.Seq),
            ChatOutcome.Done d => new(true, "done", d.Text, Channel: d.Channel),
            ChatOutcome.Answered a => new(true, "answer", a.Text),
            ChatOutcome.Refused r => new(false, "refused", r.Message, r.Code, r.Usage),
            _ => throw new InvalidOperationException(outcome.ToString()),
        };
    }
}

/// <summary>
/// Chat for clients other than the console (the drill's units, scripts): channels with unread counts, history pages,
/// posting (slash commands included) and live messages. The console's pages call <see cref="ChatService"/> in-process.
/// </summary>
[Authorize]
public sealed class ChatHub(ActorDirectory actors, ChatService chat, ChatFeed feed, ChatText words, IHubContext<ChatHub, IChatClient> hub,
    ILogger<ChatHub> log) : Hub<IChatClient>
{
    public const string Path = ChatHubMethods.Path;

    public override async Task OnConnectedAsync()
    {
        if (await actors.Resolve(Context.User) is not { } actor)
        {
            Context.Abort();
            return;
        }
        var opened = new ConcurrentDictionary<string, bool>();
        var culture = CultureInfo.CurrentUICulture;
        var client = hub.Clients.Client(Context.ConnectionId);
        Context.Items[typeof(Actor)] = actor;
        Context.Items[typeof(ConcurrentDictionary<string, bool>)] = opened;
        // Sign-out, a password or role change, on any node, ends the connection.
        Context.Items[typeof(ActorDirectory)] = actors.Watch(Context.User!, Context.Abort);
        Context.Items[typeof(ChatFeed)] = feed.Subscribe(async delivery =>
        {
            if (delivery is null) { await client.Resync(); return; }
            if (!delivery.Context.MayRead(actor) || !delivery.Context.IsMember(actor) && !opened.ContainsKey(delivery.Message.Channel)) return;
            ChatMessageView view;
            var before = CultureInfo.CurrentUICulture;
            CultureInfo.CurrentUICulture = culture;
            try { view = ChatMessageView.Of(delivery.Message, actor, words); }
            finally { CultureInfo.CurrentUICulture = before; }
            await client.Message(view);
        });
        log.LogDebug("{User} connected to chat", actor.Login);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        (Context.Items[typeof(ChatFeed)] as IDisposable)?.Dispose();
        (Context.Items[typeof(ActorDirectory)] as IDisposable)?.Dispose();
        return base.OnDisconnectedAsync(exception);
    }

    Actor Actor => Context.Items[typeof(Actor)] as Actor ?? throw new HubException("Sign in first.");

    public Task<IReadOnlyList<ChannelSummary>> Channels() => chat.Channels(Actor);

    /// <summary>A page of history, oldest first; the channel's new messages come to this connection from now on.</summary>
    public async Task<ChatHistoryView> History(string channel, long? before = null, int limit = ChatService.PageSize)
    {
        var history = await chat.History(Actor, channel, before, limit) ?? throw new HubException($"There is no channel {channel} that you may read.");
        ((ConcurrentDictionary<string, bool>)Context.Items[typeof(ConcurrentDictionary<string, bool>)]!)[channel] = true;
        return new([.. history.Messages.Select(m => ChatMessageView.Of(m, Actor, words))], history.HasMore);
    }

    public async Task<ChatReply> Post(string channel, string text) => ChatReply.Of(await chat.Post(Actor, channel, text));

    public Task MarkRead(string channel, long seq) => chat.MarkRead(Actor, channel, seq);

    /// <summary>The direct channel with a person (login) or a unit (call sign).</summary>
    public async Task<string> Direct(string who) =>
        await chat.DirectWith(Actor, who) ?? throw new HubException($"Nobody signs in as {who}, and no unit is called {who}.");
}
