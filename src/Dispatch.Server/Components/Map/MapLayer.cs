using Dispatch.Server.Map;

namespace Dispatch.Server.Components.Map;

/// <summary>
/// One marker: where it is (WGS-84, as stored), how it looks (CSS classes of ours), a short label and a tooltip.
/// </summary>
public sealed record MapMarker(Guid Id, double Lat, double Lon, string Look, string Label, string Title);

/// <summary>
/// What one layer of a map shows (units, incidents), and what changed since the browser last heard. The owner sets and
/// removes markers as pushes arrive; <see cref="LeafletMap"/> takes the changes in batches (<see cref="TakeChanges"/>),
/// so the browser gets only new, changed, moved and removed markers, never the whole layer again. A marker that changed
/// twice between two batches goes once; one that moved and came back goes not at all.
/// Used from one circuit's renderer thread only (pushes arrive through <c>InvokeAsync</c>), so it needs no lock.
/// </summary>
public sealed class MapLayer
{
    readonly Dictionary<Guid, MapMarker> _current = [];
    readonly Dictionary<Guid, MapMarker> _sent = [];
    readonly HashSet<Guid> _dirty = [];
    // A short number per marker for the browser: a move is [key, lat, lon], not a 36-character id.
    readonly Dictionary<Guid, int> _keys = [];
    readonly List<Guid> _ids = [];

    /// <summary>Raised when the first change after a batch arrives: time to schedule the next batch.</summary>
    public event Action? Changed;

    public int Count => _current.Count;

    public MapMarker? Find(Guid id) => _current.GetValueOrDefault(id);

    public void Set(MapMarker marker)
    {
        if (_current.TryGetValue(marker.Id, out var known) && known == marker) return;
        _current[marker.Id] = marker;
        Touch(marker.Id);
    }

    public void Remove(Guid id)
    {
        if (_current.Remove(id)) Touch(id);
    }

    /// <summary>Replaces everything (a reload): markers no longer there go, the rest are set.</summary>
    public void Reset(IEnumerable<MapMarker> markers)
    {
        var keep = markers.ToDictionary(m => m.Id);
        foreach (var id in _current.Keys.Where(id => !keep.ContainsKey(id)).ToList()) Remove(id);
        foreach (var marker in keep.Values) Set(marker);
    }

    /// <summary>The id behind a key the browser sent back (a click); null for a key it never had.</summary>
    public Guid? IdOf(int key) => key >= 0 && key < _ids.Count ? _ids[key] : null;

    /// <summary>Whether changes wait for the next batch.</summary>
    public bool HasChanges => _dirty.Count > 0;

    /// <summary>
    /// The changes since the last call, drawn for the tiles' datum: puts (new or changed look), moves (position only)
    /// and removals. Null when nothing changed for the browser.
    /// </summary>
    public LayerChanges? TakeChanges(MapSettings tiles)
    {
        if (_dirty.Count == 0) return null;
        var puts = new List<object[]>();
        var moves = new List<double[]>();
        var removes = new List<int>();
        foreach (var id in _dirty)
        {
            var now = _current.GetValueOrDefault(id);
            var before = _sent.GetValueOrDefault(id);
            if (now == before) continue;
            if (now is null)
            {
                _sent.Remove(id);
                removes.Add(_keys[id]);
                continue;
            }
            _sent[id] = now;
            var key = KeyOf(id);
            var (lat, lon) = tiles.ToTiles(now.Lat, now.Lon);
            (lat, lon) = (MapBoundaries.Round(lat), MapBoundaries.Round(lon));
            if (before is not null && before.Look == now.Look && before.Label == now.Label && before.Title == now.Title)
                moves.Add([key, lat, lon]);
            else
                puts.Add([key, id.ToString(), lat, lon, now.Look, now.Label, now.Title]);
        }
        _dirty.Clear();
        return puts.Count + moves.Count + removes.Count == 0 ? null : new LayerChanges(puts, moves, removes);
    }

    int KeyOf(Guid id)
    {
        if (_keys.TryGetValue(id, out var key)) return key;
        _keys[id] = key = _ids.Count;
        _ids.Add(id);
        return key;
    }

    void Touch(Guid id)
    {
        var first = _dirty.Count == 0;
        _dirty.Add(id);
        if (first) Changed?.Invoke();
    }
}

/// <summary>
/// One layer's batch for the browser (map.js <c>apply</c>): puts [key, id, lat, lon, look, label, title], moves
/// [key, lat, lon], removals [key].
/// </summary>
public sealed record LayerChanges(IReadOnlyList<object[]> P, IReadOnlyList<double[]> M, IReadOnlyList<int> R);
