using System.Collections.ObjectModel;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// The open cards one board shows, kept current from pushes: each change replaces its card by id when it is
/// newer, and a card that is no longer open leaves. The filtered, sorted view is rebuilt only when something
/// changed, so a burst of pushes costs one sort per render, not one per push. Whether a card is overdue depends on
/// the time as well: the owner calls <see cref="TimePassed"/> when <see cref="NextDeadline"/> comes.
/// </summary>
public sealed class BoardCards(TimeProvider? clock = null)
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    // The cards in id order, found by binary search: 8 bytes a card in every board circuit, where a dictionary took about
    // 70 (docs/benchmarks.md, "Connections and circuits"). A change moves at most the references after it.
    readonly List<IncidentCard> _cards = [];
    // Versions of cards that left, so a late push of an older open version cannot bring one back.
    readonly Dictionary<Guid, long> _gone = [];
    ReadOnlyCollection<IncidentCard>? _view;
    Dictionary<IncidentState, int>? _byState;
    IncidentState? _state;
    string? _category;
    Urgency? _urgency;
    bool _myQueue, _overdue;
    IReadOnlySet<string> _queue = new HashSet<string>();
    (int Queue, int Overdue)? _counts;
    // Incidents that arrived (or came back, returned by a department) while this board was open, not yet opened here.
    readonly HashSet<Guid> _fresh = [];

    /// <summary>States an open incident can be in, in the order of the loop.</summary>
    public static readonly IncidentState[] OpenStates =
        [IncidentState.Reported, IncidentState.Accepted, IncidentState.Assigned, IncidentState.Acknowledged, IncidentState.Resolved];

    public IncidentState? State { get => _state; set { _state = value; _view = null; } }
    public string? Category { get => _category; set { _category = value; _view = null; } }
    public Urgency? Urgency { get => _urgency; set { _urgency = value; _view = null; } }
    /// <summary>Only the incidents commanded by one of <see cref="QueueCentres"/> (the dispatcher's own queue).</summary>
    public bool MyQueue { get => _myQueue; set { _myQueue = value; _view = null; } }
    /// <summary>Only the incidents whose running deadline has run out.</summary>
    public bool Overdue { get => _overdue; set { _overdue = value; _view = null; } }
    public bool Filtered => _state is not null || _category is not null || _urgency is not null || _myQueue || _overdue;

    /// <summary>The command centres this user dispatches for (their dispatcher grants' scopes): "my queue".</summary>
    public IReadOnlySet<string> QueueCentres { get => _queue; set { _queue = value; Changed(); } }

    /// <summary>Every open incident, whatever the filters.</summary>
    public int Total => _cards.Count;

    /// <summary>The cards that pass the filters: most urgent first, then the oldest (waiting longest) first.</summary>
    public ReadOnlyCollection<IncidentCard> View => _view ??= Array.AsReadOnly(Filter(_clock.GetUtcNow())
        .OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ThenBy(c => c.Number, StringComparer.Ordinal)
        .ToArray());

    IEnumerable<IncidentCard> Filter(DateTimeOffset now) => _cards
        .Where(c => (_state is null || c.State == _state) && (_category is null || c.Category == _category) &&
                    (_urgency is null || c.Urgency == _urgency) && (!_myQueue || InQueue(c)) && (!_overdue || IsOverdue(c, now)));

    bool InQueue(IncidentCard c) => _queue.Contains(c.CentrePath);

    static bool IsOverdue(IncidentCard c, DateTimeOffset now) =>
        DeadlineClock.StateAt(c.DeadlineFrom ?? now, c.DeadlineDue, now) == DeadlineState.Overdue;

    /// <summary>Open incidents in this user's queue, whatever the filters.</summary>
    public int QueueCount => Counts().Queue;

    /// <summary>Open incidents past their deadline now, whatever the filters.</summary>
    public int OverdueCount => Counts().Overdue;

    (int Queue, int Overdue) Counts()
    {
        if (_counts is { } known) return known;
        var now = _clock.GetUtcNow();
        return (_counts = (_cards.Count(InQueue), _cards.Count(c => IsOverdue(c, now)))).Value;
    }

    /// <summary>When the next card runs out of time (and the overdue filter and count change); null when none will.</summary>
    public DateTimeOffset? NextDeadline()
    {
        var now = _clock.GetUtcNow();
        DateTimeOffset? next = null;
        foreach (var card in _cards)
            if (card.DeadlineDue is { } due && due > now && (next is null || due < next)) next = due;
        return next;
    }

    /// <summary>A deadline passed: what is overdue changed though no card did.</summary>
    public void TimePassed() => Changed();

    /// <summary>Open incidents per state, whatever the filters (the counts are also the state filter).</summary>
    public int Count(IncidentState state)
    {
        _byState ??= _cards.GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Count());
        return _byState.GetValueOrDefault(state);
    }

    public IncidentCard? Find(Guid id) => IndexOf(id) is var at and >= 0 ? _cards[at] : null;

    /// <summary>Where the card with this id is in <see cref="_cards"/>, or the complement of where it would go.</summary>
    int IndexOf(Guid id)
    {
        int low = 0, high = _cards.Count - 1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            var order = _cards[middle].Id.CompareTo(id);
            if (order == 0) return middle;
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }

    /// <summary>New or returned since the board opened, and not opened here yet: highlighted, and counted as "N new".</summary>
    public bool IsFresh(Guid id) => _fresh.Contains(id);

    public int FreshCount => _fresh.Count;

    /// <summary>The dispatcher opened it: no longer "new".</summary>
    public bool Seen(Guid id) => _fresh.Remove(id);

    /// <summary>
    /// Waiting for this dispatcher: not accepted yet (reported, or returned by its department) and commanded by one of
    /// their centres or a centre below (their scope; everything on the board when they dispatch nowhere).
    /// </summary>
    public bool IsWaiting(IncidentCard c) =>
        (c.State == IncidentState.Reported || (c.State == IncidentState.Accepted && c.Returned))
        && (_queue.Count == 0 || _queue.Any(q => c.CentrePath == q || c.CentrePath.StartsWith(q + "/", StringComparison.Ordinal)));

    /// <summary>
    /// The next incident waiting for this dispatcher after <paramref name="current"/> (the one open or selected): the most
    /// urgent first, then the one waiting longest, whatever the filters (a new critical call must not hide behind one).
    /// Wraps round; null when nothing waits.
    /// </summary>
    public IncidentCard? NextWaiting(Guid? current)
    {
        var waiting = _cards.Where(IsWaiting)
            .OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ThenBy(c => c.Number, StringComparer.Ordinal).ToList();
        if (waiting.Count == 0) return null;
        var at = current is { } id ? waiting.FindIndex(c => c.Id == id) : -1;
        return waiting[(at + 1) % waiting.Count];
    }

    /// <summary>Replaces everything with what the store holds now.</summary>
    public void Load(IEnumerable<IncidentCard> cards)
    {
        _cards.Clear();
        _gone.Clear();
        _cards.AddRange(cards.Where(c => c.IsOpen));
        // By id, and one card per id (the newest version, as a later push would leave it).
        _cards.Sort((a, b) => a.Id.CompareTo(b.Id) is var order and not 0 ? order : a.Version.CompareTo(b.Version));
        var kept = 0;
        for (var i = 0; i < _cards.Count; i++)
        {
            if (i + 1 < _cards.Count && _cards[i + 1].Id == _cards[i].Id) continue;
            _cards[kept++] = _cards[i];
        }
        _cards.RemoveRange(kept, _cards.Count - kept);
        _cards.TrimExcess();
        _fresh.RemoveWhere(id => IndexOf(id) < 0);
        Changed();
    }

    /// <summary>
    /// Applies one pushed card; false when it changes nothing (an older or repeated version). A card this board may
    /// not show (<paramref name="visible"/> false: it moved out of the user's scope) leaves like a closed one.
    /// </summary>
    public bool Apply(IncidentCard card, bool visible = true)
    {
        var at = IndexOf(card.Id);
        var known = at >= 0 ? _cards[at] : null;
        if (known is not null && known.Version >= card.Version) return false;
        if (_gone.TryGetValue(card.Id, out var goneAt) && goneAt >= card.Version) return false;
        if (!card.IsOpen || !visible)
        {
            _gone[card.Id] = card.Version;
            _fresh.Remove(card.Id);
            if (known is null) return false;
            _cards.RemoveAt(at);
        }
        else
        {
            _gone.Remove(card.Id);
            // A call that just arrived, or one its department handed back: the dispatcher must not miss it (issue 19).
            if (known is null ? IsWaiting(card) : card.Returned && !known.Returned) _fresh.Add(card.Id);
            else if (!IsWaiting(card)) _fresh.Remove(card.Id);
            if (at >= 0) _cards[at] = card;
            else
            {
                // Grow by an eighth, not double: a board's list is as long as the city's backlog, in every circuit.
                if (_cards.Count == _cards.Capacity) _cards.Capacity = _cards.Count + _cards.Count / 8 + 16;
                _cards.Insert(~at, card);
            }
        }
        Changed();
        return true;
    }

    void Changed()
    {
        _view = null;
        _byState = null;
        _counts = null;
    }
}
