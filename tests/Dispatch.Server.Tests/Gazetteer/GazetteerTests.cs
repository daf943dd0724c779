using Dispatch.Domain.Incidents;
using Dispatch.Server.Gazetteer;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Gazetteer;

/// <summary>The demo city's gazetteer file (src/Dispatch.Server/Demo/gazetteer.json) and how a typed address finds a place.</summary>
public sealed class GazetteerTests
{
    static readonly JurisdictionTree Tree = DemoCityMap.Tree();
    static readonly string DemoFile = RepoFiles.Path(Path.Combine("src", "Dispatch.Server", GazetteerSetup.DemoFile));
    static readonly GazetteerIndex Demo = GazetteerFile.Load(DemoFile, Tree);

    [Fact]
    public void Given_the_demo_gazetteer_When_each_place_is_located_in_the_jurisdiction_tree_Then_it_lies_in_the_town_it_names()
    {
        Assert.NotEmpty(Demo.Places);
        var misplaced = new List<string>();
        foreach (var place in Demo.Places)
        {
            IEnumerable<(string What, GeoPoint At)> points = [("point", place.At)];
            if (place.Numbers is { } numbers)
                points = points.Concat([("from", numbers.From), ("to", numbers.To)])
                    .Concat(Enumerable.Range(numbers.First, numbers.Last - numbers.First + 1).Select(n => ($"number {n}", numbers.At(n))));
            foreach (var (what, at) in points)
                if (Tree.Place(at.Lat, at.Lon).Town?.Code != place.Town)
                    misplaced.Add($"{place.Name} ({place.Town}) {what} {at} lies in {Tree.Place(at.Lat, at.Lon).Town?.Code ?? "no town"}");
        }
        Assert.True(misplaced.Count == 0, string.Join("\n", misplaced));
    }

    [Fact]
    public void Given_the_demo_gazetteer_Then_every_town_has_at_least_ten_places_with_roads_communities_and_landmarks()
    {
        foreach (var town in Tree.OfKind(JurisdictionKind.Town))
        {
            var places = Demo.Places.Where(p => p.Town == town.Code).ToList();
            Assert.True(places.Count >= 10, $"{town.Code} {town.Name} has {places.Count} places");
            Assert.Contains(places, p => p.Kind == PlaceKind.Road && p.Numbers is not null);
            Assert.Contains(places, p => p.Kind == PlaceKind.Community);
            Assert.Contains(places, p => p.Kind == PlaceKind.Landmark);
            // Chinese names with pinyin or English aliases.
            Assert.All(places, p => Assert.NotEmpty(p.Aliases));
        }
    }

    [Theory]
    [InlineData("人民路128")]
    [InlineData("人民路128号")]
    [InlineData("人民路 128 号")]
    [InlineData("东湖区人民路 128 号")] // as the demo seed writes it: the district narrows, the rest is looked up
    [InlineData("Renmin Lu 128")]
    [InlineData("renminlu128")]
    [InlineData("ＲＥＮＭＩＮ ＲＯＡＤ １２８")]
    public void Given_a_road_and_a_house_number_When_searched_Then_the_first_match_is_that_number_placed_along_the_road(string typed)
    {
        var first = Demo.Search(typed)[0];

        Assert.Equal(("人民路", (int?)128, "东湖区人民路128号", "人民路 128号"), (first.Name, first.Number, first.Address, first.Label));
        // Where the demo call of docs/keyboard.md lies.
        Assert.Equal(new GeoPoint(31.2304, 121.4737), first.At);
        Assert.Equal(Tree.Place(31.2304, 121.4737).Town!.Code, first.Town);
    }

    [Fact]
    public void Given_a_house_number_outside_every_stretch_When_searched_Then_the_road_is_still_proposed_without_a_number()
    {
        var first = Demo.Search("人民路 5000")[0];
        Assert.Equal(("人民路", (int?)null), (first.Name, first.Number));
    }

