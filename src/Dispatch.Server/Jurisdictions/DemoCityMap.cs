using NetTopologySuite.Algorithm;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;
using NetTopologySuite.Operation.Polygonize;
using NetTopologySuite.Triangulate;

namespace Dispatch.Server.Jurisdictions;

/// <summary>
/// Generates the demo city's boundaries: an irregular outline around (31.23 N, 121.47 E) about 0.2° across,
/// cut into five districts, each district into 3–4 towns and each town into 4–9 grid cells. Every level is a
/// Voronoi diagram of seed points clipped to its parent, so the shapes look drawn rather than ruled; the cells
/// are then rounded onto shared edges and each coarser node made the union of its children, so siblings tile
/// their parent with no gap or overlap (see docs/jurisdictions.md). The output is a GeoJSON FeatureCollection in the format real cities
/// bring, so the demo passes the same validation (<see cref="Tree"/>); the same numbers come out on every run.
/// </summary>
public static class DemoCityMap
{
    public const string CityCode = "demo";
    public const string CityName = "Demo City";

    // Every vertex is snapped to 6 decimals (about 0.1 m) before the boundaries are final, so the geometry
    // written to the file is exactly the geometry that was checked.
    static readonly PrecisionModel SixDecimals = new(1_000_000);
    static readonly GeometryFactory Geometries = JurisdictionFile.Geometries;
    static readonly Coordinate Centre = new(121.47, 31.23);

    sealed record DistrictPlan(string Code, string Name, double Lat, double Lon, string[] Towns);

    // Each district's seed is the midpoint of its two addresses in the demo incident seed (Demo/DemoCity.cs), so
    // every address lies in the district its text names, at least 0.008° from any district edge: further than
    // the ±0.002° the seed scatters incidents around it.
    static readonly DistrictPlan[] Districts =
    [
        new("dh", "东湖区", 31.23275, 121.47735, ["人民路街道", "解放路街道", "湖滨街道", "东湖镇"]),
        new("xs", "西山区", 31.22360, 121.44665, ["文化宫街道", "幸福里街道", "枫林街道", "西山镇"]),
        new("nj", "南江区", 31.20780, 121.48455, ["滨江街道", "新村街道", "望江街道", "南江镇"]),
        new("bc", "北城区", 31.24770, 121.45910, ["火车站街道", "和平街道", "长兴街道", "北城镇"]),
        new("gx", "高新区", 31.19555, 121.50930, ["科技园街道", "创业路街道", "云谷街道", "高新镇"]),
    ];

    public static FeatureCollection Generate()
    {
        var random = new SplitMix(20261123);
        var outline = Outline(random);

        // First the plan, cut level by level; only the grid cells' rough shapes are kept.
        var towns = new List<(DistrictPlan District, string Code, string Name)>();
        var cells = new List<(string Town, string Code, string Name, Geometry Rough)>();
        var districts = Cells(Districts.Select(d => new Coordinate(d.Lon, d.Lat)).ToList(), outline);
        foreach (var plan in Districts)
        {
            var seed = Geometries.CreatePoint(new Coordinate(plan.Lon, plan.Lat));
            var townShapes = Divide(districts.Single(c => c.Covers(seed)), random.Next(3, 4), random);
            for (var t = 0; t < townShapes.Count; t++)
            {
                var town = (plan, Code: $"{plan.Code}-{t + 1:00}", Name: plan.Towns[t]);
                towns.Add(town);
                var cellShapes = Divide(townShapes[t], random.Next(4, 9), random);
                cells.AddRange(cellShapes.Select((shape, g) =>
                    (town.Code, $"{town.Code}-{g + 1:00}", $"{plan.Name}{town.Name}第{g + 1}网格", shape)));
            }
        }

        // Then the boundaries: the cells settled onto one set of shared edges, and every coarser node the union of
        // its children, so a district's edge is exactly the edges of the cells along it.
        var grid = Settle(cells.Select(c => c.Rough).ToList());
        var cellOf = cells.Select((c, i) => (c.Code, Shape: grid[i])).ToDictionary(c => c.Code, c => c.Shape);
        var townOf = towns.ToDictionary(t => t.Code, t => Union(cells.Where(c => c.Town == t.Code).Select(c => cellOf[c.Code])));
        var districtOf = Districts.ToDictionary(d => d.Code, d => Union(towns.Where(t => t.District == d).Select(t => townOf[t.Code])));

        var features = new FeatureCollection { Feature(Union(districtOf.Values), CityCode, CityName, "", JurisdictionKind.City) };
        foreach (var plan in Districts)
        {
            features.Add(Feature(districtOf[plan.Code], plan.Code, plan.Name, CityCode, JurisdictionKind.District));
            foreach (var town in towns.Where(t => t.District == plan))
            {
                features.Add(Feature(townOf[town.Code], town.Code, town.Name, plan.Code, JurisdictionKind.Town));
                foreach (var cell in cells.Where(c => c.Town == town.Code))
                    features.Add(Feature(cellOf[cell.Code], cell.Code, cell.Name, town.Code, JurisdictionKind.Grid));
            }
        }
        return features;
    }

    public static string GeoJson() => JurisdictionFile.Write(Generate());

    /// <summary>The demo city read back through <see cref="JurisdictionFile"/>, validation and all.</summary>
    public static JurisdictionTree Tree() => JurisdictionFile.Read(GeoJson());

