using NetTopologySuite.Algorithm.Locate;
using NetTopologySuite.Geometries;
using NetTopologySuite.Index.Strtree;

namespace Dispatch.Server.Jurisdictions;

/// <summary>
/// The city → district → town → grid tree, immutable and safe to share between threads. Only
/// <see cref="JurisdictionFile"/> builds one, so every tree has passed its validation.
/// </summary>
public sealed class JurisdictionTree
{
    readonly Dictionary<string, Jurisdiction> _byCode;
    readonly Dictionary<string, IReadOnlyList<Jurisdiction>> _children;
    readonly Dictionary<string, Placement> _placements;
    readonly STRtree<Area> _index = new();

    // A boundary with its point locator. The locator indexes the polygon's edges, so locating is logarithmic
    // in its vertex count; the STRtree narrows thousands of cells to the few whose envelopes hold the point.
    sealed record Area(Jurisdiction Node, IPointOnGeometryLocator Locator);

    internal JurisdictionTree(IReadOnlyList<Jurisdiction> nodes)
    {
        _byCode = nodes.ToDictionary(n => n.Code, StringComparer.Ordinal);
        City = nodes.Single(n => n.Kind == JurisdictionKind.City);
        _children = nodes.Where(n => n.Parent is not null)
            .GroupBy(n => n.Parent!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Jurisdiction>)g.OrderBy(n => n.Code, StringComparer.Ordinal).ToList(),
                StringComparer.Ordinal);
        _placements = nodes.ToDictionary(n => n.Code, PlacementOf, StringComparer.Ordinal);
        Nodes = nodes.OrderBy(n => n.Path, StringComparer.Ordinal).ToList();
        foreach (var node in nodes)
            _index.Insert(node.Boundary.EnvelopeInternal, new Area(node, new IndexedPointInAreaLocator(node.Boundary)));
        _index.Build(); // now read-only, so concurrent queries are safe
    }

    public Jurisdiction City { get; }

    /// <summary>Every node, parents before children (ordered by path).</summary>
    public IReadOnlyList<Jurisdiction> Nodes { get; }

    public IEnumerable<Jurisdiction> OfKind(JurisdictionKind kind) => Nodes.Where(n => n.Kind == kind);

    public Jurisdiction? Find(string code) => _byCode.GetValueOrDefault(code);

    /// <summary>
    /// The name people read for the node at <paramref name="path"/> (<c>demo/dh/dh-01</c> → its town's name): a path ends
    /// in its node's code and codes are unique. "" is the city; a path the tree does not know reads as itself.
    /// </summary>
    public string NameOf(string path) =>
        path.Length == 0 || path == City.Path ? CityName(System.Globalization.CultureInfo.CurrentUICulture)
            : Find(path[(path.LastIndexOf('/') + 1)..])?.Name ?? path;

    // The city's name by language (issue 19: "Demo City" in Chinese views). Set once at start-up, before the tree is shared.
    string? _cityName, _cityNameZh;

    /// <summary>Names the root in English (and other languages) and in Chinese, from <c>Dispatch:City</c>; blanks keep the file's name.</summary>
    public void NameCity(string? name, string? nameZh) =>
        (_cityName, _cityNameZh) = (string.IsNullOrWhiteSpace(name) ? null : name.Trim(), string.IsNullOrWhiteSpace(nameZh) ? null : nameZh.Trim());

    /// <summary>The city's name for a reader of <paramref name="culture"/>: Chinese readers get the Chinese name where there is one.</summary>
    public string CityName(System.Globalization.CultureInfo culture) =>
        (culture.TwoLetterISOLanguageName == "zh" ? _cityNameZh ?? _cityName : _cityName) ?? City.Name;

    public Jurisdiction this[string code] =>
        _byCode.TryGetValue(code, out var node) ? node : throw new KeyNotFoundException($"No jurisdiction has the code '{code}'.");

    /// <summary>The node's children ordered by code; none for a grid cell or an unknown code.</summary>
    public IReadOnlyList<Jurisdiction> Children(string code) => _children.GetValueOrDefault(code) ?? [];

    /// <summary>The nodes from the city down to (and including) the given one.</summary>
    public IReadOnlyList<Jurisdiction> Lineage(string code)
    {
        var line = new List<Jurisdiction>();
        for (var node = this[code]; ; node = _byCode[node.Parent!])
        {
            line.Insert(0, node);
            if (node.Parent is null) return line;
        }
    }

    /// <summary>True when <paramref name="code"/> is <paramref name="scope"/> itself or lies beneath it.</summary>
    public bool IsWithin(string code, string scope) =>
        Find(code) is { } node && Find(scope) is { } s &&
        (node.Path == s.Path || node.Path.StartsWith(s.Path + "/", StringComparison.Ordinal));

    /// <summary>
    /// The grid cell, town and district of a WGS-84 point, or <see cref="Placement.Outside"/>. A node holds a
    /// point that is inside it or on its boundary (it "covers" it). Of the nodes that hold the point the finest
    /// level wins, and within a level the lowest code (ordinal): a point on the edge between two cells, or on a
    /// vertex shared by several, goes to exactly one of them, the same one every time. Town and district are the
    /// winner's ancestors, never looked up on their own, so the answer is always one line of the tree.
    /// </summary>
    public Placement Place(double latitude, double longitude)
    {
        if (!double.IsFinite(latitude) || !double.IsFinite(longitude) || Math.Abs(latitude) > 90 || Math.Abs(longitude) > 180)
            return Placement.Outside;
        var at = new Coordinate(longitude, latitude); // geometry order: X = longitude, Y = latitude
        Jurisdiction? best = null;
        foreach (var area in _index.Query(new Envelope(at)))
            if (Wins(area.Node, best) && area.Locator.Locate(at) != Location.Exterior)
                best = area.Node;
        return best is null ? Placement.Outside : _placements[best.Code];
    }

    static bool Wins(Jurisdiction candidate, Jurisdiction? best) =>
        best is null || candidate.Kind > best.Kind ||
        candidate.Kind == best.Kind && string.CompareOrdinal(candidate.Code, best.Code) < 0;

    Placement PlacementOf(Jurisdiction node)
    {
        var line = Lineage(node.Code);
        Jurisdiction? At(JurisdictionKind kind) => line.FirstOrDefault(n => n.Kind == kind);
        return new Placement(At(JurisdictionKind.City), At(JurisdictionKind.District), At(JurisdictionKind.Town), At(JurisdictionKind.Grid));
    }
}
