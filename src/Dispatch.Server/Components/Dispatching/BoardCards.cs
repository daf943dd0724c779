using System.Collections.ObjectModel;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// The open cards one board shows, kept current from pushes: each change replaces its card when it is newer, and a card
/// that is no longer open leaves. The cards are kept in the board's own order (most urgent first, then the oldest), so
/// the unfiltered view is the list itself: a push moves a few references and a render sorts nothing. A push costs what
/// it changed, not the board's size: the counts, the next deadline and a filtered view are kept up by each push, because
/// every board on the node takes its turn on the feed's thread (docs/benchmarks.md, twelfth session). Whether a card is
/// overdue depends on the time as well: the owner calls <see cref="TimePassed"/> when <see cref="NextDeadline"/> comes.
/// </summary>
public sealed class BoardCards
{
    readonly TimeProvider _clock;
    // The cards in board order (BoardOrder), found by binary search: 8 bytes a card in every board circuit, and the same
    // list is what Virtualize shows. A view array per change, sorted anew, was two more copies of the board per circuit
    // (the one shown and the one the last render still held) and a sort of the whole board on every push.
    readonly List<IncidentCard> _cards = [];
    readonly ReadOnlyCollection<IncidentCard> _all;
    // Versions of cards that left, so a late push of an older open version cannot bring one back.
    readonly Dictionary<Guid, long> _gone = [];
    // The filtered cards, in board order too: built when a filter is set, then changed in place by each push.
    List<IncidentCard>? _view;
    ReadOnlyCollection<IncidentCard>? _viewAll;
    IncidentState? _state;
    string? _category;
    Urgency? _urgency;
    bool _myQueue, _overdue;
    IReadOnlySet<string> _queue = new HashSet<string>();
    // The toolbar's counts, whatever the filters: each push takes its old card out and puts its new one in.
    readonly int[] _byState = new int[Enum.GetValues<IncidentState>().Max(s => (int)s) + 1];
    int _queueCount, _overdueCount;
    // "Overdue" (the count and the filter) is as of this moment; TimePassed moves it on.
    DateTimeOffset _countedAt;
    // The soonest deadline after _countedAt; found again over the board only when the card holding it changed.
    DateTimeOffset? _next;
    bool _nextKnown;
    // Incidents that arrived (or came back, returned by a department) while this board was open, not yet opened here.
    readonly HashSet<Guid> _fresh = [];

    public BoardCards(TimeProvider? clock = null)
    {
        _clock = clock ?? TimeProvider.System;
        _all = _cards.AsReadOnly();
        _countedAt = _clock.GetUtcNow();
        _nextKnown = true;
    }

    /// <summary>States an open incident can be in, in the order of the loop.</summary>
    public static readonly IncidentState[] OpenStates =
        [IncidentState.Reported, IncidentState.Accepted, IncidentState.Assigned, IncidentState.Acknowledged, IncidentState.Resolved];

    public IncidentState? State { get => _state; set { _state = value; FiltersChanged(); } }
    public string? Category { get => _category; set { _category = value; FiltersChanged(); } }
    public Urgency? Urgency { get => _urgency; set { _urgency = value; FiltersChanged(); } }
    /// <summary>Only the incidents commanded by one of <see cref="QueueCentres"/> (the dispatcher's own queue).</summary>
    public bool MyQueue { get => _myQueue; set { _myQueue = value; FiltersChanged(); } }
    /// <summary>Only the incidents whose running deadline has run out.</summary>
    public bool Overdue { get => _overdue; set { _overdue = value; FiltersChanged(); } }
    public bool Filtered => _state is not null || _category is not null || _urgency is not null || _myQueue || _overdue;

    /// <summary>The command centres this user dispatches for (their dispatcher grants' scopes): "my queue".</summary>
    public IReadOnlySet<string> QueueCentres { get => _queue; set { _queue = value; Recount(); } }

    /// <summary>Every open incident, whatever the filters.</summary>
    public int Total => _cards.Count;

