using Dispatch.Server.Units;

namespace Dispatch.Server.Components.Units;

/// <summary>
/// The roster lines a view shows, kept current by pushes: a line is replaced only by a newer version of itself, so a
/// slow reload never undoes a push that overtook it, and a reload adds what it finds without dropping lines pushed
/// meanwhile. Units are never deleted and whether a reader may see one never changes (its home, department and sign-in
/// are fixed at registration), so nothing is ever taken away here except by <see cref="Apply"/> with visible: false.
/// </summary>
public sealed class UnitsInView
{
    readonly Dictionary<Guid, UnitRosterEntry> _units = [];

    public IReadOnlyCollection<UnitRosterEntry> All => _units.Values;

    public int Count => _units.Count;

    public UnitRosterEntry? Find(Guid id) => _units.GetValueOrDefault(id);

    public void Load(IEnumerable<UnitRosterEntry> units)
    {
        foreach (var unit in units) Apply(unit, visible: true);
    }

    /// <summary>Takes a pushed line; true when the view changed.</summary>
    public bool Apply(UnitRosterEntry unit, bool visible)
    {
        if (!visible) return _units.Remove(unit.Id);
        if (_units.TryGetValue(unit.Id, out var known) && known.Version >= unit.Version) return false;
        _units[unit.Id] = unit;
        return true;
    }
}
