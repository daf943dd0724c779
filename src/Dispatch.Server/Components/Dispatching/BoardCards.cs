using System.Collections.ObjectModel;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Components.Dispatching;

/// <summary>
/// The open cards one board shows, kept current from pushes: each change replaces its card by id when it is
/// newer, and a card that is no longer open leaves. The filtered, sorted view is rebuilt only when something
/// changed, so a burst of pushes costs one sort per render, not one per push.
/// </summary>
public sealed class BoardCards
{
    readonly Dictionary<Guid, IncidentCard> _cards = [];
    // Versions of cards that left, so a late push of an older open version cannot bring one back.
    readonly Dictionary<Guid, long> _gone = [];
    ReadOnlyCollection<IncidentCard>? _view;
    Dictionary<IncidentState, int>? _byState;
    IncidentState? _state;
    string? _category;
    Urgency? _urgency;

    /// <summary>States an open incident can be in, in the order of the loop.</summary>
    public static readonly IncidentState[] OpenStates =
        [IncidentState.Reported, IncidentState.Accepted, IncidentState.Assigned, IncidentState.Acknowledged, IncidentState.Resolved];

    public IncidentState? State { get => _state; set { _state = value; _view = null; } }
    public string? Category { get => _category; set { _category = value; _view = null; } }
    public Urgency? Urgency { get => _urgency; set { _urgency = value; _view = null; } }
    public bool Filtered => _state is not null || _category is not null || _urgency is not null;

    /// <summary>Every open incident, whatever the filters.</summary>
    public int Total => _cards.Count;

    /// <summary>The cards that pass the filters: most urgent first, then the oldest (waiting longest) first.</summary>
    public ReadOnlyCollection<IncidentCard> View => _view ??= _cards.Values
        .Where(c => (_state is null || c.State == _state) && (_category is null || c.Category == _category) &&
                    (_urgency is null || c.Urgency == _urgency))
        .OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ThenBy(c => c.Number, StringComparer.Ordinal)
        .ToList().AsReadOnly();

    /// <summary>Open incidents per state, whatever the filters (the counts are also the state filter).</summary>
    public int Count(IncidentState state)
    {
        _byState ??= _cards.Values.GroupBy(c => c.State).ToDictionary(g => g.Key, g => g.Count());
        return _byState.GetValueOrDefault(state);
    }

    public IncidentCard? Find(Guid id) => _cards.GetValueOrDefault(id);

    /// <summary>Replaces everything with what the store holds now.</summary>
    public void Load(IEnumerable<IncidentCard> cards)
    {
        _cards.Clear();
        _gone.Clear();
        foreach (var card in cards.Where(c => c.IsOpen)) _cards[card.Id] = card;
        Changed();
    }

    /// <summary>
    /// Applies one pushed card; false when it changes nothing (an older or repeated version). A card this board may
    /// not show (<paramref name="visible"/> false: it moved out of the user's scope) leaves like a closed one.
    /// </summary>
    public bool Apply(IncidentCard card, bool visible = true)
    {
        var known = _cards.GetValueOrDefault(card.Id);
        if (known is not null && known.Version >= card.Version) return false;
        if (_gone.TryGetValue(card.Id, out var goneAt) && goneAt >= card.Version) return false;
        if (!card.IsOpen || !visible)
        {
            _gone[card.Id] = card.Version;
            if (known is null) return false;
            _cards.Remove(card.Id);
        }
        else
        {
            _gone.Remove(card.Id);
            _cards[card.Id] = card;
        }
        Changed();
        return true;
    }

    void Changed()
    {
        _view = null;
        _byState = null;
    }
}