    [Fact]
    public void Given_the_start_of_a_name_When_searched_Then_exact_names_come_before_names_it_begins_and_those_before_names_it_is_in()
    {
        var matches = Demo.Search("幸福里");
        Assert.True(matches.Count >= 2);
        // 幸福里 begins 幸福里小区 (a community) and 幸福里派出所…; a name merely containing it comes after them.
        Assert.All(matches, m => Assert.Contains("幸福里", m.Name));
        var ranks = matches.Select(m => m.Name.StartsWith("幸福里", StringComparison.Ordinal) ? 0 : 1).ToList();
        Assert.Equal(ranks.Order(), ranks);

        var contained = Demo.Search("派出所");
        Assert.True(contained.Count >= 8, $"only {contained.Count} police stations");
        Assert.All(contained, m => Assert.EndsWith("派出所", m.Name));
    }

    [Fact]
    public void Given_an_alias_in_pinyin_or_english_When_searched_Then_the_place_is_found_by_it()
    {
        Assert.Equal("幸福里小区", Demo.Search("xingfuli xiaoqu")[0].Name);
        Assert.Equal("幸福里小区", Demo.Search("Xingfuli Estate")[0].Name);
        Assert.Equal("火车站东广场", Demo.Search("railway station east")[0].Name);
    }

    [Fact]
    public void Given_a_town_name_before_the_place_When_searched_Then_only_that_towns_places_are_proposed()
    {
        var town = Tree.OfKind(JurisdictionKind.Town).First(t => Demo.Places.Count(p => p.Town == t.Code && p.Name.EndsWith("派出所", StringComparison.Ordinal)) == 1);
        var matches = Demo.Search(town.Name + "派出所");
        Assert.Equal(town.Code, Assert.Single(matches).Town);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("无此地址xyz")]
    [InlineData("东湖区")]
    public void Given_nothing_to_look_up_When_searched_Then_nothing_is_proposed(string? typed) => Assert.Empty(Demo.Search(typed));

    [Fact]
    public void Given_many_matches_When_searched_with_a_limit_Then_at_most_that_many_come_back() =>
        Assert.Equal(3, Demo.Search("路", limit: 3).Count);

    [Fact]
    public void Given_a_city_without_a_gazetteer_When_searched_Then_nothing_is_proposed() =>
        Assert.Empty(GazetteerIndex.Empty.Search("人民路128"));

    [Fact]
    public void Given_a_file_with_a_place_outside_its_town_and_an_unknown_town_When_read_Then_it_is_refused_naming_each()
    {
        var town = Tree.Place(31.2304, 121.4737).Town!;
        var other = Tree.OfKind(JurisdictionKind.Town).First(t => t.Code != town.Code);
        var json = $$"""
            { "places": [
              { "kind": "landmark", "name": "好地方", "aliases": ["Hao Difang"], "town": "{{town.Code}}", "lat": 31.2304, "lon": 121.4737 },
              { "kind": "landmark", "name": "错地方", "town": "{{other.Code}}", "lat": 31.2304, "lon": 121.4737 },
              { "kind": "community", "name": "无名小区", "town": "no-such-town", "lat": 31.2304, "lon": 121.4737 },
              { "kind": "road", "name": "远路", "town": "{{town.Code}}", "lat": 31.2304, "lon": 121.4737,
                "numbers": { "first": 1, "last": 99, "from": { "lat": 31.2304, "lon": 121.4737 }, "to": { "lat": 31.9, "lon": 121.4737 } } },
              { "kind": "volcano", "name": "火山", "town": "{{town.Code}}", "lat": 95, "lon": 121.4737 }
            ] }
            """;

        var refused = Assert.Throws<GazetteerFileException>(() => GazetteerFile.Read(json, Tree));

        Assert.Equal(5, refused.Problems.Count);
        Assert.Contains($"places[1] '错地方': lat/lon (31.2304, 121.4737) lies in {town.Code}", refused.Problems[0]);
        Assert.Contains("'no-such-town' is not the code of a town", refused.Problems[1]);
        Assert.Contains("places[3] '远路': numbers.to", refused.Problems[2]);
        Assert.Contains("kind 'volcano'", refused.Problems[3]);
        Assert.Contains("places[4] '火山': lat/lon must be a WGS-84", refused.Problems[4]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[]")]
    public void Given_something_that_is_not_a_gazetteer_When_read_Then_it_is_refused(string json) =>
        Assert.Throws<GazetteerFileException>(() => GazetteerFile.Read(json, Tree));
}
