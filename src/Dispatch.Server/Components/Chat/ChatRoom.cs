using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;

namespace Dispatch.Server.Components.Chat;

/// <summary>What a pushed message asks of the view after it was applied.</summary>
[Flags]
public enum ChatFollowUp { None = 0, Render = 1, MarkRead = 2, Reload = 4 }

/// <summary>
/// One reader's chat in a circuit (the console's /chat page, the unit's phone): the channel list with unread and mention
/// counts, the open channel's messages (pages of history, then pushed ones) and posting. It calls <see cref="ChatService"/>,
/// which applies the access rules; it is not thread-safe: the page calls it on its renderer's context only.
/// A pushed message is applied at once (<see cref="Apply"/>, no I/O, so pushes keep their order), and what needs the
/// database (marking read, reloading after a gap) is done after, by <see cref="FollowUp"/>.
/// </summary>
public sealed class ChatRoom(ChatService chat, ChatText words, Actor actor)
{
    readonly List<ChatMessageView> _messages = [];
    // Messages pushed for the open channel while its page of history was loading: merged when it arrives.
    List<ChatMessageView>? _held;
    List<ChannelSummary> _channels = [];

    public Actor Actor => actor;
    public IReadOnlyList<ChannelSummary> Channels => _channels;
    public string? Selected { get; private set; }
    public ChannelSummary? SelectedChannel => _channels.FirstOrDefault(c => c.Key == Selected);
    public IReadOnlyList<ChatMessageView> Messages => _messages;
    public bool HasMore { get; private set; }
    /// <summary>The key asked for was no channel this reader may read.</summary>
    public bool Missing { get; private set; }
    public int TotalUnread => ChannelGroups.TotalUnread(_channels);

    public async Task LoadChannels(CancellationToken ct = default)
    {
        var loaded = (await chat.Channels(actor, ct)).ToList();
        // A direct channel opened here but not written in yet is not in the directory: keep it listed.
        if (SelectedChannel is { Kind: ChannelKind.Direct } open && loaded.All(c => c.Key != open.Key)) loaded.Add(open);
        _channels = loaded;
        if (Selected is { } key) MarkSeen(key);
    }

    /// <summary>Opens a channel: its newest page of history, read up to its last message.</summary>
    public async Task<bool> Select(string key, CancellationToken ct = default)
    {
        Selected = key;
        _messages.Clear();
        HasMore = false;
        List<ChatMessageView> held = [];
        _held = held;
        ChatHistory? history;
        try { history = await chat.History(actor, key, null, ChatService.PageSize, ct); }
        finally
        {
            if (ReferenceEquals(_held, held)) _held = null;
        }
        // Another channel was opened meanwhile: that one's load wins.
        if (key != Selected) return false;
        _messages.AddRange(held);
        Missing = history is null;
        if (history is null) return false;
        Merge(history.Messages.Select(View));
        HasMore = history.HasMore;
        if (SelectedChannel is null)
        {
            // Readable but not listed (an incident channel one may look into, a direct channel not written in yet).
            var context = await chat.Open(actor, key, ct);
            if (context is not null && _channels.All(c => c.Key != key))
                _channels.Add(new ChannelSummary(key, context.Channel.Kind, Title(context), LastSeq, LastSeq, 0, 0, _messages.LastOrDefault()?.At,
                    context.Channel.IncidentId, context.IncidentNumber));
        }
        await MarkRead(ct);
        return true;
    }

    public async Task Older(CancellationToken ct = default)
    {
        if (Selected is not { } key || !HasMore || _messages.Count == 0) return;
        var history = await chat.History(actor, key, _messages[0].Seq, ChatService.PageSize, ct);
        if (history is null || key != Selected) return;
        Merge(history.Messages.Select(View));
        HasMore = history.HasMore;
    }