    /// <summary>
    /// The cards that pass the filters: most urgent first, then the oldest (waiting longest) first. Unfiltered, it is the
    /// board's own list; filtered, a list of its own. Either is changed in place by <see cref="Apply"/> (Virtualize reads
    /// its items afresh on every render).
    /// </summary>
    public ReadOnlyCollection<IncidentCard> View
    {
        get
        {
            if (!Filtered) return _all;
            if (_viewAll is null)
            {
                _view = [.. _cards.Where(Passes)];
                _viewAll = _view.AsReadOnly();
            }
            return _viewAll;
        }
    }

    bool Passes(IncidentCard c) =>
        (_state is null || c.State == _state) && (_category is null || c.Category == _category) &&
        (_urgency is null || c.Urgency == _urgency) && (!_myQueue || InQueue(c)) && (!_overdue || IsOverdue(c, _countedAt));

    void FiltersChanged() => (_view, _viewAll) = (null, null);

    /// <summary>
    /// The board's order: the most urgent first, then the one reported first, then by number and id (so two cards never
    /// tie). An incident's report time, number and id never change; only its urgency can.
    /// </summary>
    static int BoardOrder(IncidentCard a, IncidentCard b) => Order(a.Urgency, a.ReportedAt, a.Number, a.Id, b);

    static int Order(Urgency urgency, DateTimeOffset reportedAt, string number, Guid id, IncidentCard b)
    {
        if (urgency != b.Urgency) return b.Urgency.CompareTo(urgency);
        if (reportedAt != b.ReportedAt) return reportedAt.CompareTo(b.ReportedAt);
        if (string.CompareOrdinal(number, b.Number) is var byNumber and not 0) return byNumber;
        return id.CompareTo(b.Id);
    }

    bool InQueue(IncidentCard c) => _queue.Contains(c.CentrePath);

    static bool IsOverdue(IncidentCard c, DateTimeOffset now) =>
        DeadlineClock.StateAt(c.DeadlineFrom ?? now, c.DeadlineDue, now) == DeadlineState.Overdue;

    /// <summary>Open incidents in this user's queue, whatever the filters.</summary>
    public int QueueCount => _queueCount;

    /// <summary>Open incidents past their deadline (as of the last <see cref="TimePassed"/>), whatever the filters.</summary>
    public int OverdueCount => _overdueCount;

    /// <summary>
    /// When the next card runs out of time (and the overdue filter and count change); null when none will. It may already
    /// be past, when a card came with a deadline that ran out since the last <see cref="TimePassed"/>: wake at once.
    /// </summary>
    public DateTimeOffset? NextDeadline()
    {
        if (_nextKnown) return _next;
        _next = null;
        foreach (var card in _cards)
            if (card.DeadlineDue is { } due && due > _countedAt && (_next is null || due < _next)) _next = due;
        _nextKnown = true;
        return _next;
    }

    /// <summary>A deadline passed: what is overdue changed though no card did.</summary>
    public void TimePassed() => Recount();

    /// <summary>Open incidents per state, whatever the filters (the counts are also the state filter).</summary>
    public int Count(IncidentState state) => (int)state < _byState.Length ? _byState[(int)state] : 0;

    /// <summary>Counts the whole board afresh, overdue as of now (a load, a deadline passing, other queue centres).</summary>
    void Recount()
    {
        _countedAt = _clock.GetUtcNow();
        Array.Clear(_byState);
        _queueCount = _overdueCount = 0;
        _next = null;
        _nextKnown = true;
        foreach (var card in _cards) Counted(card, +1);
        // Which cards pass "my queue" or "overdue" may have changed with it; the other filters cannot have.
        if (_myQueue || _overdue) FiltersChanged();
    }

    /// <summary>Adds a card to the counts (<paramref name="sign"/> +1) or takes it out of them (-1).</summary>
    void Counted(IncidentCard card, int sign)
    {
        _byState[(int)card.State] += sign;
        if (InQueue(card)) _queueCount += sign;
        if (card.DeadlineDue is not { } due) return;
        if (IsOverdue(card, _countedAt)) _overdueCount += sign;
        else if (sign < 0) _nextKnown &= due != _next;
        else if (_nextKnown && (_next is null || due < _next)) _next = due;
    }

    /// <summary>The card with this id, if the board shows it (a row's click, a key: a scan, not a push's path).</summary>
    public IncidentCard? Find(Guid id)
    {
        foreach (var card in _cards)
            if (card.Id == id) return card;
        return null;
    }

