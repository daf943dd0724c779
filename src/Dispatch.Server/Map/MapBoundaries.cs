using System.Collections.Concurrent;
using Dispatch.Domain.Access;
using Dispatch.Server.Jurisdictions;
using NetTopologySuite.Geometries;

namespace Dispatch.Server.Map;

/// <summary>One jurisdiction's outline as the map draws it: polygons of rings of [lat, lon], already in the tiles' datum.</summary>
public sealed record MapArea(string Code, string Name, string Kind, double[][][][] Polygons);

/// <summary>The outlines of a scope, and the box [[south, west], [north, east]] the map opens on.</summary>
public sealed record MapOutline(IReadOnlyList<MapArea> Areas, double[][] Bounds);

/// <summary>
/// The jurisdiction outlines a map draws, straight from the tree the server runs on (no HTTP round trip), shifted to the
/// tiles' datum. The tree is fixed for the life of the process, so each scope's outline is built once.
/// </summary>
public sealed class MapBoundaries(JurisdictionTree tree, MapSettings settings)
{
    readonly ConcurrentDictionary<string, MapOutline> _cache = new();

    /// <summary>Every node that one of <paramref name="scopes"/> covers (a scope is a path in the tree), coarsest first.</summary>
    public MapOutline Of(IEnumerable<string> scopes)
    {
        var list = scopes.Distinct().Order(StringComparer.Ordinal).ToList();
        // By language too: the city's own name is the reader's (JurisdictionTree.NameOf).
        var language = System.Globalization.CultureInfo.CurrentUICulture.TwoLetterISOLanguageName;
        return _cache.GetOrAdd(language + "|" + string.Join('|', list), _ => Build(list));
    }

    /// <summary>The whole city: what the intake's small map shows.</summary>
    public MapOutline City => Of([tree.City.Path]);

    MapOutline Build(IReadOnlyList<string> scopes)
    {
        var nodes = tree.Nodes.Where(n => scopes.Any(s => AccessRules.Covers(s, n.Path))).OrderBy(n => n.Kind).ToList();
        var areas = nodes.Select(n => new MapArea(n.Code, tree.NameOf(n.Path), n.Kind.ToString().ToLowerInvariant(), Polygons(n.Boundary))).ToList();
        var envelope = new Envelope();
        foreach (var n in nodes) envelope.ExpandToInclude(n.Boundary.EnvelopeInternal);
        if (envelope.IsNull) envelope = tree.City.Boundary.EnvelopeInternal;
        var (south, west) = settings.ToTiles(envelope.MinY, envelope.MinX);
        var (north, east) = settings.ToTiles(envelope.MaxY, envelope.MaxX);
        return new MapOutline(areas, [[Round(south), Round(west)], [Round(north), Round(east)]]);
    }

    double[][][][] Polygons(Geometry boundary) =>
        Enumerable.Range(0, boundary.NumGeometries).Select(i => (Polygon)boundary.GetGeometryN(i))
            .Select(p => new[] { p.ExteriorRing }.Concat(p.InteriorRings).Select(Ring).ToArray()).ToArray();

    double[][] Ring(LineString ring) =>
        ring.Coordinates.Select(c => settings.ToTiles(c.Y, c.X)).Select(p => new[] { Round(p.Lat), Round(p.Lon) }).ToArray();

    /// <summary>Six decimals: about 0.1 m, as the jurisdiction file itself is written.</summary>
    public static double Round(double degrees) => Math.Round(degrees, 6);
}
