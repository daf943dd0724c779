using System.Net;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>Who did what, when: every command leaves an entry, readable by leaders and admins in their own part of the city.</summary>
public class AuditTrailTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task Every_step_of_an_incident_is_in_the_trail_with_who_and_when_newest_first()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var incident = await app.Client("audit-dispatcher").Assigned();
        var leader = new Scopes(app).As(app, Role.Leader, Where.City, tag: "audit");

        var entries = (await leader.GetJson($"/api/audit?incident={incident.Number}")).EnumerateArray().ToList();

        Assert.Equal(["incident.assign", "incident.accept", "incident.report"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.All(entries, e =>
        {
            Assert.Equal("audit-dispatcher", e.GetProperty("user").GetString());
            Assert.True(e.GetProperty("at").GetDateTimeOffset() >= before);
        });
        Assert.Equal(Steps.Department, entries[0].GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_trail_filters_by_user_and_by_time()
    {
        var leader = new Scopes(app).As(app, Role.Leader, Where.City, tag: "audit-filter");
        await app.Client("audit-filter-a").Accepted();
        var cut = DateTimeOffset.UtcNow;
        await app.Client("audit-filter-b").Accepted();

        var byA = (await leader.GetJson("/api/audit?user=audit-filter-a")).EnumerateArray().ToList();
        var sinceCut = (await leader.GetJson($"/api/audit?from={Uri.EscapeDataString(cut.ToString("O"))}")).EnumerateArray().ToList();

        Assert.Equal(2, byA.Count(e => e.GetProperty("action").GetString()!.StartsWith("incident.")));
        Assert.All(byA, e => Assert.Equal("audit-filter-a", e.GetProperty("user").GetString()));
        Assert.DoesNotContain(sinceCut, e => e.GetProperty("user").GetString() == "audit-filter-a");
        Assert.Contains(sinceCut, e => e.GetProperty("user").GetString() == "audit-filter-b");
    }

    [Fact]
    public async Task A_district_leader_reads_only_what_happened_in_the_district()
    {
        var scopes = new Scopes(app);
        var inDistrict = await app.Client().Accepted();
        var elsewhere = Api.Report();
        elsewhere["lat"] = scopes.OtherDistrict.Boundary.InteriorPoint.Y;
        elsewhere["lon"] = scopes.OtherDistrict.Boundary.InteriorPoint.X;
        var outside = await app.Client().Accepted(elsewhere);
        var districtLeader = scopes.As(app, Role.Leader, Where.District, tag: "audit");

        var seen = (await districtLeader.GetJson("/api/audit?limit=1000")).EnumerateArray()
            .Select(e => e.GetProperty("number").GetString()).ToHashSet();

        Assert.Contains(inDistrict.Number, seen);
        Assert.DoesNotContain(outside.Number, seen);
    }

    [Fact]
    public async Task Dispatchers_do_not_read_the_audit_trail()
    {
        using var response = await app.Client().GetAsync("/api/audit");

        await response.Problem(HttpStatusCode.Forbidden);
    }
}
