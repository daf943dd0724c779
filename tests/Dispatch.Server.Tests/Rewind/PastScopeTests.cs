using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Rewind;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// Scope and masking in the past: the viewer's rights now, applied to the record as it stood then (a card is where its
/// incident lay then; the caller is masked as the live read masks it).
/// </summary>
public class PastScopeTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Phone = "13812345678";

    static string At(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));

    static (double Lat, double Lon) Inside(Jurisdiction where) => (where.Boundary.InteriorPoint.Y, where.Boundary.InteriorPoint.X);

    static async Task<IReadOnlyList<Guid>> Board(HttpClient client, string query)
    {
        using var response = await client.GetAsync($"/api/board{query}");
        await response.ShouldBe(HttpStatusCode.OK);
        return [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Select(c => c.GetProperty("id").GetGuid())];
    }

    [Fact]
    public async Task Given_incidents_moved_between_towns_when_a_town_dispatcher_rewinds_then_the_board_shows_where_they_lay_then()
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var (otherLat, otherLon) = Inside(scopes.OtherTown);
        var report = Api.Report();
        report["lat"] = otherLat;
        report["lon"] = otherLon;
        var here = await dispatcher.Reported();
        var there = await dispatcher.Reported(report);
        var before = DateTimeOffset.UtcNow;

        await dispatcher.CommandOk(here.Id, "locate", new { lat = otherLat, lon = otherLon });
        await dispatcher.CommandOk(there.Id, "locate", new { lat = Api.ReportLat, lon = Api.ReportLon });
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "rewind");

        var then = await Board(town, $"?asOf={At(before)}");
        var now = await Board(town, "");
        var rewoundNow = await Board(town, $"?asOf={At(DateTimeOffset.UtcNow)}");

        Assert.Contains(here.Id, then);
        Assert.DoesNotContain(there.Id, then);
        Assert.Contains(there.Id, now);
        Assert.DoesNotContain(here.Id, now);
        Assert.Equal(now.Order(), rewoundNow.Order());
    }

    [Fact]
    public async Task Given_a_moved_incident_when_a_town_dispatcher_reads_its_past_detail_then_it_is_shown_only_while_it_lay_in_the_town()
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var incident = await dispatcher.Reported();
        var before = DateTimeOffset.UtcNow;
        var (otherLat, otherLon) = Inside(scopes.OtherTown);
        await dispatcher.CommandOk(incident.Id, "locate", new { lat = otherLat, lon = otherLon });
        var town = scopes.As(app, Role.Dispatcher, Where.Town, tag: "rewind-moved");

        using var then = await town.GetAsync($"/api/incidents/{incident.Id}?asOf={At(before)}");
        using var later = await town.GetAsync($"/api/incidents/{incident.Id}?asOf={At(DateTimeOffset.UtcNow)}");
        using var live = await town.GetAsync($"/api/incidents/{incident.Id}");

        await then.ShouldBe(HttpStatusCode.OK);
        // Outside their rights at that moment: refused as the live read refuses it, with the same code, and audited.
        var refused = await later.Problem(HttpStatusCode.Forbidden);
        var liveRefused = await live.Problem(HttpStatusCode.Forbidden);
        Assert.Equal(("access.denied", "access.denied"), (refused.GetProperty("code").GetString(), liveRefused.GetProperty("code").GetString()));
        Assert.DoesNotContain("\"state\"", refused.GetRawText());
        var audit = await Audited(Scopes.Login(Role.Dispatcher, Where.Town, tag: "rewind-moved"), incident.Id);
        Assert.Equal(2, audit.Count); // the past read's and the live read's
    }

    [Fact]
    public async Task Given_steps_in_two_towns_when_a_town_dispatcher_lists_them_then_only_those_of_incidents_lying_in_the_town_at_their_last_step_are_offered()
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var from = DateTimeOffset.UtcNow.AddSeconds(-1);
        var (otherLat, otherLon) = Inside(scopes.OtherTown);
        var report = Api.Report();
        report["lat"] = otherLat;
        report["lon"] = otherLon;
        var here = await dispatcher.Accepted();
        var there = await dispatcher.Accepted(report);
        var movedAway = await dispatcher.Reported();
        await dispatcher.CommandOk(movedAway.Id, "locate", new { lat = otherLat, lon = otherLon });
        var to = DateTimeOffset.UtcNow.AddSeconds(5);
        var views = app.Services.GetRequiredService<PastViews>();
        var town = new Actor("rewind-steps-town", "Town", [new Grant(Role.Dispatcher, scopes.Town.Path)]);
        var city = new Actor("rewind-steps-city", "City", [new Grant(Role.Dispatcher, scopes.City.Path)]);

        var townSteps = await views.StepsBetween(town, from, to);
        var citySteps = await views.StepsBetween(city, from, to);

        Guid[] ours = [here.Id, there.Id, movedAway.Id];
        Assert.All(ours, id => Assert.Contains(citySteps, s => s.IncidentId == id));
        // The one that moved away lay in the town at its first steps, but not at its last in the window: not offered.
        Assert.Equal([here.Id], townSteps.Select(s => s.IncidentId).Where(ours.Contains).Distinct());
        Assert.Equal(citySteps.Where(s => s.IncidentId == here.Id), townSteps.Where(s => s.IncidentId == here.Id));
    }

    [Theory]
    [InlineData(Role.Handler, Where.City, Steps.Department, true)]
    [InlineData(Role.Dispatcher, Where.Town, null, false)]      // the centre handling it
    [InlineData(Role.Dispatcher, Where.District, null, true)]
    public async Task Given_an_assigned_incident_when_rewound_then_the_caller_is_masked_as_in_the_live_read(Role role, Where where, string? department,
        bool masked)
    {
        var dispatcher = app.Client();
        var incident = await dispatcher.ReportOk(Api.Report(callerPhone: Phone));
        var reported = DateTimeOffset.UtcNow;
        await dispatcher.CommandOk(incident.Id, "accept");
        await dispatcher.CommandOk(incident.Id, "assign", new { department = Steps.Department });
        var assigned = DateTimeOffset.UtcNow;
        await dispatcher.CommandOk(incident.Id, "acknowledge", new { department = Steps.Department });
        var viewer = new Scopes(app).As(app, role, where, department, tag: "mask");

        var live = await viewer.Detail(incident.Id);
        var past = await viewer.GetJson($"/api/incidents/{incident.Id}?asOf={At(assigned)}");
        using var beforeAssigned = await viewer.GetAsync($"/api/incidents/{incident.Id}?asOf={At(reported)}");

        Assert.Equal("Assigned", past.GetProperty("state").GetString());
        Assert.Equal("Acknowledged", live.GetProperty("state").GetString());
        Assert.Equal(masked, past.GetProperty("callerMasked").GetBoolean());
        Assert.Equal(masked ? "138****5678" : Phone, past.GetProperty("callerPhone").GetString());
        foreach (var field in new[] { "callerMasked", "callerName", "callerPhone" })
            Assert.Equal(live.GetProperty(field).GetRawText(), past.GetProperty(field).GetRawText());
        // A handler reads its department's incidents: before the assignment this one was not theirs (refused and audited, as live).
        await beforeAssigned.ShouldBe(role == Role.Handler ? HttpStatusCode.Forbidden : HttpStatusCode.OK);
        Assert.Equal(role == Role.Handler ? 1 : 0, (await Audited(Scopes.Login(role, where, department, "mask"), incident.Id)).Count);
    }

    [Fact]
    public async Task Given_an_incident_reported_after_a_moment_when_read_as_of_that_moment_then_it_is_not_found_and_nothing_is_audited()
    {
        var before = DateTimeOffset.UtcNow;
        var incident = await app.Client().Reported();
        var outsider = new Scopes(app).As(app, Role.Dispatcher, Where.OtherTown, tag: "rewind-early");

        using var mine = await app.Client().GetAsync($"/api/incidents/{incident.Id}?asOf={At(before)}");
        using var theirs = await outsider.GetAsync($"/api/incidents/{incident.Id}?asOf={At(before)}");

        await mine.ShouldBe(HttpStatusCode.NotFound);
        await theirs.ShouldBe(HttpStatusCode.NotFound);
        Assert.Empty(await Audited(Scopes.Login(Role.Dispatcher, Where.OtherTown, tag: "rewind-early"), incident.Id));
    }

    /// <summary>The denied reads of the incident kept in the audit trail for this login (read by a city leader).</summary>
    async Task<IReadOnlyList<JsonElement>> Audited(string login, Guid incident)
    {
        var leader = new Scopes(app).As(app, Role.Leader, Where.City, tag: "rewind-audit");
        var entries = (await leader.GetJson($"/api/audit?user={login}")).EnumerateArray();
        return [.. entries.Where(e => e.GetProperty("action").GetString() == "incident.read" && !e.GetProperty("allowed").GetBoolean()
            && e.TryGetProperty("incidentId", out var id) && id.ValueKind == JsonValueKind.String && id.GetGuid() == incident)];
    }
}
