using Dispatch.Server.Jurisdictions;
using NetTopologySuite.Geometries;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>
/// Placing a point (latitude, longitude) in its grid cell, town and district. The rule on boundaries: the
/// finest level that covers the point wins, and within a level the lowest code (ordinal).
/// </summary>
public sealed class PlacementTests
{
    static readonly JurisdictionTree Demo = DemoCityMap.Tree();
    static readonly JurisdictionTree Small = JurisdictionFile.Read(Sample.SmallCity);

    /// <summary>The addresses of the demo incident seed (Demo/DemoCity.cs), each with the district its text names.</summary>
    public static TheoryData<string, string, double, double> DemoAddresses => new()
    {
        { "dh", "东湖区人民路 128 号", 31.2304, 121.4737 }, { "dh", "东湖区解放路与建设路交叉口", 31.2351, 121.4810 },
        { "xs", "西山区幸福里小区 3 栋", 31.2212, 121.4432 }, { "xs", "西山区文化宫北门", 31.2260, 121.4501 },
        { "nj", "南江区滨江大道 66 号", 31.2105, 121.4903 }, { "nj", "南江区新村街道菜市场", 31.2051, 121.4788 },
        { "bc", "北城区火车站东广场", 31.2498, 121.4562 }, { "bc", "北城区和平街 17 弄", 31.2456, 121.4620 },
        { "gx", "高新区科技园 B 座", 31.1980, 121.5120 }, { "gx", "高新区创业路 9 号", 31.1931, 121.5066 },
    };

    [Theory]
    [MemberData(nameof(DemoAddresses))]
    public void Given_a_demo_address_when_placed_then_it_lands_in_the_district_its_address_names(string district, string address, double lat, double lon)
    {
        var placement = Demo.Place(lat, lon);

        Assert.Equal(district, placement.District?.Code);
        Assert.StartsWith(placement.District!.Name, address);
        Assert.NotNull(placement.Grid);
    }

    [Theory]
    [MemberData(nameof(DemoAddresses))]
    public void Given_a_demo_incident_scattered_around_its_address_when_placed_then_it_stays_in_that_district(string district, string address, double lat, double lon)
    {
        // The demo seed puts each incident up to 0.002° from its address in either direction.
        foreach (var (dLat, dLon) in new[] { (-0.002, -0.002), (-0.002, 0.002), (0.002, -0.002), (0.002, 0.002) })
            Assert.True(district == Demo.Place(lat + dLat, lon + dLon).District?.Code, $"{address} moved by ({dLat}, {dLon})");
    }

    [Fact]
    public void Given_a_point_well_inside_a_cell_when_placed_then_it_gets_that_cell_its_town_its_district_and_the_city()
    {
        var placement = Small.Place(31.15, 121.05);

        Assert.Equal(("c", "w", "w1", "w1-a"),
            (placement.City?.Code, placement.District?.Code, placement.Town?.Code, placement.Grid?.Code));
        Assert.Equal("w1-a", placement.Finest?.Code);
        Assert.False(placement.IsOutside);
    }

    [Fact]
    public void Given_latitude_and_longitude_when_placed_then_longitude_is_the_geometry_x()
    {
        Assert.Equal("w1-c", Small.Place(latitude: 31.05, longitude: 121.05).Grid?.Code);
        Assert.True(Small.Place(latitude: 121.05, longitude: 31.05).IsOutside);
    }

    [Theory]
    [InlineData(31.15, 121.1, "w1-a")] // the edge between a (west) and b (east)
    [InlineData(31.05, 121.1, "w1-c")] // between c (west) and d (east)
    [InlineData(31.1, 121.05, "w1-a")] // between a (north) and c (south)
    [InlineData(31.1, 121.15, "w1-b")] // between b (north) and d (south)
    public void Given_a_point_exactly_on_the_edge_between_two_cells_when_placed_then_the_lower_code_wins_every_time(double lat, double lon, string cell)
    {
        var placements = Enumerable.Range(0, 50).Select(_ => Small.Place(lat, lon)).ToList();

        Assert.All(placements, p => Assert.Equal(cell, p.Grid?.Code));
    }

    [Fact]
    public void Given_the_corner_where_four_cells_meet_when_placed_then_the_lowest_code_of_the_four_wins()
    {
        Assert.Equal("w1-a", Small.Place(31.1, 121.1).Grid?.Code);
    }

    [Fact]
    public void Given_a_district_edge_with_cells_on_one_side_only_when_placed_then_the_finer_side_wins()
    {
        // x = 121.2 is both w1-b's east edge and town e1's west edge; e1 has no cells.
        var placement = Small.Place(31.15, 121.2);

        Assert.Equal(("w", "w1-b"), (placement.District?.Code, placement.Grid?.Code));
    }

    [Fact]
    public void Given_a_point_in_a_town_without_cells_when_placed_then_the_town_is_the_finest_node()
    {
        var placement = Small.Place(31.15, 121.3);

        Assert.Null(placement.Grid);
        Assert.Equal(("e", "e1"), (placement.District?.Code, placement.Finest?.Code));
    }

