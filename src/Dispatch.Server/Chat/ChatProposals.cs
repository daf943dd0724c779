using System.Collections.Concurrent;
using Dispatch.Server.Components.Units;

namespace Dispatch.Server.Chat;

/// <summary>
/// The numbered lists <c>/units near</c> answered, so <c>/assign 1</c> sends the unit that was numbered 1 (issue 19: no
/// retyping a Chinese call sign). A number means the list answered to this person, in this channel, for this incident —
/// never another person's, another channel's or a newer ranking — and only for <see cref="Lifetime"/>: an old list is
/// refused rather than guessed at. Each list carries the drawer's own <see cref="UnitKeyGuard"/>, so the same number
/// again within its hold sends nothing and another number in that moment asks for the call sign instead.
/// Kept in this node's memory: a console's circuit and a hub connection stay on one node, and a list is minutes old at most.
/// </summary>
public sealed class ChatProposals(TimeProvider clock)
{
    /// <summary>How long a numbered list may be used.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(3);

    /// <summary>Lists kept at most (oldest dropped first), so a flood of <c>/units near</c> cannot grow memory.</summary>
    public const int MaxLists = 5_000;

    /// <summary>One answered list: the rows as numbered, when, and the guard of the dispatches made from it.</summary>
    public sealed class Answered(IReadOnlyList<ProposalRow> rows, DateTimeOffset at, UnitKeyGuard guard)
    {
        public IReadOnlyList<ProposalRow> Rows { get; } = rows;
        public DateTimeOffset At { get; } = at;
        public UnitKeyGuard Guard { get; } = guard;
        /// <summary>Locks the guard: two lines typed at once must not both pass it.</summary>
        public object Gate { get; } = new();
        public ProposalRow? Numbered(int number) => Rows.FirstOrDefault(r => r.Key == number);
    }

    readonly record struct ListKey(string Login, string Channel, Guid Incident);

    readonly ConcurrentDictionary<ListKey, Answered> _lists = new();

    /// <summary>Remembers the list just answered (replacing the last one for the same person, channel and incident).</summary>
    public Answered Remember(string login, string channel, Guid incident, IReadOnlyList<ProposalRow> rows)
    {
        var now = clock.GetUtcNow();
        if (_lists.Count >= MaxLists) Prune(now);
        var list = new Answered(rows, now, new UnitKeyGuard(clock));
        _lists[new ListKey(login, channel, incident)] = list;
        return list;
    }

    /// <summary>The list answered to this person in this channel for this incident, while it may still be used; else null.</summary>
    public Answered? Last(string login, string channel, Guid incident) =>
        _lists.TryGetValue(new ListKey(login, channel, incident), out var list) && clock.GetUtcNow() - list.At <= Lifetime ? list : null;

    void Prune(DateTimeOffset now)
    {
        foreach (var (key, list) in _lists)
            if (now - list.At > Lifetime) _lists.TryRemove(key, out _);
        // Still full of fresh lists: drop the oldest half.
        if (_lists.Count >= MaxLists)
            foreach (var (key, _) in _lists.OrderBy(l => l.Value.At).Take(_lists.Count / 2).ToList())
                _lists.TryRemove(key, out _);
    }
}
