using Dispatch.Server.Jurisdictions;
using static Dispatch.Server.Tests.Jurisdictions.Sample;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>
/// The GeoJSON loader: a sound file becomes a tree; a bad one is refused as a whole, with every problem named by
/// its feature. A refused read returns no tree at all, so nothing can be half-loaded.
/// </summary>
public sealed class JurisdictionFileTests
{
    [Fact]
    public void Given_the_demo_city_when_read_then_every_node_is_loaded()
    {
        var tree = JurisdictionFile.Read(DemoCityMap.GeoJson());

        Assert.Equal(DemoCityMap.CityCode, tree.City.Code);
        Assert.Equal(5, tree.OfKind(JurisdictionKind.District).Count());
        Assert.Equal(DemoCityMap.Generate().Count, tree.Nodes.Count);
    }

    [Fact]
    public void Given_a_small_hand_written_file_when_read_then_the_tree_answers_lookups()
    {
        var tree = JurisdictionFile.Read(SmallCity);

        Assert.Equal("Small City", tree.City.Name);
        Assert.Equal(["e", "w"], tree.Children("c").Select(n => n.Code));
        Assert.Equal(["w1-a", "w1-b", "w1-c", "w1-d"], tree.Children("w1").Select(n => n.Code));
        Assert.Empty(tree.Children("w1-a"));
        Assert.Empty(tree.Children("e1"));
        Assert.Equal("c/w/w1/w1-b", tree["w1-b"].Path);
        Assert.Equal(["c", "w", "w1", "w1-b"], tree.Lineage("w1-b").Select(n => n.Code));
        Assert.Equal(JurisdictionKind.Town, tree["e1"].Kind);
        Assert.Equal("w1", tree["w1-b"].Parent);
        Assert.Null(tree.City.Parent);
        Assert.Null(tree.Find("nowhere"));
        Assert.Throws<KeyNotFoundException>(() => tree["nowhere"]);
    }

    [Fact]
    public void Given_a_small_hand_written_file_when_asking_what_lies_within_a_scope_then_it_follows_the_paths()
    {
        var tree = JurisdictionFile.Read(SmallCity);

        Assert.True(tree.IsWithin("w1-b", "w"));
        Assert.True(tree.IsWithin("w1-b", "c"));
        Assert.True(tree.IsWithin("w", "w"));
        Assert.False(tree.IsWithin("w1-b", "e"));
        Assert.False(tree.IsWithin("w", "w1"));
        Assert.False(tree.IsWithin("w1-b", "nowhere"));
    }