    /// <summary>A message pushed by the feed (null: some may have been missed). No I/O: see <see cref="FollowUp"/>.</summary>
    public ChatFollowUp Apply(ChatDelivery? delivery)
    {
        if (delivery is null) return ChatFollowUp.Reload;
        var (message, context) = (delivery.Message, delivery.Context);
        var open = message.Channel == Selected;
        if (!context.MayRead(actor) || !open && !context.IsMember(actor)) return ChatFollowUp.None;

        var index = _channels.FindIndex(c => c.Key == message.Channel);
        // A channel new to the list (an incident one was just put on, a first direct message): load the list again.
        if (index < 0 && !open) return ChatFollowUp.Reload | ChatFollowUp.Render;
        if (index >= 0)
        {
            var summary = _channels[index];
            if (message.Seq > summary.LastSeq)
            {
                var fromOthers = message.Author != actor.Login && !open;
                var mentionsMe = fromOthers && Domain.Chat.Mentions.Concerns(message.Mentions, actor.Login, ChannelDirectory.Departments(actor));
                _channels[index] = summary with
                {
                    LastSeq = message.Seq, LastAt = message.At,
                    LastRead = fromOthers ? summary.LastRead : message.Seq,
                    Unread = fromOthers ? summary.Unread + (int)(message.Seq - summary.LastSeq) : 0,
                    Mentions = fromOthers ? summary.Mentions + (mentionsMe ? 1 : 0) : 0,
                };
            }
        }
        if (!open) return ChatFollowUp.Render;

        var view = View(message);
        if (_held is { } held)
        {
            held.Add(view);
            return ChatFollowUp.Render;
        }
        var last = _messages.Count == 0 ? 0 : _messages[^1].Seq;
        if (message.Seq <= last) return ChatFollowUp.Render;
        // A message before this one never came here (it cannot, unless a push was lost): read the page again.
        if (_messages.Count > 0 && message.Seq > last + 1) return ChatFollowUp.Reload | ChatFollowUp.Render;
        _messages.Add(view);
        return ChatFollowUp.Render | (message.Author == actor.Login ? ChatFollowUp.None : ChatFollowUp.MarkRead);
    }

    /// <summary>What <see cref="Apply"/> left to do: mark the open channel read, or reload the list and the open channel.</summary>
    public async Task FollowUp(ChatFollowUp todo, CancellationToken ct = default)
    {
        if (todo.HasFlag(ChatFollowUp.Reload))
        {
            await LoadChannels(ct);
            if (Selected is { } key) await Select(key, ct);
        }
        else if (todo.HasFlag(ChatFollowUp.MarkRead)) await MarkRead(ct);
    }

    /// <summary>Posts a line (a message or a slash command). Returns what only the sender sees, or null when it was posted for all.</summary>
    public async Task<SenderNote?> Post(string text, CancellationToken ct = default)
    {
        if (Selected is not { } key) return null;
        var outcome = await chat.Post(actor, key, text, ct);
        if (outcome is ChatOutcome.Posted posted && posted.Message.Channel == Selected)
        {
            // Shown at once when it follows the last one shown (the feed's copy is then dropped as a duplicate); after a
            // gap, someone else's message came first and is still on its way: the feed brings both, in order.
            if (posted.Message.Seq == LastSeq + 1) _messages.Add(View(posted.Message));
            MarkSeen(key, posted.Message.Seq, posted.Message.At);
        }
        return SenderNote.Of(outcome);
    }

    /// <summary>The direct channel with a person (login) or a unit (call sign), listed and opened; false when there is nobody by that name.</summary>
    public async Task<bool> StartDirect(string who, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(who) || await chat.DirectWith(actor, who.Trim(), ct) is not { } key) return false;
        if (_channels.All(c => c.Key != key))
            _channels.Add(new ChannelSummary(key, ChannelKind.Direct, who.Trim(), 0, 0, 0, 0, null));
        return await Select(key, ct);
    }

    async Task MarkRead(CancellationToken ct)
    {
        if (Selected is not { } key || _messages.Count == 0) return;
        var seq = _messages[^1].Seq;
        await chat.MarkRead(actor, key, seq, ct);
        MarkSeen(key, seq);
    }

    /// <summary>The list's counts for a channel read up to <paramref name="seq"/> (its last message when null).</summary>
    void MarkSeen(string key, long? seq = null, DateTimeOffset? at = null)
    {
        var index = _channels.FindIndex(c => c.Key == key);
        if (index < 0) return;
        var summary = _channels[index];
        var read = Math.Max(summary.LastRead, seq ?? summary.LastSeq);
        var lastSeq = Math.Max(summary.LastSeq, read);
        _channels[index] = summary with
        {
            LastSeq = lastSeq, LastRead = read, Unread = (int)Math.Max(0, lastSeq - read),
            Mentions = read >= lastSeq ? 0 : summary.Mentions, LastAt = at ?? summary.LastAt,
        };
    }

    void Merge(IEnumerable<ChatMessageView> page)
    {
        var all = page.Concat(_messages).DistinctBy(m => m.Seq).OrderBy(m => m.Seq).ToList();
        _messages.Clear();
        _messages.AddRange(all);
    }

    long LastSeq => _messages.Count == 0 ? 0 : _messages[^1].Seq;

    ChatMessageView View(ChatMessage message) => ChatMessageView.Of(message, actor, words);

    static string Title(ChannelContext context) => context.IncidentNumber is { } number ? "#" + number : context.Channel.Key;
}
