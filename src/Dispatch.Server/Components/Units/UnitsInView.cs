using Dispatch.Server.Units;
using Dispatch.Server.Units.Positions;

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

    /// <summary>
    /// Takes a pushed line; true when the view changed. Positions are telemetry and move without a new version: the newer
    /// position of the two lines is kept, so a line loaded a moment ago never takes a unit back to where it was.
    /// </summary>
    public bool Apply(UnitRosterEntry unit, bool visible)
    {
        if (!visible) return _units.Remove(unit.Id);
        if (_units.TryGetValue(unit.Id, out var known))
        {
            if (known.Version > unit.Version) return false;
            if (known.PositionAt is { } at && (unit.PositionAt is null || unit.PositionAt < at))
                unit = unit with { Lat = known.Lat, Lon = known.Lon, Accuracy = known.Accuracy, PositionAt = known.PositionAt };
            if (known == unit) return false;
        }
        _units[unit.Id] = unit;
        return true;
    }

    /// <summary>Takes the units that moved (one push per flush); returns those in view whose position changed.</summary>
    public IReadOnlyList<UnitRosterEntry> Move(IReadOnlyList<UnitFix> moved)
    {
        var changed = new List<UnitRosterEntry>();
        foreach (var fix in moved)
        {
            if (!_units.TryGetValue(fix.UnitId, out var known)) continue;
            if (known.PositionAt is { } at && fix.ReportedAt <= at) continue;
            var line = UnitPositions.With(known, fix);
            _units[fix.UnitId] = line;
            changed.Add(line);
        }
        return changed;
    }
}
