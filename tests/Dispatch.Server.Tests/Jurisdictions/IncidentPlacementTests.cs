using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Jurisdictions;

/// <summary>
/// Incidents placed in the jurisdiction tree through the API on the real server: an intake or a locate with
/// coordinates in the city is placed where the tree puts it; outside the city, or with only an address, it is
/// flagged for a dispatcher, who places it by hand (<c>place</c>).
/// </summary>
public sealed class IncidentPlacementTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static readonly JurisdictionTree Demo = DemoCityMap.Tree();

    /// <summary>东湖区人民路 128 号, the default report's coordinates.</summary>
    const double DhLat = 31.2304, DhLon = 121.4737;

    /// <summary>西山区幸福里小区 3 栋, in another district.</summary>
    const double XsLat = 31.2212, XsLon = 121.4432;

    /// <summary>Beijing: far outside the demo city.</summary>
    const double OutLat = 39.9, OutLon = 116.4;

    /// <summary>The place the demo tree gives a point, as the incident should carry it.</summary>
    static Place Expected(double lat, double lon)
    {
        var placement = Demo.Place(lat, lon);
        Assert.False(placement.IsOutside, $"({lat}, {lon}) should lie in the demo city");
        return new Place(placement.Finest!.Path, placement.District?.Code, placement.Town?.Code, placement.Grid?.Code);
    }

    static JsonObject ReportAt(double lat, double lon)
    {
        var report = Api.Report();
        report["lat"] = lat;
        report["lon"] = lon;
        return report;
    }

    static JsonObject AddressOnlyReport()
    {
        var report = Api.Report();
        report.Remove("lat");
        report.Remove("lon");
        return report;
    }

    static Place? PlaceOf(JsonElement cardOrDetail) =>
        cardOrDetail.GetProperty("place") is { ValueKind: JsonValueKind.Object } p
            ? new Place(p.GetProperty("path").GetString()!, Text(p, "district"), Text(p, "town"), Text(p, "grid"))
            : null;

    static string? Text(JsonElement e, string name) =>
        e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();

    static async Task<JsonElement> BoardCard(HttpClient client, Guid id) =>
        Assert.Single((await client.GetJson("/api/board")).EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);

    static async Task<List<(string Kind, string By, string? Text)>> Timeline(HttpClient client, Guid id) =>
        [.. (await client.Detail(id)).GetProperty("timeline").EnumerateArray()
            .Select(e => (e.GetProperty("kind").GetString()!, e.GetProperty("by").GetString()!, Text(e, "text")))];

    [Fact]
    public async Task An_intake_at_a_demo_address_is_placed_in_the_district_town_and_grid_cell_the_tree_gives()
    {
        var expected = Expected(DhLat, DhLon);
        Assert.Equal("dh", expected.District);
        Assert.NotNull(expected.Town);
        Assert.NotNull(expected.Grid);
        Assert.Equal($"{Demo.City.Code}/{expected.District}/{expected.Town}/{expected.Grid}", expected.Path);

        var incident = await app.Client("call-taker-li").ReportOk(ReportAt(DhLat, DhLon));

        Assert.Equal(Api.IntakeVersion, incident.Version);
        var card = await app.Card(incident.Id);
        Assert.Equal(expected, card!.Place);
        Assert.Null(card.NeedsPlacement);
        Assert.Equal(incident.Version, card.Version);
        var (_, placed) = await app.IntakeEvents<IncidentPlaced>(incident.Id);
        Assert.Equal((expected, false, "call-taker-li"), (placed.Place, placed.Manual, placed.By));

        // The API shows the same, on the board and in the detail.
        var boardCard = await BoardCard(app.Client(), incident.Id);
        Assert.Equal(expected, PlaceOf(boardCard));
        Assert.Equal(JsonValueKind.Null, boardCard.GetProperty("needsPlacement").ValueKind);
        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal(expected, PlaceOf(detail));
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("needsPlacement").ValueKind);
        Assert.Equal([("Reported", "call-taker-li"), ("Placed", "call-taker-li"), ("Routed", "call-taker-li")],
            (await Timeline(app.Client(), incident.Id)).Select(e => (e.Kind, e.By)));
        Assert.Equal(expected.Path, (await Timeline(app.Client(), incident.Id))[1].Text);
    }

    [Fact]
    public async Task An_intake_outside_the_city_is_accepted_and_flagged_OutsideCity()
    {
        Assert.True(Demo.Place(OutLat, OutLon).IsOutside);

        using var response = await app.Client().PostReport(ReportAt(OutLat, OutLon));

        await response.ShouldBe(HttpStatusCode.Created);
        var incident = (await response.Content.ReadFromJsonAsync<Accepted>())!;
        Assert.Equal(Api.IntakeVersion, incident.Version);
        var card = await app.Card(incident.Id);
        Assert.Null(card!.Place);
        Assert.Equal(PlacementProblem.OutsideCity, card.NeedsPlacement);
        Assert.Equal(new GeoPoint(OutLat, OutLon), card.Location);
        var (reported, flagged) = await app.IntakeEvents<IncidentPlacementFlagged>(incident.Id);
        Assert.Equal(new GeoPoint(OutLat, OutLon), reported.Location);
        Assert.Equal(PlacementProblem.OutsideCity, flagged.Problem);

        var boardCard = await BoardCard(app.Client(), incident.Id);
        Assert.Equal("OutsideCity", boardCard.GetProperty("needsPlacement").GetString());
        Assert.Equal(JsonValueKind.Null, boardCard.GetProperty("place").ValueKind);
        Assert.Equal([("Reported", "test-dispatcher", null), ("PlacementFlagged", "test-dispatcher", "OutsideCity"), ("Routed", "test-dispatcher", "Town · everyday")],
            (await Timeline(app.Client(), incident.Id)).Select(e => (e.Kind, e.By, e.Kind == "Reported" ? null : e.Text)));
    }

    [Fact]
    public async Task An_address_only_intake_is_flagged_AddressOnly()
    {
        var incident = await app.Client().ReportOk(AddressOnlyReport());

        Assert.Equal(Api.IntakeVersion, incident.Version);
        var card = await app.Card(incident.Id);
        Assert.Null(card!.Place);
        Assert.Null(card.Location);
        Assert.Equal(PlacementProblem.AddressOnly, card.NeedsPlacement);
        var (_, flagged) = await app.IntakeEvents<IncidentPlacementFlagged>(incident.Id);
        Assert.Equal(PlacementProblem.AddressOnly, flagged.Problem);
        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal("AddressOnly", detail.GetProperty("needsPlacement").GetString());
        var last = (await Timeline(app.Client(), incident.Id))[1];
        Assert.Equal(("PlacementFlagged", "AddressOnly"), (last.Kind, last.Text));
    }

    [Fact]
    public async Task A_dispatcher_places_a_flagged_incident_by_hand_in_a_town()
    {
        var town = Demo.Children("xs")[0];
        Assert.Equal(JurisdictionKind.Town, town.Kind);
        var incident = await app.Client().ReportOk(AddressOnlyReport());

        var placed = await app.Client("dispatcher-wang").CommandOk(incident.Id, "place", new { jurisdiction = town.Code });

        Assert.Equal(incident.Version + 1, placed.Version);
        Assert.Equal(incident.Number, placed.Number);
        var expected = new Place(town.Path, "xs", town.Code, null);
        var card = await app.Card(incident.Id);
        Assert.Equal(expected, card!.Place);
        Assert.Null(card.NeedsPlacement);
        Assert.Equal((placed.Version, "dispatcher-wang"), (card.Version, card.UpdatedBy));
        var e = Assert.IsType<IncidentPlaced>((await app.Events(incident.Id))[^1].Data);
        Assert.Equal((expected, true, "dispatcher-wang"), (e.Place, e.Manual, e.By));
        Assert.Equal(placed.Version, await app.StreamVersion(incident.Id));

        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal(expected, PlaceOf(detail));
        Assert.Equal(JsonValueKind.Null, detail.GetProperty("needsPlacement").ValueKind);
        Assert.Equal(("PlacedByHand", "dispatcher-wang", town.Path), (await Timeline(app.Client(), incident.Id))[^1]);
    }

    [Fact]
    public async Task A_dispatcher_places_an_incident_outside_the_city_by_hand_in_a_grid_cell()
    {
        var grid = Demo.OfKind(JurisdictionKind.Grid).First(n => n.Path.StartsWith($"{Demo.City.Code}/nj/", StringComparison.Ordinal));
        var town = Demo[grid.Parent!];
        var incident = await app.Client().ReportOk(ReportAt(OutLat, OutLon));

        // The code is trimmed, as every text field of a command is.
        await app.Client("dispatcher-zhou").CommandOk(incident.Id, "place", new { jurisdiction = $"  {grid.Code} " });

        var card = await app.Card(incident.Id);
        Assert.Equal(new Place(grid.Path, "nj", town.Code, grid.Code), card!.Place);
        Assert.Null(card.NeedsPlacement);
        Assert.Equal(new GeoPoint(OutLat, OutLon), card.Location); // placing by hand does not move it
    }

    /// <summary>Body (JSON) of a place command that must be refused naming <c>jurisdiction</c>.</summary>
    public static TheoryData<string> BadPlaceBodies => new()
    {
        """{"jurisdiction":"atlantis"}""",
        """{"jurisdiction":"dh-99-99"}""",
        """{"jurisdiction":"demo/dh"}""",
        """{"jurisdiction":"demo"}""", // the whole city is no placement
        """{"jurisdiction":"   "}""",
        """{"jurisdiction":null}""",
        "{}",
    };

    [Theory]
    [MemberData(nameof(BadPlaceBodies))]
    public async Task Placing_at_a_missing_or_unknown_jurisdiction_is_refused_naming_it_and_writes_nothing(string body)
    {
        var incident = await app.Client().ReportOk(AddressOnlyReport());

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().PostRaw($"/api/incidents/{incident.Id}/place", body);

            Assert.Equal(["jurisdiction"], (await response.FieldErrors()).Keys);
        });
        var card = await app.Card(incident.Id);
        Assert.Equal((null, PlacementProblem.AddressOnly), (card!.Place, card.NeedsPlacement));
    }

    [Theory]
    [InlineData("en", "atlantis", "Unknown jurisdiction.")]
    [InlineData("zh-CN", "atlantis", "未知的辖区。")]
    [InlineData("en", null, "Choose the grid cell, town or district.")]
    [InlineData("zh-CN", null, "请选择网格、街道或区。")]
    public async Task A_refused_jurisdiction_is_explained_in_the_operators_language(string language, string? code, string message)
    {
        var incident = await app.Client().ReportOk(AddressOnlyReport());

        using var response = await app.Client(language: language).Command(incident.Id, "place", new { jurisdiction = code });

        var errors = await response.FieldErrors();
        Assert.Equal(message, Assert.Single(errors["jurisdiction"]));
    }

    [Fact]
    public async Task Placing_again_at_the_same_node_is_refused_and_writes_nothing()
    {
        var town = Demo.Children("gx")[0];
        var incident = await app.Client().ReportOk(AddressOnlyReport());
        await app.Client().CommandOk(incident.Id, "place", new { jurisdiction = town.Code });

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "place", new { jurisdiction = town.Code });

            var detail = await response.Refusal("place.same");
            Assert.Contains(incident.Number, detail);
        });
    }

    [Fact]
    public async Task Placing_by_hand_where_the_coordinates_already_placed_it_is_refused()
    {
        var expected = Expected(DhLat, DhLon);
        var incident = await app.Client().ReportOk(ReportAt(DhLat, DhLon));

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().Command(incident.Id, "place", new { jurisdiction = expected.Grid });

            await response.Refusal("place.same");
        });
    }

    [Fact]
    public async Task Placing_by_hand_elsewhere_overrides_the_placement_by_coordinates()
    {
        var incident = await app.Client().ReportOk(ReportAt(DhLat, DhLon));
        var district = Demo["bc"];

        var placed = await app.Client("dispatcher-wang").CommandOk(incident.Id, "place", new { jurisdiction = "bc" });

        Assert.Equal(incident.Version + 1, placed.Version);
        Assert.Equal(new Place(district.Path, "bc", null, null), (await app.Card(incident.Id))!.Place);
    }

    [Fact]
    public async Task Locating_an_incident_into_another_district_places_it_there()
    {
        var incident = await app.Client().ReportOk(ReportAt(DhLat, DhLon));
        var expected = Expected(XsLat, XsLon);
        Assert.Equal("xs", expected.District);

        var located = await app.Client("dispatcher-li").CommandOk(incident.Id, "locate", new { lat = XsLat, lon = XsLon });

        Assert.Equal(incident.Version + 2, located.Version); // located, then placed
        var card = await app.Card(incident.Id);
        Assert.Equal(expected, card!.Place);
        Assert.Null(card.NeedsPlacement);
        Assert.Equal(located.Version, card.Version);
        var events = await app.Events(incident.Id);
        Assert.Equal(located.Version, events.Count);
        Assert.IsType<IncidentLocated>(events[^2].Data);
        var placed = Assert.IsType<IncidentPlaced>(events[^1].Data);
        Assert.Equal((expected, false, "dispatcher-li"), (placed.Place, placed.Manual, placed.By));
        var timeline = await Timeline(app.Client(), incident.Id);
        Assert.Equal([("Located", "dispatcher-li"), ("Placed", "dispatcher-li")], timeline[^2..].Select(e => (e.Kind, e.By)));
        Assert.Equal(expected.Path, timeline[^1].Text);
    }

    [Fact]
    public async Task Locating_an_address_only_incident_in_the_city_places_it_and_clears_the_flag()
    {
        var incident = await app.Client().ReportOk(AddressOnlyReport());

        await app.Client().CommandOk(incident.Id, "locate", new { lat = XsLat, lon = XsLon });

        var card = await app.Card(incident.Id);
        Assert.Equal(Expected(XsLat, XsLon), card!.Place);
        Assert.Null(card.NeedsPlacement);
    }

    [Fact]
    public async Task Locating_an_incident_outside_the_city_flags_it_again()
    {
        var incident = await app.Client().ReportOk(ReportAt(DhLat, DhLon));

        var located = await app.Client().CommandOk(incident.Id, "locate", new { lat = OutLat, lon = OutLon });

        Assert.Equal(incident.Version + 2, located.Version);
        var card = await app.Card(incident.Id);
        Assert.Null(card!.Place);
        Assert.Equal(PlacementProblem.OutsideCity, card.NeedsPlacement);
        Assert.Equal(new GeoPoint(OutLat, OutLon), card.Location);
        var events = await app.Events(incident.Id);
        Assert.IsType<IncidentLocated>(events[^2].Data);
        Assert.Equal(PlacementProblem.OutsideCity, Assert.IsType<IncidentPlacementFlagged>(events[^1].Data).Problem);
        Assert.Equal(["Located", "PlacementFlagged"], (await Timeline(app.Client(), incident.Id))[^2..].Select(e => e.Kind));

        // …and a dispatcher can place it by hand again.
        await app.Client().CommandOk(incident.Id, "place", new { jurisdiction = "dh" });
        card = await app.Card(incident.Id);
        Assert.Equal(("dh", (PlacementProblem?)null), (card!.Place?.District, card.NeedsPlacement));
    }

    [Fact]
    public async Task A_hand_placement_is_replaced_when_new_coordinates_are_located()
    {
        var incident = await app.Client().ReportOk(AddressOnlyReport());
        await app.Client().CommandOk(incident.Id, "place", new { jurisdiction = "bc" });

        await app.Client().CommandOk(incident.Id, "locate", new { lat = DhLat, lon = DhLon });

        Assert.Equal(Expected(DhLat, DhLon), (await app.Card(incident.Id))!.Place);
    }
}
