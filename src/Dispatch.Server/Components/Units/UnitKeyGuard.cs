namespace Dispatch.Server.Components.Units;

/// <summary>What a number key does while the drawer holds its list after a dispatch.</summary>
public enum UnitKeyDecision
{
    /// <summary>No dispatch a moment ago: the key sends its unit at once.</summary>
    Send,
    /// <summary>The key names the unit just sent: nothing more to do (the dispatcher missed the confirmation).</summary>
    AlreadySent,
    /// <summary>Another unit, a moment after a dispatch: send it only once the dispatcher confirms.</summary>
    Confirm,
}

/// <summary>
/// Keeps key 1 meaning the same unit right after a dispatch (issue 19). Without it, sending the nearest unit renumbered the
/// list at once: a dispatcher pressing 1 again because they missed the confirmation sent the next (farther) unit. For
/// <see cref="Hold"/> after each dispatch the numbered rows stay as they were, with the units sent marked, and a number
/// key asks before sending another unit. Time is the injected clock's, so tests can move it.
/// </summary>
public sealed class UnitKeyGuard(TimeProvider clock)
{
    /// <summary>How long the list holds still (and a key asks first) after a dispatch.</summary>
    public static readonly TimeSpan Hold = TimeSpan.FromSeconds(3);

    IReadOnlyList<ProposalRow>? _frozen;
    readonly HashSet<Guid> _sent = [];

    /// <summary>When the hold ends; null when the list is not held.</summary>
    public DateTimeOffset? Until { get; private set; }

    public bool Holding => Until is { } until && clock.GetUtcNow() < until;

    /// <summary>The units sent during the current hold (shown as "sent" in place).</summary>
    public IReadOnlySet<Guid> Sent => Holding ? _sent : EmptySet;

    static readonly IReadOnlySet<Guid> EmptySet = new HashSet<Guid>();

    /// <summary>The rows to show: those held since the dispatch, or <paramref name="live"/> once the hold is over.</summary>
    public IReadOnlyList<ProposalRow> Rows(IReadOnlyList<ProposalRow> live) => Holding && _frozen is { } frozen ? frozen : live;

    /// <summary>What the key naming <paramref name="row"/> should do now.</summary>
    public UnitKeyDecision Press(ProposalRow row) =>
        !Holding ? UnitKeyDecision.Send
        : _sent.Contains(row.Unit.Id) ? UnitKeyDecision.AlreadySent
        : UnitKeyDecision.Confirm;

    /// <summary>
    /// A unit is being sent from <paramref name="shown"/> (the rows on screen): hold them from now. Called before the
    /// command goes, so a key pressed while it runs already sees the hold.
    /// </summary>
    public void Sending(ProposalRow row, IReadOnlyList<ProposalRow> shown)
    {
        if (!Holding)
        {
            _sent.Clear();
            _frozen = shown;
        }
        _sent.Add(row.Unit.Id);
        Until = clock.GetUtcNow() + Hold;
    }

    /// <summary>The dispatch did not happen (refused, failed): that unit is not "sent", and nothing else held, nothing stays held.</summary>
    public void NotSent(ProposalRow row)
    {
        _sent.Remove(row.Unit.Id);
        if (_sent.Count == 0) Release();
    }

    /// <summary>Another incident, or the hold ran out: the live list again.</summary>
    public void Release()
    {
        _frozen = null;
        _sent.Clear();
        Until = null;
    }
}