    /// <summary>
    /// Where this incident's card is in <see cref="_cards"/> (found by its report time, number and id under each urgency,
    /// as a newer version may have another urgency), or the complement of where <paramref name="card"/> would go.
    /// </summary>
    int IndexOf(IncidentCard card)
    {
        foreach (var urgency in Urgencies)
            if (urgency != card.Urgency && Search(_cards, urgency, card) is var at and >= 0) return at;
        return Search(_cards, card.Urgency, card);
    }

    static readonly Urgency[] Urgencies = Enum.GetValues<Urgency>();

    /// <summary>Where <paramref name="card"/> is in <paramref name="list"/> (in board order) if it had this urgency, or the complement of where it would go.</summary>
    static int Search(List<IncidentCard> list, Urgency urgency, IncidentCard card)
    {
        int low = 0, high = list.Count - 1;
        while (low <= high)
        {
            var middle = low + (high - low) / 2;
            var order = -Order(urgency, card.ReportedAt, card.Number, card.Id, list[middle]);
            if (order == 0) return middle;
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        return ~low;
    }

    static void Insert(List<IncidentCard> list, IncidentCard card)
    {
        // Grow by an eighth, not double: a board's list is as long as the city's backlog, in every circuit.
        if (list.Count == list.Capacity) list.Capacity = list.Count + list.Count / 8 + 16;
        list.Insert(~Search(list, card.Urgency, card), card);
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
        // Already in the board's order.
        var waiting = _cards.Where(IsWaiting).ToList();
        if (waiting.Count == 0) return null;
        var at = current is { } id ? waiting.FindIndex(c => c.Id == id) : -1;
        return waiting[(at + 1) % waiting.Count];
    }

    /// <summary>Replaces everything with what the store holds now.</summary>
    public void Load(IEnumerable<IncidentCard> cards)
    {
        _cards.Clear();
        _gone.Clear();
        // One card per id (the newest version, as a later push would leave it), then in the board's order.
        var newest = new Dictionary<Guid, IncidentCard>();
        foreach (var card in cards)
            if (card.IsOpen && (!newest.TryGetValue(card.Id, out var known) || known.Version < card.Version)) newest[card.Id] = card;
        _cards.Capacity = newest.Count;
        _cards.AddRange(newest.Values);
        _cards.Sort(BoardOrder);
        _fresh.RemoveWhere(id => !newest.ContainsKey(id));
        Recount();
        FiltersChanged();
    }

    /// <summary>
    /// Applies one pushed card; false when it changes nothing (an older or repeated version). A card this board may
    /// not show (<paramref name="visible"/> false: it moved out of the user's scope) leaves like a closed one.
    /// </summary>
    public bool Apply(IncidentCard card, bool visible = true)
    {
        var at = IndexOf(card);
        var known = at >= 0 ? _cards[at] : null;
        if (known is not null && known.Version >= card.Version) return false;
        if (_gone.TryGetValue(card.Id, out var goneAt) && goneAt >= card.Version) return false;
        var stays = card.IsOpen && visible;
        if (!stays)
        {
            _gone[card.Id] = card.Version;
            _fresh.Remove(card.Id);
            if (known is null) return false;
        }
        else
        {
            _gone.Remove(card.Id);
            // A call that just arrived, or one its department handed back: the dispatcher must not miss it (issue 19).
            if (known is null ? IsWaiting(card) : card.Returned && !known.Returned) _fresh.Add(card.Id);
            else if (!IsWaiting(card)) _fresh.Remove(card.Id);
        }
        if (known is not null)
        {
            Counted(known, -1);
            if (_view is not null && Passes(known)) _view.RemoveAt(Search(_view, known.Urgency, known));
        }
        if (stays)
        {
            Counted(card, +1);
            if (_view is not null && Passes(card)) Insert(_view, card);
        }
        if (known is not null && stays && known.Urgency == card.Urgency) _cards[at] = card;
        else
        {
            // New, gone, or its urgency moved it: out of its old place, into its new one.
            if (known is not null) _cards.RemoveAt(at);
            if (stays) Insert(_cards, card);
        }
        return true;
    }
}
