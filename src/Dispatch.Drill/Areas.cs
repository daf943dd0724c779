using System.Text.Json;
using Dispatch.Domain;

namespace Dispatch.Drill;

/// <summary>A WGS-84 point.</summary>
public readonly record struct LatLon(double Lat, double Lon)
{
    public double MetersTo(LatLon other) => Geo.DistanceMeters(Lat, Lon, other.Lat, other.Lon);

    /// <summary>
    /// <paramref name="meters"/> along the straight line toward <paramref name="target"/>, or the target itself when it is
    /// that close. Straight in degrees, which over a town's few kilometres is straight enough.
    /// </summary>
    public LatLon Toward(LatLon target, double meters)
    {
        var distance = MetersTo(target);
        if (distance <= meters || distance == 0) return target;
        var f = meters / distance;
        return new(Lat + (target.Lat - Lat) * f, Lon + (target.Lon - Lon) * f);
    }

    public override string ToString() => FormattableString.Invariant($"({Lat:F6}, {Lon:F6})");
}

/// <summary>
/// A jurisdiction node's area as read from GeoJSON (Polygon or MultiPolygon, [longitude, latitude] order): enough to
/// tell whether a point lies inside and to pick random points inside, without a geometry library.
/// </summary>
public sealed class Area
{
    // Each polygon: its rings, the first the outline, the others holes; each ring a closed list of points.
    readonly IReadOnlyList<IReadOnlyList<LatLon[]>> _polygons;

    public Area(string code, string name, string path, IReadOnlyList<IReadOnlyList<LatLon[]>> polygons)
    {
        if (polygons.Count == 0 || polygons.Any(p => p.Count == 0 || p.Any(r => r.Length < 4)))
            throw new ArgumentException($"The boundary of {code} has no polygon of at least three corners.", nameof(polygons));
        (Code, Name, Path, _polygons) = (code, name, path, polygons);
        var all = polygons.SelectMany(p => p[0]).ToList();
        (South, North, West, East) = (all.Min(p => p.Lat), all.Max(p => p.Lat), all.Min(p => p.Lon), all.Max(p => p.Lon));
    }

    public string Code { get; }
    public string Name { get; }
    public string Path { get; }
    public double South { get; }
    public double North { get; }
    public double West { get; }
    public double East { get; }

    /// <summary>Inside an outline and outside its holes (even–odd ray casting; a point exactly on an edge may go either way).</summary>
    public bool Contains(LatLon p) => _polygons.Any(rings => rings.Count(ring => Crosses(ring, p)) % 2 == 1);

    static bool Crosses(LatLon[] ring, LatLon p)
    {
        var inside = false;
        for (int i = 0, j = ring.Length - 1; i < ring.Length; j = i++)
        {
            var (a, b) = (ring[i], ring[j]);
            if ((a.Lat > p.Lat) != (b.Lat > p.Lat) && p.Lon < (b.Lon - a.Lon) * (p.Lat - a.Lat) / (b.Lat - a.Lat) + a.Lon)
                inside = !inside;
        }
        return inside;
    }

    /// <summary>
    /// A random point inside; with <paramref name="near"/>, preferably within <paramref name="withinMeters"/> of it, so
    /// a patrol goes from street to nearby street rather than across town every time.
    /// </summary>
    public LatLon RandomPoint(Random random, LatLon? near = null, double withinMeters = 1500)
    {
        LatLon? fallback = null;
        for (var attempt = 0; attempt < 500; attempt++)
        {
            var p = new LatLon(South + random.NextDouble() * (North - South), West + random.NextDouble() * (East - West));
            if (!Contains(p)) continue;
            if (near is not { } from || from.MetersTo(p) <= withinMeters) return p;
            fallback ??= p;
        }
        return fallback ?? _polygons[0][0][0];
    }

    /// <summary>The areas of a GeoJSON FeatureCollection such as GET /api/jurisdictions answers, in file order.</summary>
    public static IReadOnlyList<Area> ReadGeoJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
            throw new FormatException("Not a GeoJSON FeatureCollection: it has no \"features\" array.");
        var areas = new List<Area>();
        foreach (var feature in features.EnumerateArray())
        {
            var properties = feature.GetProperty("properties");
            string Text(string name) => properties.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";
            var geometry = feature.GetProperty("geometry");
            var coordinates = geometry.GetProperty("coordinates");
            var polygons = geometry.GetProperty("type").GetString() switch
            {
                "Polygon" => [Polygon(coordinates)],
                "MultiPolygon" => coordinates.EnumerateArray().Select(Polygon).ToList(),
                var other => throw new FormatException($"Feature {Text("code")} has a {other}; a jurisdiction is a Polygon or MultiPolygon."),
            };
            areas.Add(new Area(Text("code"), Text("name"), Text("path"), polygons));
        }
        return areas;
    }

    static IReadOnlyList<LatLon[]> Polygon(JsonElement rings) =>
        rings.EnumerateArray().Select(ring => ring.EnumerateArray().Select(p => new LatLon(p[1].GetDouble(), p[0].GetDouble())).ToArray()).ToList();

    public override string ToString() => $"{Name} ({Code})";
}