    [Fact]
    public void Given_a_feature_without_a_code_when_read_then_it_is_refused_by_its_index()
    {
        var error = Refused(Collection([.. Chain(), Feature(null, "t", "grid", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4]:") && p.Contains("has no code"));
    }

    [Fact]
    public void Given_two_features_with_one_code_when_read_then_the_second_is_refused_naming_the_first()
    {
        var error = Refused(Collection([.. Chain(), Feature("g", "t", "grid", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g':") && p.Contains("already used by features[3] 'g'"));
    }

    [Fact]
    public void Given_a_feature_of_an_unknown_kind_when_read_then_it_is_refused_naming_the_kind()
    {
        var error = Refused(Collection([.. Chain(), Feature("v", "t", "village", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'v':") && p.Contains("kind 'village' is not one of city, district, town, grid"));
    }

    [Fact]
    public void Given_a_feature_without_a_kind_when_read_then_it_is_refused()
    {
        var error = Refused(Collection([.. Chain(), Feature("v", "t", null, Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'v':") && p.Contains("has no kind"));
    }

    [Fact]
    public void Given_a_feature_whose_parent_does_not_exist_when_read_then_it_is_refused_naming_the_parent()
    {
        var error = Refused(Collection([.. Chain(), Feature("g2", "t9", "grid", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("parent 't9' is not the code of any feature"));
    }

    [Fact]
    public void Given_a_feature_under_a_parent_of_the_wrong_kind_when_read_then_it_is_refused_naming_both_kinds()
    {
        var error = Refused(Collection([.. Chain(), Feature("t2", "c", "town", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 't2':") && p.Contains("a town's parent must be a district, but 'c' is a city"));
    }

    [Fact]
    public void Given_a_district_without_a_parent_when_read_then_it_is_refused()
    {
        var error = Refused(Collection([.. Chain(), Feature("d2", "", "district", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'd2':") && p.Contains("has no parent"));
    }

    [Fact]
    public void Given_no_city_when_read_then_the_file_is_refused()
    {
        var error = Refused(Collection(Feature("d", "", "district", Whole)));

        Assert.Contains(error.Problems, p => p.Contains("there is no city"));
    }

    [Fact]
    public void Given_two_cities_when_read_then_the_file_is_refused_naming_both()
    {
        var error = Refused(Collection([.. Chain(), Feature("c2", "", "city", Whole)]));

        Assert.Contains(error.Problems, p => p.Contains("there are 2 cities (features[0] 'c', features[4] 'c2')"));
    }

    [Fact]
    public void Given_a_feature_without_geometry_when_read_then_it_is_refused()
    {
        var error = Refused(Collection([.. Chain(), Feature("g2", "t", "grid", null), Feature("g3", "t", "grid", "null")]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("has no geometry"));
        Assert.Contains(error.Problems, p => p.StartsWith("features[5] 'g3':") && p.Contains("has no geometry"));
    }

    [Fact]
    public void Given_a_feature_that_is_a_line_or_a_point_when_read_then_it_is_refused_naming_the_type()
    {
        var error = Refused(Collection([.. Chain(),
            Feature("g2", "t", "grid", """{"type":"LineString","coordinates":[[121.0,31.0],[121.1,31.1]]}"""),
            Feature("g3", "t", "grid", """{"type":"Point","coordinates":[121.05,31.05]}""")]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("LineString; only Polygon and MultiPolygon"));
        Assert.Contains(error.Problems, p => p.StartsWith("features[5] 'g3':") && p.Contains("Point; only Polygon and MultiPolygon"));
    }

    [Fact]
    public void Given_a_self_intersecting_polygon_when_read_then_it_is_refused_as_invalid_geometry()
    {
        // A bow tie: the ring crosses itself at (121.1, 31.1).
        var bowTie = Polygon((121.0, 31.0), (121.2, 31.2), (121.2, 31.0), (121.0, 31.2), (121.0, 31.0));

        var error = Refused(Collection([.. Chain(), Feature("g2", "t", "grid", bowTie)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("the geometry is invalid: Self-intersection"));
    }

    [Fact]
    public void Given_a_ring_that_does_not_close_when_read_then_it_is_refused_as_unreadable()
    {
        var open = """{"type":"Polygon","coordinates":[[[121.0,31.0],[121.1,31.0],[121.1,31.1],[121.0,31.1]]]}""";

        var error = Refused(Collection([.. Chain(), Feature("g2", "t", "grid", open)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("the geometry cannot be read"));
    }

    [Fact]
    public void Given_latitude_written_before_longitude_when_read_then_it_is_refused_pointing_at_the_order()
    {
        var swapped = Polygon((31.0, 121.0), (31.0, 121.1), (31.1, 121.1), (31.0, 121.0));

        var error = Refused(Collection([.. Chain(), Feature("g2", "t", "grid", swapped)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("GeoJSON order is [longitude, latitude]"));
    }

    [Fact]
    public void Given_a_cell_reaching_outside_its_town_when_read_then_it_is_refused_naming_the_town()
    {
        var error = Refused(Collection(
            Feature("c", "", "city", Whole), Feature("d", "c", "district", Whole),
            Feature("t", "d", "town", Box(121.0, 31.0, 121.2, 31.2)),
            Feature("g", "t", "grid", Box(121.1, 31.0, 121.3, 31.1))));

        Assert.Contains(error.Problems, p => p.StartsWith("features[3] 'g':") && p.Contains("50% of its area lies outside its parent 't'"));
    }

    [Fact]
    public void Given_a_cell_a_hair_outside_its_town_when_read_then_the_tolerance_accepts_it()
    {
        // 0.00001° past a 0.1° edge: a hundredth of a percent, as when boundaries come from different offices.
        var tree = JurisdictionFile.Read(Collection(
            Feature("c", "", "city", Whole), Feature("d", "c", "district", Whole),
            Feature("t", "d", "town", Box(121.0, 31.0, 121.2, 31.2)),
            Feature("g", "t", "grid", Box(121.1, 31.0, 121.20001, 31.1))));

        Assert.Equal(4, tree.Nodes.Count);
    }

    [Fact]
    public void Given_overlapping_sibling_cells_when_read_then_the_later_is_refused_naming_the_earlier()
    {
        var error = Refused(Collection([.. Chain()[..3],
            Feature("g1", "t", "grid", Box(121.0, 31.0, 121.2, 31.2)),
            Feature("g2", "t", "grid", Box(121.1, 31.0, 121.4, 31.2))]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g2':") && p.Contains("overlaps its sibling features[3] 'g1' by 50%"));
    }

    [Fact]
    public void Given_sibling_cells_that_overlap_by_a_hair_when_read_then_the_tolerance_accepts_them()
    {
        var tree = JurisdictionFile.Read(Collection([.. Chain()[..3],
            Feature("g1", "t", "grid", Box(121.0, 31.0, 121.20001, 31.2)),
            Feature("g2", "t", "grid", Box(121.2, 31.0, 121.4, 31.2))]));

        Assert.Equal(5, tree.Nodes.Count);
    }

    [Fact]
    public void Given_cells_in_different_towns_that_overlap_when_read_then_only_siblings_are_compared_and_it_loads()
    {
        // Not siblings, so not compared; each lies inside its own town (the towns themselves share an edge).
        var tree = JurisdictionFile.Read(Collection(
            Feature("c", "", "city", Whole), Feature("d", "c", "district", Whole),
            Feature("t1", "d", "town", Box(121.0, 31.0, 121.2, 31.2)), Feature("t2", "d", "town", Box(121.2, 31.0, 121.4, 31.2)),
            Feature("g1", "t1", "grid", Box(121.0, 31.0, 121.2, 31.2)), Feature("g2", "t2", "grid", Box(121.2, 31.0, 121.4, 31.2))));

        Assert.Equal(6, tree.Nodes.Count);
    }

    [Fact]
    public void Given_text_that_is_not_json_when_read_then_it_is_refused_as_malformed()
    {
        var error = Refused("""{"type":"FeatureCollection","features":[{"type":"Feature",}""");

        Assert.Contains("the file is not valid JSON", Assert.Single(error.Problems));
    }

    [Fact]
    public void Given_json_that_is_not_a_feature_collection_when_read_then_it_is_refused()
    {
        var error = Refused("""{"type":"Feature","properties":{},"geometry":null}""");

        Assert.Contains("not a GeoJSON FeatureCollection", Assert.Single(error.Problems));
    }

    [Fact]
    public void Given_a_code_with_a_slash_when_read_then_it_is_refused_since_codes_make_paths()
    {
        var error = Refused(Collection([.. Chain(), Feature("g/2", "t", "grid", Whole)]));

        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g/2':") && p.Contains("may not contain '/'"));
    }

    [Fact]
    public void Given_a_file_with_several_faults_when_read_then_every_fault_is_reported_at_once()
    {
        var error = Refused(Collection(
            Feature("c", "", "city", Whole),
            Feature("d", "c", "district", Whole),
            Feature("d", "c", "district", Whole),
            Feature("t", "x", "town", Whole),
            Feature("g", "t", "grid", null),
            Feature(null, "t", "grid", Whole)));

        Assert.Equal(4, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.StartsWith("features[2] 'd':"));
        Assert.Contains(error.Problems, p => p.StartsWith("features[3] 't':"));
        Assert.Contains(error.Problems, p => p.StartsWith("features[4] 'g':"));
        Assert.Contains(error.Problems, p => p.StartsWith("features[5]:"));
        Assert.All(error.Problems, p => Assert.Contains(p, error.Message));
    }

    [Fact]
    public void Given_a_numeric_code_when_read_then_it_is_taken_as_written()
    {
        var tree = JurisdictionFile.Read(Collection(
            """{"type":"Feature","properties":{"code":310000,"name":"市","parent":"","kind":"city"},"geometry":""" + Whole + "}",
            """{"type":"Feature","properties":{"code":310101,"name":"区","parent":310000,"kind":"district"},"geometry":""" + Whole + "}"));

        Assert.Equal("310000/310101", tree["310101"].Path);
    }

    static JurisdictionFileException Refused(string json) =>
        Assert.Throws<JurisdictionFileException>(() => JurisdictionFile.Read(json));
}
