using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Duplicates;

/// <summary>
/// Possible duplicates through the API: open incidents of the same category, near (300 m) and recent (24 h), nearest
/// first, at most five, only those the asker may read. Each test files under its own category, so they do not
/// see each other's incidents.
/// </summary>
public sealed class DuplicateSuggestionTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    /// <summary>A hotline report of <paramref name="category"/> <paramref name="north"/> metres north of the standard point.</summary>
    public static JsonObject ReportNear(string category, double north = 0, string? callerPhone = null)
    {
        var report = Api.Report(category: category, callerPhone: callerPhone ?? Api.UniqueMobile());
        report["lat"] = Api.ReportLat + north / 111_195;
        return report;
    }

    static string Query(string category, double north = 0) =>
        FormattableString.Invariant($"/api/duplicates?category={category}&lat={Api.ReportLat + north / 111_195}&lon={Api.ReportLon}");

    static List<(Guid Id, string Number, double Distance)> Candidates(JsonElement list) =>
        [.. list.EnumerateArray().Select(c => (c.GetProperty("id").GetGuid(), c.GetProperty("number").GetString()!, c.GetProperty("distanceMeters").GetDouble()))];

    [Fact]
    public async Task A_report_is_offered_the_open_incidents_of_its_category_nearby_nearest_first_and_not_far_other_old_or_finished_ones()
    {
        const string category = "noise";
        // Reported 25 hours ago: outside the 24-hour window.
        var old = await app.Client("old-shift").ReportOk(ReportNear(category, north: 10));
        app.Time.Advance(TimeSpan.FromHours(25));
        var client = app.Client();
        var near = await client.ReportOk(ReportNear(category, north: 120));
        var nearer = await client.ReportOk(ReportNear(category, north: 30));
        var far = await client.ReportOk(ReportNear(category, north: 900));
        var otherCategory = await client.ReportOk(ReportNear("garbage", north: 5));
        var cancelled = await client.ReportOk(ReportNear(category, north: 20));
        await client.CommandOk(cancelled.Id, "cancel", new { reason = "invalid" });

        var offered = Candidates(await client.GetJson(Query(category)));

        Assert.Equal([nearer.Id, near.Id], offered.Select(c => c.Id));
        Assert.Equal([nearer.Number, near.Number], offered.Select(c => c.Number));
        Assert.InRange(offered[0].Distance, 25, 35);
        Assert.InRange(offered[1].Distance, 115, 125);
        Assert.DoesNotContain(offered, c => c.Id == old.Id || c.Id == far.Id || c.Id == otherCategory.Id || c.Id == cancelled.Id);
    }

    [Fact]
    public async Task An_incident_already_filed_is_offered_the_earlier_ones_it_may_duplicate_but_not_itself_or_later_ones()
    {
        const string category = "tree-fallen";
        var client = app.Client();
        var first = await client.ReportOk(ReportNear(category, north: 50));
        app.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await client.ReportOk(ReportNear(category));
        app.Time.Advance(TimeSpan.FromMinutes(5));
        var third = await client.ReportOk(ReportNear(category, north: 20));

        var forSecond = Candidates(await client.GetJson($"/api/incidents/{second.Id}/duplicates"));
        var forFirst = Candidates(await client.GetJson($"/api/incidents/{first.Id}/duplicates"));
        var forThird = Candidates(await client.GetJson($"/api/incidents/{third.Id}/duplicates"));

        // The merge goes into the earlier incident, so only earlier ones are offered.
        Assert.Equal([first.Id], forSecond.Select(c => c.Id));
        Assert.Empty(forFirst);
        Assert.Equal([second.Id, first.Id], forThird.Select(c => c.Id));
    }

    [Fact]
    public async Task At_most_five_are_offered_the_nearest()
    {
        const string category = "street-vendors";
        var client = app.Client();
        var filed = new List<Accepted>();
        foreach (var north in new[] { 60, 10, 50, 20, 40, 30 })
            filed.Add(await client.ReportOk(ReportNear(category, north)));

        var offered = Candidates(await client.GetJson(Query(category)));

        Assert.Equal(5, offered.Count);
        Assert.Equal(offered.OrderBy(c => c.Distance).Select(c => c.Id), offered.Select(c => c.Id));
        Assert.DoesNotContain(offered, c => c.Id == filed[0].Id); // the farthest, 60 m
    }

    [Fact]
    public async Task Only_incidents_the_asker_may_read_are_offered()
    {
        const string category = "stray-animals";
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(ReportNear(category));

        var town = Candidates(await scopes.As(app, Role.CallTaker, Where.Town, tag: "dups").GetJson(Query(category)));
        var otherTown = Candidates(await scopes.As(app, Role.CallTaker, Where.OtherTown, tag: "dups").GetJson(Query(category)));

        Assert.Contains(town, c => c.Id == incident.Id);
        Assert.Empty(otherTown);
        using (var byHandler = await scopes.As(app, Role.Handler, Where.City, Steps.Department, tag: "dups").GetAsync(Query(category)))
            await byHandler.Problem(HttpStatusCode.Forbidden);
        // Nor may anyone outside its scope ask about the incident itself.
        using var outside = await scopes.As(app, Role.CallTaker, Where.OtherTown, tag: "dups").GetAsync($"/api/incidents/{incident.Id}/duplicates");
        await outside.Problem(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_lookup_without_a_known_category_or_with_coordinates_out_of_range_names_each_field()
    {
        using var response = await app.Client().GetAsync("/api/duplicates?category=no-such-thing&lat=91&lon=-200");

        var errors = await response.FieldErrors();

        Assert.Equal(["category", "lat", "lon"], errors.Keys.Order());
    }

    [Fact]
    public async Task An_unknown_incident_has_no_duplicates_to_ask_about()
    {
        using var response = await app.Client().GetAsync($"/api/incidents/{Guid.NewGuid()}/duplicates");

        await response.Problem(HttpStatusCode.NotFound);
    }
}