    /// <summary>A rounded rectangle with a ragged edge; its convex hull, so that every cut below stays convex.</summary>
    static Geometry Outline(SplitMix random)
    {
        const int corners = 28;
        var points = Enumerable.Range(0, corners).Select(i =>
        {
            var angle = 2 * Math.PI * (i + random.Between(-0.3, 0.3)) / corners;
            var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
            // A superellipse of exponent 4 is a square with rounded corners; ±6% makes the edge look surveyed.
            var radius = 0.1 * Math.Pow(Math.Pow(Math.Abs(cos), 4) + Math.Pow(Math.Abs(sin), 4), -0.25) * random.Between(0.94, 1.06);
            return new Coordinate(Centre.X + radius * cos, Centre.Y + radius * sin);
        });
        return Geometries.CreateMultiPointFromCoords(points.ToArray()).ConvexHull();
    }

    /// <summary>
    /// Cuts a region into <paramref name="count"/> cells around scattered seeds, moved twice to the centroids of
    /// their cells (Lloyd's relaxation) so the cells come out of similar size. Ordered north to south, then west
    /// to east, so numbers read the way a map does.
    /// </summary>
    static List<Geometry> Divide(Geometry region, int count, SplitMix random)
    {
        var seeds = Scatter(region, count, random);
        for (var round = 0; round < 2; round++)
            seeds = Cells(seeds, region).Select(c => c.Centroid.Coordinate).ToList();
        return Cells(seeds, region)
            .OrderByDescending(c => Math.Round(c.Centroid.Y, 3)).ThenBy(c => c.Centroid.X)
            .ToList();
    }

    /// <summary>Random points inside the region, kept apart so that no cell is a sliver.</summary>
    static List<Coordinate> Scatter(Geometry region, int count, SplitMix random)
    {
        var box = region.EnvelopeInternal;
        var apart = 0.5 * Math.Sqrt(region.Area / count);
        var seeds = new List<Coordinate>();
        for (var attempt = 0; seeds.Count < count; attempt++)
        {
            if (attempt % 200 == 199) apart *= 0.8; // a thin region may not fit them at that distance
            var c = new Coordinate(random.Between(box.MinX, box.MaxX), random.Between(box.MinY, box.MaxY));
            if (region.Covers(Geometries.CreatePoint(c)) && seeds.All(s => s.Distance(c) >= apart)) seeds.Add(c);
        }
        return seeds;
    }

    /// <summary>The Voronoi cells of the seeds, clipped to the region.</summary>
    static List<Geometry> Cells(List<Coordinate> seeds, Geometry region)
    {
        var box = new Envelope(region.EnvelopeInternal);
        box.ExpandBy(box.Width, box.Height); // every cell reaches past the region, so clipping leaves no gap
        var voronoi = new VoronoiDiagramBuilder { ClipEnvelope = box };
        voronoi.SetSites(seeds);
        var diagram = voronoi.GetDiagram(Geometries);
        if (diagram.NumGeometries != seeds.Count)
            throw new InvalidOperationException($"The Voronoi diagram of {seeds.Count} seeds has {diagram.NumGeometries} cells.");
        return diagram.Geometries.Select(cell => OverlayNGRobust.Overlay(cell, region, SpatialFunction.Intersection)).ToList();
    }

    /// <summary>
    /// Rounds the cells to 6 decimals without opening gaps or overlaps. Rounding each cell alone would not do:
    /// where one cell has a vertex on another's edge, the rounded vertex leaves the edge. So all edges are noded
    /// and snap-rounded together, the faces between them rebuilt, and each face given back to the cell it came
    /// from (the nearest, for a sliver that rounding made between two).
    /// </summary>
    static List<Geometry> Settle(List<Geometry> rough)
    {
        var edges = UnaryUnionNG.Union(rough.Select(c => c.Boundary), Geometries, SixDecimals);
        var polygonizer = new Polygonizer();
        polygonizer.Add(edges);
        var faces = polygonizer.GetPolygons()
            .GroupBy(face =>
            {
                var inside = face.InteriorPoint;
                return Enumerable.Range(0, rough.Count).MinBy(i => rough[i].Distance(inside));
            })
            .ToDictionary(g => g.Key, g => g.ToList());
        return Enumerable.Range(0, rough.Count).Select(i => Union(faces[i])).ToList();
    }

    /// <summary>The union of areas that share exact edges, as one polygon when it is one piece.</summary>
    static Geometry Union(IEnumerable<Geometry> areas) => Ccw(UnaryUnionNG.Union(areas, Geometries, SixDecimals));

    /// <summary>Exterior rings counter-clockwise, as RFC 7946 asks of GeoJSON.</summary>
    static Geometry Ccw(Geometry area) => area switch
    {
        Polygon p => Orientation.IsCCW(p.Shell.CoordinateSequence) ? p : (Polygon)p.Reverse(),
        MultiPolygon m => Geometries.CreateMultiPolygon(m.Geometries.Select(g => (Polygon)Ccw(g)).ToArray()),
        _ => throw new InvalidOperationException($"Expected an area, got a {area.GeometryType}."),
    };

    static Feature Feature(Geometry boundary, string code, string name, string parent, JurisdictionKind kind) =>
        new(boundary, new AttributesTable
        {
            { "code", code }, { "name", name }, { "parent", parent }, { "kind", kind.ToString().ToLowerInvariant() },
        });

    /// <summary>
    /// SplitMix64: a seeded sequence fixed by its definition. System.Random's seeded sequence may change between
    /// .NET versions, and the committed demo-city.geojson must stay reproducible.
    /// </summary>
    sealed class SplitMix(ulong state)
    {
        ulong Step()
        {
            var z = state += 0x9E3779B97F4A7C15;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
            return z ^ (z >> 31);
        }

        public double Between(double min, double max) => min + (max - min) * ((Step() >> 11) * (1.0 / (1UL << 53)));

        /// <summary>An integer from <paramref name="min"/> to <paramref name="max"/>, both included.</summary>
        public int Next(int min, int max) => min + (int)(Step() % (ulong)(max - min + 1));
    }
}
