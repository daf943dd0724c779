using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Chat;

/// <summary>One channel in a person's list: what it is called for them, how much they have not read, and whether they are named in it.</summary>
public sealed record ChannelSummary(string Key, ChannelKind Kind, string Title, long LastSeq, long LastRead, int Unread, int Mentions,
    DateTimeOffset? LastAt, Guid? IncidentId = null, string? IncidentNumber = null);

/// <summary>
/// Which channels exist for whom, and what they are called. Standing channels follow the person's roles
/// (<see cref="Channels.StandingFor"/>); an incident's channel is listed for its members while it is open; a direct
/// channel once someone has written in it.
/// </summary>
public sealed class ChannelDirectory(JurisdictionTree tree, CityCatalog city, IStringLocalizer<Ui> text, IncidentReaders readers)
{
    /// <summary>How many incident channels the list shows beyond those with unread messages (the most recently active).</summary>
    const int RecentIncidentChannels = 40;

    /// <summary>Who may read <paramref name="key"/>'s channel; null when the key names no channel (or an incident that does not exist).</summary>
    public async Task<ChannelContext?> Context(IQuerySession query, string key, CancellationToken ct = default)
    {
        if (Channels.Parse(key) is not { } channel) return null;
        if (channel.IncidentId is not { } incidentId) return new ChannelContext(channel);
        if (await query.LoadAsync<IncidentCard>(incidentId, ct) is not { } card) return null;
        var ids = card.Units.Select(u => u.Id).ToArray();
        var logins = ids.Length == 0 ? [] : (await query.LoadManyAsync<UnitRosterEntry>(ct, ids)).Select(u => u.Login).OfType<string>().ToArray();
        return new ChannelContext(channel, card.Scope(), logins, card.Number, card.IsOpen);
    }

    public async Task<IReadOnlyList<ChannelSummary>> For(IQuerySession query, Actor actor, CancellationToken ct = default)
    {
        var channels = Channels.StandingFor(actor).Select(c => (Channel: c, Card: (IncidentCard?)null)).ToList();

        // Incident channels: the open incidents the person is a member of (their centre's, their departments', their unit's).
        var me = actor.Has(Role.FieldUnit) ? await query.SignedInAs(actor.Login, ct) : null;
        foreach (var card in await readers.For(actor).Board(query, ct))
        {
            var units = me is not null && card.Units.Any(u => u.Id == me.Id) ? new[] { actor.Login } : [];
            if (Channels.IsIncidentMember(actor, card.Scope(), units)) channels.Add((Channels.Incident(card.Id), card));
        }
        if (me?.IncidentId is { } mine && channels.All(c => c.Channel.IncidentId != mine) && await query.LoadAsync<IncidentCard>(mine, ct) is { } onCard)
            channels.Add((Channels.Incident(mine), onCard));

        var prefix = $"dm:{actor.Login}|";
        var suffix = $"|{actor.Login}";
        var direct = await query.Query<ChannelHead>().Where(h => h.Kind == ChannelKind.Direct && (h.Key.StartsWith(prefix) || h.Key.EndsWith(suffix)))
            .ToListAsync(ct);
        channels.AddRange(direct.Select(h => (Channels.Parse(h.Key)!, (IncidentCard?)null)).Where(c => c.Item1 is not null));

        var heads = (await query.LoadManyAsync<ChannelHead>(ct, channels.Select(c => ChatLog.StreamId(c.Channel.Key)).ToArray()))
            .ToDictionary(h => h.Key);
        var marks = (await query.Query<ChatReadMark>().Where(m => m.Login == actor.Login).ToListAsync(ct)).ToDictionary(m => m.Channel, m => m.LastRead);
        var partners = await PeopleNames.Of(query, direct.Select(h => Channels.Partner(Channels.Parse(h.Key)!, actor.Login)).OfType<string>(), ct);
        var departments = Departments(actor);

        var summaries = new List<ChannelSummary>();
        foreach (var (channel, card) in channels)
        {
            var head = heads.GetValueOrDefault(channel.Key);
            var lastRead = Math.Min(marks.GetValueOrDefault(channel.Key), head?.LastSeq ?? 0);
            var unread = (int)Math.Min(int.MaxValue, (head?.LastSeq ?? 0) - lastRead);
            var mentions = unread == 0 ? 0 : await MentionsSince(query, channel.Key, lastRead, actor.Login, departments, ct);
            summaries.Add(new(channel.Key, channel.Kind, Title(channel, card, partners, actor.Login), head?.LastSeq ?? 0, lastRead, unread, mentions,
                head?.LastAt, card?.Id, card?.Number));
        }
        // Every standing and direct channel; of the incident channels those with news, then the most recently active.
        var incidents = summaries.Where(s => s.Kind == ChannelKind.Incident).OrderByDescending(s => s.Unread > 0).ThenByDescending(s => s.LastAt)
            .ThenByDescending(s => s.IncidentNumber, StringComparer.Ordinal).ToList();
        var keep = incidents.Where(s => s.Unread > 0).Concat(incidents.Where(s => s.Unread == 0).Take(RecentIncidentChannels)).ToHashSet();
        return [.. summaries.Where(s => s.Kind != ChannelKind.Incident || keep.Contains(s))];
    }

    /// <summary>The departments a person answers for (a mention of the department names them).</summary>
    public static IReadOnlyList<string> Departments(Actor actor) => [.. actor.Grants.Select(g => g.Department).OfType<string>().Distinct()];

    static async Task<int> MentionsSince(IQuerySession query, string key, long after, string login, IReadOnlyList<string> departments, CancellationToken ct)
    {
        var stream = ChatLog.StreamId(key);
        var events = await query.Events.QueryAllRawEvents().Where(e => e.StreamId == stream && e.Version > after)
            .OrderByDescending(e => e.Version).Take(200).ToListAsync(ct);
        return events.Count(e => e.Data is ChannelMessagePosted m && m.Author != login && Mentions.Concerns(m.Mentions, login, departments));
    }

    /// <summary>A channel's name in the reader's language: 东湖区, 城管 · 东湖区, 热线, #20261123-0042 道路破损, the other person.</summary>
    public string Title(Channel channel, IncidentCard? card, IReadOnlyDictionary<string, string>? partners = null, string? login = null)
    {
        var culture = CultureInfo.CurrentUICulture;
        return channel.Kind switch
        {
            ChannelKind.City or ChannelKind.District or ChannelKind.Town => PlaceName(channel.Path!),
            ChannelKind.Department => $"{city.DepartmentName(channel.Department, culture)} · {PlaceName(channel.Path!)}",
            ChannelKind.Hotline => text["chat.hotline"],
            ChannelKind.Incident => card is null ? channel.Key : $"#{card.Number} {city.CategoryName(card.Category, culture)}",
            ChannelKind.Direct => Channels.Partner(channel, login ?? "") is { } partner ? partners?.GetValueOrDefault(partner) ?? partner : channel.Key,
            _ => channel.Key,
        };
    }

    public string PlaceName(string path) => tree.NameOf(path);
}