    [Fact]
    public void Given_a_point_on_the_city_outline_when_placed_then_it_is_inside()
    {
        Assert.Equal("w1-c", Small.Place(31.0, 121.05).Grid?.Code);
        Assert.Equal("w1-c", Small.Place(31.0, 121.0).Grid?.Code);
    }

    [Theory]
    [InlineData(31.2000001, 121.05)] // a hair north of the city
    [InlineData(31.1, 120.9)]        // just west
    [InlineData(0, 0)]
    [InlineData(-33.8688, 151.2093)] // Sydney
    [InlineData(91, 121.05)]
    [InlineData(31.1, 181)]
    [InlineData(double.NaN, 121.05)]
    [InlineData(31.1, double.NaN)]
    [InlineData(double.PositiveInfinity, 121.05)]
    [InlineData(31.1, double.NegativeInfinity)]
    public void Given_a_point_not_in_the_city_when_placed_then_it_is_outside(double lat, double lon)
    {
        var placement = Small.Place(lat, lon);

        Assert.True(placement.IsOutside);
        Assert.Equal(Placement.Outside, placement);
        Assert.Null(placement.Finest);
    }

    [Theory]
    [InlineData(31.40, 121.47)] // north of the demo city
    [InlineData(31.23, 121.30)] // west of it
    [InlineData(39.9042, 116.4074)] // Beijing
    [InlineData(double.NaN, double.NaN)]
    public void Given_a_point_outside_the_demo_city_when_placed_then_it_is_outside(double lat, double lon)
    {
        Assert.True(Demo.Place(lat, lon).IsOutside);
    }

    [Fact]
    public void Given_every_demo_grid_cell_when_its_interior_point_is_placed_then_it_comes_back_to_that_cell()
    {
        foreach (var cell in Demo.OfKind(JurisdictionKind.Grid))
        {
            var inside = cell.Boundary.InteriorPoint;
            var placement = Demo.Place(inside.Y, inside.X);

            Assert.Equal(cell.Code, placement.Grid?.Code);
            Assert.Equal(cell.Parent, placement.Town?.Code);
            Assert.Equal(placement.Town!.Parent, placement.District?.Code);
        }
    }

    [Fact]
    public void Given_every_vertex_of_every_demo_cell_when_placed_then_the_lowest_code_among_the_cells_covering_it_wins()
    {
        var cells = Demo.OfKind(JurisdictionKind.Grid).ToList();
        var vertices = cells.SelectMany(c => c.Boundary.Coordinates).Distinct().ToList();
        var shared = 0;

        foreach (var vertex in vertices)
        {
            var point = JurisdictionFile.Geometries.CreatePoint(vertex);
            var covering = cells.Where(c => c.Boundary.Covers(point)).Select(c => c.Code).Order(StringComparer.Ordinal).ToList();

            Assert.Equal(covering[0], Demo.Place(vertex.Y, vertex.X).Grid?.Code);
            if (covering.Count >= 2) shared++;
        }
        Assert.True(shared > vertices.Count / 2, "most vertices of a tiling are shared");
    }

    [Fact]
    public void Given_a_vertex_where_three_demo_cells_meet_when_placed_then_exactly_one_of_them_gets_it()
    {
        var cells = Demo.OfKind(JurisdictionKind.Grid).ToList();
        var (corner, meeting) = cells.SelectMany(c => c.Boundary.Coordinates.Select(v => (Vertex: v, c.Code)))
            .GroupBy(x => x.Vertex)
            .Select(g => (g.Key, Codes: g.Select(x => x.Code).Distinct().Order(StringComparer.Ordinal).ToList()))
            .First(g => g.Codes.Count >= 3);

        var placements = Enumerable.Range(0, 20).Select(_ => Demo.Place(corner.Y, corner.X).Grid?.Code).Distinct().ToList();

        Assert.Equal([meeting[0]], placements);
    }

    [Fact]
    public void Given_random_points_over_the_demo_city_when_placed_then_the_index_agrees_with_checking_every_cell()
    {
        var cells = Demo.OfKind(JurisdictionKind.Grid).ToList();
        var box = Demo.City.Boundary.EnvelopeInternal;
        var random = new Random(7);

        for (var i = 0; i < 2000; i++)
        {
            var at = new Coordinate(box.MinX - 0.01 + random.NextDouble() * (box.Width + 0.02),
                box.MinY - 0.01 + random.NextDouble() * (box.Height + 0.02));
            var point = JurisdictionFile.Geometries.CreatePoint(at);
            var expected = cells.Where(c => c.Boundary.Covers(point)).MinBy(c => c.Code, StringComparer.Ordinal);

            var placement = Demo.Place(at.Y, at.X);

            Assert.Equal(expected?.Code, placement.Grid?.Code);
            Assert.Equal(expected is null, placement.IsOutside);
        }
    }
}
