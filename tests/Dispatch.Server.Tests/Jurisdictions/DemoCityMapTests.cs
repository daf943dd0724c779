using Dispatch.Server.Jurisdictions;
using NetTopologySuite.Operation.Union;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>The generated demo city: its shape, and the committed copy in docs/demo-city.geojson.</summary>
public sealed class DemoCityMapTests
{
    static readonly JurisdictionTree City = DemoCityMap.Tree();

    [Fact]
    public void Given_the_generator_when_run_twice_then_it_writes_the_same_file()
    {
        Assert.Equal(DemoCityMap.GeoJson(), DemoCityMap.GeoJson());
    }

    /// <summary>
    /// The committed file is what the generator makes. After changing the generator, regenerate it with
    /// <c>DISPATCH_WRITE_DEMO_CITY=1 dotnet test tests/Dispatch.Server.Tests --filter DemoCityMap</c>.
    /// </summary>
    [Fact]
    public void Given_the_committed_demo_city_file_when_compared_with_the_generator_then_they_are_the_same()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "demo-city.geojson");
        var generated = DemoCityMap.GeoJson();
        if (Environment.GetEnvironmentVariable("DISPATCH_WRITE_DEMO_CITY") == "1")
            File.WriteAllText(path, generated);

        Assert.True(File.Exists(path), $"{path} is missing; write it with DISPATCH_WRITE_DEMO_CITY=1.");
        Assert.True(File.ReadAllText(path) == generated,
            $"{path} differs from the generator's output; regenerate it with DISPATCH_WRITE_DEMO_CITY=1.");
        Assert.Equal(City.Nodes.Count, JurisdictionFile.Load(path).Nodes.Count);
    }

    [Fact]
    public void Given_the_demo_city_then_it_has_five_districts_of_three_or_four_towns_of_four_to_nine_cells()
    {
        Assert.Equal(DemoCityMap.CityName, City.City.Name);
        Assert.Equal(["东湖区", "西山区", "南江区", "北城区", "高新区"],
            City.Children(City.City.Code).OrderBy(d => "dh xs nj bc gx".IndexOf(d.Code, StringComparison.Ordinal)).Select(d => d.Name));
        foreach (var district in City.OfKind(JurisdictionKind.District))
            Assert.InRange(City.Children(district.Code).Count, 3, 4);
        foreach (var town in City.OfKind(JurisdictionKind.Town))
            Assert.InRange(City.Children(town.Code).Count, 4, 9);
    }

    [Fact]
    public void Given_a_path_when_named_then_its_own_node_names_it_the_empty_path_is_the_city_and_an_unknown_one_reads_as_itself()
    {
        var cell = City.OfKind(JurisdictionKind.Grid).First();

        Assert.Equal(cell.Name, City.NameOf(cell.Path));
        Assert.Equal(City.City.Name, City.NameOf(""));
        Assert.Equal(City.City.Name, City.NameOf(City.City.Path));
        Assert.Equal("demo/nowhere", City.NameOf("demo/nowhere"));
    }

    [Fact]
    public void Given_the_demo_city_then_grid_cells_are_named_by_district_town_and_number()
    {
        var cell = City["dh-01-03"];

        Assert.Equal($"东湖区{City["dh-01"].Name}第3网格", cell.Name);
        Assert.Equal("demo/dh/dh-01/dh-01-03", cell.Path);
    }

    [Fact]
    public void Given_the_demo_city_then_the_city_spans_about_a_fifth_of_a_degree_around_its_centre()
    {
        var box = City.City.Boundary.EnvelopeInternal;

        Assert.InRange(box.Width, 0.17, 0.23);
        Assert.InRange(box.Height, 0.17, 0.23);
        Assert.InRange(box.Centre.X, 121.46, 121.48);
        Assert.InRange(box.Centre.Y, 31.22, 31.24);
    }

    [Fact]
    public void Given_any_node_of_the_demo_city_then_its_children_cover_it_without_gaps_or_overlaps()
    {
        foreach (var parent in City.Nodes.Where(n => n.Kind != JurisdictionKind.Grid))
        {
            var children = City.Children(parent.Code);
            var area = parent.Boundary.Area;

            Assert.Equal(area, children.Sum(c => c.Boundary.Area), area * 1e-6);
            var union = CascadedPolygonUnion.Union(children.Select(c => c.Boundary).ToList());
            Assert.True(union.SymmetricDifference(parent.Boundary).Area < area * 1e-6, $"{parent.Code}'s children leave a gap");
        }
    }

    [Fact]
    public void Given_the_demo_city_then_every_coordinate_has_at_most_six_decimals()
    {
        foreach (var node in City.Nodes)
        foreach (var c in node.Boundary.Coordinates)
        {
            Assert.Equal(Math.Round(c.X, 6), c.X);
            Assert.Equal(Math.Round(c.Y, 6), c.Y);
        }
    }

    static string RepositoryRoot() => Infrastructure.RepoFiles.Root;
}
