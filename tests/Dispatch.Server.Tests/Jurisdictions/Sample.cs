using System.Globalization;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>Small hand-written jurisdiction files, built a feature at a time so each test shows its one fault.</summary>
static class Sample
{
    /// <summary>
    /// A valid file small enough to read: city "c" (121.0–121.4 E, 31.0–31.2 N) split at 121.2 E into districts
    /// "w" and "e", one town each; town "w1" cut into four square cells a b / c d (north-west, north-east,
    /// south-west, south-east) that meet at (121.1 E, 31.1 N); town "e1" has no cells yet.
    /// </summary>
    public const string SmallCity = """
        {
          "type": "FeatureCollection",
          "features": [
            { "type": "Feature", "properties": { "code": "c", "name": "Small City", "parent": "", "kind": "city" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.0, 31.0], [121.4, 31.0], [121.4, 31.2], [121.0, 31.2], [121.0, 31.0]]] } },
            { "type": "Feature", "properties": { "code": "w", "name": "西区", "parent": "c", "kind": "district" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.0, 31.0], [121.2, 31.0], [121.2, 31.2], [121.0, 31.2], [121.0, 31.0]]] } },
            { "type": "Feature", "properties": { "code": "e", "name": "东区", "parent": "c", "kind": "district" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.2, 31.0], [121.4, 31.0], [121.4, 31.2], [121.2, 31.2], [121.2, 31.0]]] } },
            { "type": "Feature", "properties": { "code": "w1", "name": "西一街道", "parent": "w", "kind": "town" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.0, 31.0], [121.2, 31.0], [121.2, 31.2], [121.0, 31.2], [121.0, 31.0]]] } },
            { "type": "Feature", "properties": { "code": "e1", "name": "东一街道", "parent": "e", "kind": "town" },
              "geometry": { "type": "MultiPolygon", "coordinates": [[[[121.2, 31.0], [121.4, 31.0], [121.4, 31.2], [121.2, 31.2], [121.2, 31.0]]]] } },
            { "type": "Feature", "properties": { "code": "w1-a", "name": "西一街道第1网格", "parent": "w1", "kind": "grid" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.0, 31.1], [121.1, 31.1], [121.1, 31.2], [121.0, 31.2], [121.0, 31.1]]] } },
            { "type": "Feature", "properties": { "code": "w1-b", "name": "西一街道第2网格", "parent": "w1", "kind": "grid" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.1, 31.1], [121.2, 31.1], [121.2, 31.2], [121.1, 31.2], [121.1, 31.1]]] } },
            { "type": "Feature", "properties": { "code": "w1-c", "name": "西一街道第3网格", "parent": "w1", "kind": "grid" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.0, 31.0], [121.1, 31.0], [121.1, 31.1], [121.0, 31.1], [121.0, 31.0]]] } },
            { "type": "Feature", "properties": { "code": "w1-d", "name": "西一街道第4网格", "parent": "w1", "kind": "grid" },
              "geometry": { "type": "Polygon", "coordinates": [[[121.1, 31.0], [121.2, 31.0], [121.2, 31.1], [121.1, 31.1], [121.1, 31.0]]] } }
          ]
        }
        """;

    /// <summary>A rectangle, west to east and south to north, in GeoJSON's [longitude, latitude] order.</summary>
    public static string Box(double west, double south, double east, double north) =>
        Polygon([(west, south), (east, south), (east, north), (west, north), (west, south)]);

    public static string Polygon(params (double Lon, double Lat)[] ring) =>
        $$"""{"type":"Polygon","coordinates":[[{{string.Join(",", ring.Select(Position))}}]]}""";

    public static string Position((double Lon, double Lat) p) =>
        string.Create(CultureInfo.InvariantCulture, $"[{p.Lon},{p.Lat}]");

    /// <summary>One feature; pass null for a property or the geometry to leave it out.</summary>
    public static string Feature(string? code, string? parent, string? kind, string? geometry, string? name = "名称")
    {
        var properties = new[] { ("code", code), ("name", name), ("parent", parent), ("kind", kind) }
            .Where(p => p.Item2 is not null)
            .Select(p => $"\"{p.Item1}\":\"{p.Item2}\"");
        var geometryPart = geometry is null ? "" : $",\"geometry\":{geometry}";
        return $$"""{"type":"Feature","properties":{{{string.Join(",", properties)}}}{{geometryPart}}}""";
    }

    public static string Collection(params string[] features) =>
        $$"""{"type":"FeatureCollection","features":[{{string.Join(",\n", features)}}]}""";

    /// <summary>The whole area every test city stands on.</summary>
    public static readonly string Whole = Box(121.0, 31.0, 121.4, 31.2);

    /// <summary>A sound chain city "c" → district "d" → town "t" → cell "g", all of the same square.</summary>
    public static string[] Chain() =>
    [
        Feature("c", "", "city", Whole), Feature("d", "c", "district", Whole),
        Feature("t", "d", "town", Whole), Feature("g", "t", "grid", Whole),
    ];
}
