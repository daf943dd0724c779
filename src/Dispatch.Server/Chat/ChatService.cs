using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Units;
using Dispatch.Server.Pipeline;
using Marten;

namespace Dispatch.Server.Chat;

/// <summary>What became of a line typed in a channel.</summary>
public abstract record ChatOutcome
{
    /// <summary>Posted for everyone in the channel (a message, or a command's line and what it did in the incident's channel).</summary>
    public sealed record Posted(ChatMessage Message, string? Answer = null) : ChatOutcome;
    /// <summary>An answer for the sender only (/help, /who, /status, /units near).</summary>
    public sealed record Answered(string Text) : ChatOutcome;
    /// <summary>A command done: its line and result are in the incident's channel (<see cref="Channel"/>); <see cref="Text"/> tells the sender.</summary>
    public sealed record Done(string Text, string Channel) : ChatOutcome;
    /// <summary>Not done, for the sender only: what was wrong and how to write it. Nothing was written.</summary>
    public sealed record Refused(string Code, string Message, string? Usage = null) : ChatOutcome;
}

/// <summary>A page of a channel's history, oldest first; <see cref="HasMore"/> when older messages remain.</summary>
public sealed record ChatHistory(IReadOnlyList<ChatMessage> Messages, bool HasMore);

/// <summary>
/// Chat: reading and writing channels under the access rules, and slash commands that run the same commands as the
/// console's buttons through the same services (<see cref="IncidentService"/>, <see cref="UnitService"/>), so the same
/// rights, rules and traces apply. Every message is an event on its channel's stream (<see cref="ChatLog"/>).
/// </summary>
public sealed partial class ChatService(
    Pipeline.CommandPipeline pipeline, IDocumentStore store, TimeProvider clock, ChannelDirectory directory, ChatText words, IncidentService incidents,
    UnitService units, UnitRecommendations recommendations, CityCatalog city, Localization.Messages refusals, Jurisdictions.JurisdictionTree jurisdictions,
    IncidentReaders readers, Units.Positions.UnitPositions positions, Plans.PlanLibrary plans, ChatProposals proposals)
{
    public const int PageSize = 50;
    public const int MaxPageSize = 200;

    public async Task<IReadOnlyList<ChannelSummary>> Channels(Actor actor, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await directory.For(query, actor, ct);
    }

    /// <summary>The channel if <paramref name="actor"/> may read it; null when it does not exist or is not theirs (the same answer, so keys do not leak).</summary>
    public async Task<ChannelContext?> Open(Actor actor, string key, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await directory.Context(query, key, ct) is { } context && context.MayRead(actor) ? context : null;
    }

    /// <summary>Up to <paramref name="limit"/> messages before number <paramref name="before"/> (the newest when null), oldest first.</summary>
    public async Task<ChatHistory?> History(Actor actor, string key, long? before = null, int limit = PageSize, CancellationToken ct = default)
    {
        if (await Open(actor, key, ct) is null) return null;
        limit = Math.Clamp(limit, 1, MaxPageSize);
        var stream = ChatLog.StreamId(key);
        var upTo = before ?? long.MaxValue;
        await using var query = store.QuerySession();
        var page = await query.Events.QueryAllRawEvents().Where(e => e.StreamId == stream && e.Version < upTo)
            .OrderByDescending(e => e.Version).Take(limit + 1).ToListAsync(ct);
        var messages = page.Take(limit).Where(e => e.Data is ChannelMessagePosted)
            .Select(e => ChatMessage.Of(e.Version, (ChannelMessagePosted)e.Data)).Reverse().ToList();
        return new ChatHistory(messages, page.Count > limit);
    }

    /// <summary>
    /// The reader has seen the channel up to <paramref name="seq"/> (never moves back), and at most up to its last message:
    /// a mark beyond it would silence the mentions still to come.
    /// </summary>
    public async Task MarkRead(Actor actor, string key, long seq, CancellationToken ct = default)
    {
        if (seq <= 0 || await Open(actor, key, ct) is null) return;
        await using var session = store.LightweightSession();
        seq = Math.Min(seq, (await session.LoadAsync<ChannelHead>(ChatLog.StreamId(key), ct))?.LastSeq ?? 0);
        if (seq <= 0) return;
        var id = ChatReadMark.IdOf(actor.Login, key);
        var mark = await session.LoadAsync<ChatReadMark>(id, ct) ?? new ChatReadMark { Id = id, Login = actor.Login, Channel = key };
        if (mark.LastRead >= seq) return;
        mark.LastRead = seq;
        session.Store(mark);
        await session.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Posts a message, or runs a slash command (see <see cref="SlashCommands"/>). Past the centre's capacity the sender
    /// is told it is busy and when to try again (code overloaded); nothing was written.
    /// </summary>
    public async Task<ChatOutcome> Post(Actor actor, string key, string? text, CancellationToken ct = default)
    {
        try { return await PostOrThrow(actor, key, text, ct); }
        catch (Exception ex) when (OverloadedException.RetryAfterOf(ex) is { } seconds)
        {
            return new ChatOutcome.Refused(OverloadedException.Code, refusals.Busy(seconds));
        }
    }

    /// <summary>
    /// <see cref="Post"/> for the API: past capacity it throws <see cref="OverloadedException"/> (or the database's own
    /// busy failure), which the API answers 503 + <c>Retry-After</c> like every other command.
    /// </summary>
    public async Task<ChatOutcome> PostOrThrow(Actor actor, string key, string? text, CancellationToken ct = default)
    {
        if (SlashCommands.CheckMessage(text) is { } invalid) return Refuse(invalid);
        if (await Open(actor, key, ct) is not { } context)
            return new ChatOutcome.Refused("chat.no-channel", words.Say("chat.no-channel", "There is no channel {0} that you may write in.", key));
        if (context.Channel.Kind == ChannelKind.Direct && !await PartnerExists(context.Channel, actor))
            return new ChatOutcome.Refused("chat.no-partner", words.Say("chat.no-partner", "Nobody signs in as {0}.", Domain.Chat.Channels.Partner(context.Channel, actor.Login)));
        var line = text!.Trim();
        if (SlashCommands.IsCommand(line))
        {
            var parse = SlashCommands.Parse(line);
            if (parse.Error is { } error) return Refuse(error);
            return await Run(actor, context, line, parse.Command!, ct);
        }

        var mentions = await ResolveMentions(line, ct);
        var message = new ChannelMessagePosted(key, MessageKind.Text, actor.Login, actor.Name, line, mentions, context.Channel.IncidentId, clock.GetUtcNow());
        // Writing in a channel is reading it up to one's own message.
        return await pipeline.Run<ChatOutcome>(actor, Via.Chat, "chat.post", work => Task.FromResult(Decided.With<ChatOutcome>(
            [new PostToChat([message]), new ReadUpTo(key)],
            written => new ChatOutcome.Posted(ChatMessage.Of(written.ChatNumbers[0], message)))), ct);
    }

    /// <summary>The key of the direct channel with a person (by login) or a unit (by call sign); null when there is no such one.</summary>
    public async Task<string?> DirectWith(Actor actor, string who, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        var login = await query.Called(who, ct) is { Login: { } unitLogin }
            ? unitLogin
            : (await query.LoadAsync<UserAccount>(who.Trim().ToLowerInvariant(), ct))?.Id;
        return login is null || login == actor.Login ? null : Domain.Chat.Channels.Direct(actor.Login, login).Key;
    }

    async Task<bool> PartnerExists(Channel channel, Actor actor)
    {
        await using var query = store.QuerySession();
        return Domain.Chat.Channels.Partner(channel, actor.Login) is { } partner && await query.LoadAsync<UserAccount>(partner) is { Disabled: false };
    }

    /// <summary><c>@name</c>s that name someone: a login, a unit's call sign, or a department's code or name; others stay plain text.</summary>
    async Task<IReadOnlyList<Mention>> ResolveMentions(string text, CancellationToken ct)
    {
        var names = Mentions.NamesIn(text);
        if (names.Count == 0) return [];
        await using var query = store.QuerySession();
        var people = (await query.LoadManyAsync<UserAccount>(ct, names.Select(n => n.ToLowerInvariant()).Distinct().ToArray())).ToDictionary(u => u.Id);
        var unitsNamed = await query.Query<UnitRosterEntry>().Where(u => u.CallSign.IsOneOf(names.ToArray())).ToListAsync(ct);
        var found = new List<Mention>();
        foreach (var name in names)
        {
            if (unitsNamed.FirstOrDefault(u => u.CallSign == name) is { } unit) found.Add(new(MentionKind.Unit, unit.CallSign, unit.Login));
            else if (people.GetValueOrDefault(name.ToLowerInvariant()) is { } person) found.Add(new(MentionKind.Person, person.Id, person.Id));
            else if (DepartmentCode(name) is { } department) found.Add(new(MentionKind.Department, department));
        }
        return found;
    }

    /// <summary>A department by its code or its name in either language.</summary>
    string? DepartmentCode(string name) => city.Departments.FirstOrDefault(d =>
        string.Equals(d.Code, name, StringComparison.OrdinalIgnoreCase) || d.Zh == name || string.Equals(d.En, name, StringComparison.OrdinalIgnoreCase))?.Code;

    ChatOutcome.Refused Refuse(ChatError error) => new(error.Code, words.Error(error), error.Usage);
}
