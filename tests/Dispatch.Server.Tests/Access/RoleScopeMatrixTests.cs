using System.Net;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>
/// Every role at every place relative to one incident (in a grid cell of a town, led by urban management): may
/// it read the incident (detail and board) and take its own kind of step? Outside its scope the answer is 403
/// and nothing is written. This table is the role × scope matrix of the closing note.
/// </summary>
public class RoleScopeMatrixTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Urban = Steps.Department, Water = "water";

    /// <summary>How far along the loop the incident is before the role acts, and the step the role takes.</summary>
    public enum Step { CallbackAfterResolved, ReassignWhileAssigned, AcknowledgeWhileAssigned, ProgressWhileAcknowledged }

    public static TheoryData<Role, Where, string?, Step, bool, HttpStatusCode> Matrix => new()
    {
        // Hotline call-takers: read in scope, record the citizen's callback.
        { Role.CallTaker, Where.City, null, Step.CallbackAfterResolved, true, HttpStatusCode.OK },
        { Role.CallTaker, Where.District, null, Step.CallbackAfterResolved, true, HttpStatusCode.OK },
        { Role.CallTaker, Where.Town, null, Step.CallbackAfterResolved, true, HttpStatusCode.OK },
        { Role.CallTaker, Where.OtherTown, null, Step.CallbackAfterResolved, false, HttpStatusCode.Forbidden },
        { Role.CallTaker, Where.OtherDistrict, null, Step.CallbackAfterResolved, false, HttpStatusCode.Forbidden },
        // Dispatchers: their centre and everything beneath it.
        { Role.Dispatcher, Where.City, null, Step.ReassignWhileAssigned, true, HttpStatusCode.OK },
        { Role.Dispatcher, Where.District, null, Step.ReassignWhileAssigned, true, HttpStatusCode.OK },
        { Role.Dispatcher, Where.Town, null, Step.ReassignWhileAssigned, true, HttpStatusCode.OK },
        { Role.Dispatcher, Where.OtherTown, null, Step.ReassignWhileAssigned, false, HttpStatusCode.Forbidden },
        { Role.Dispatcher, Where.OtherDistrict, null, Step.ReassignWhileAssigned, false, HttpStatusCode.Forbidden },
        // Department handlers: in scope, and only what their department leads.
        { Role.Handler, Where.City, Urban, Step.AcknowledgeWhileAssigned, true, HttpStatusCode.OK },
        { Role.Handler, Where.District, Urban, Step.AcknowledgeWhileAssigned, true, HttpStatusCode.OK },
        { Role.Handler, Where.Town, Urban, Step.AcknowledgeWhileAssigned, true, HttpStatusCode.OK },
        { Role.Handler, Where.OtherTown, Urban, Step.AcknowledgeWhileAssigned, false, HttpStatusCode.Forbidden },
        { Role.Handler, Where.OtherDistrict, Urban, Step.AcknowledgeWhileAssigned, false, HttpStatusCode.Forbidden },
        // Another department in the same town neither sees it nor may take it: the rules say it is not theirs.
        { Role.Handler, Where.Town, Water, Step.AcknowledgeWhileAssigned, false, HttpStatusCode.UnprocessableEntity },
        // Field units of the leading department note progress in their patch.
        { Role.FieldUnit, Where.Town, Urban, Step.ProgressWhileAcknowledged, true, HttpStatusCode.OK },
        { Role.FieldUnit, Where.OtherTown, Urban, Step.ProgressWhileAcknowledged, false, HttpStatusCode.Forbidden },
        { Role.FieldUnit, Where.OtherDistrict, Urban, Step.ProgressWhileAcknowledged, false, HttpStatusCode.Forbidden },
        // Leaders watch; they do not dispatch.
        { Role.Leader, Where.City, null, Step.ReassignWhileAssigned, true, HttpStatusCode.Forbidden },
        { Role.Leader, Where.District, null, Step.ReassignWhileAssigned, true, HttpStatusCode.Forbidden },
        { Role.Leader, Where.Town, null, Step.ReassignWhileAssigned, true, HttpStatusCode.Forbidden },
        { Role.Leader, Where.OtherTown, null, Step.ReassignWhileAssigned, false, HttpStatusCode.Forbidden },
        { Role.Leader, Where.OtherDistrict, null, Step.ReassignWhileAssigned, false, HttpStatusCode.Forbidden },
        // Administrators keep users, not incidents.
        { Role.Admin, Where.City, null, Step.ReassignWhileAssigned, false, HttpStatusCode.Forbidden },
        { Role.Admin, Where.District, null, Step.ReassignWhileAssigned, false, HttpStatusCode.Forbidden },
    };

    [Theory, MemberData(nameof(Matrix))]
    public async Task A_role_reads_and_acts_only_where_its_scope_covers_the_incident(
        Role role, Where where, string? department, Step step, bool reads, HttpStatusCode acts)
    {
        var scopes = new Scopes(app);
        var dispatcher = app.Client();
        var incident = step switch
        {
            Step.CallbackAfterResolved => await dispatcher.Resolved(Urban),
            Step.ProgressWhileAcknowledged => await dispatcher.Acknowledged(Urban),
            _ => await dispatcher.Assigned(Urban),
        };
        var user = scopes.As(app, role, where, department);

        using (var detail = await user.GetAsync($"/api/incidents/{incident.Id}"))
            await detail.ShouldBe(reads ? HttpStatusCode.OK : HttpStatusCode.Forbidden);
        var board = await user.GetJson("/api/board");
        Assert.Equal(reads, board.EnumerateArray().Any(c => c.GetProperty("id").GetGuid() == incident.Id));

        using var acted = step switch
        {
            Step.CallbackAfterResolved => await user.Command(incident.Id, "callback", new { satisfaction = 4 }),
            Step.ReassignWhileAssigned => await user.Command(incident.Id, "assign", new { department = Water }),
            Step.AcknowledgeWhileAssigned => await user.Command(incident.Id, "acknowledge", new { department = department ?? Urban }),
            Step.ProgressWhileAcknowledged => await user.Command(incident.Id, "progress", new { department, note = "到场查看" }),
            _ => throw new ArgumentOutOfRangeException(nameof(step)),
        };
        await acted.ShouldBe(acts);

        // A refused step leaves the incident exactly as it was.
        var after = await dispatcher.Detail(incident.Id);
        Assert.Equal(acts == HttpStatusCode.OK ? incident.Version + 1 : incident.Version, after.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task A_refused_step_is_logged_in_the_audit_trail_as_refused()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Assigned(Urban);
        var outsider = scopes.As(app, Role.Dispatcher, Where.OtherDistrict, tag: "audited");

        using var response = await outsider.Command(incident.Id, "assign", new { department = Water });

        var problem = await response.Problem(HttpStatusCode.Forbidden);
        Assert.Equal("access.denied", problem.GetProperty("code").GetString());
        Assert.Contains(incident.Number, problem.GetProperty("detail").GetString());
        var auditor = app.Client("audit-reader-matrix", "en", new Grant(Role.Leader, scopes.City.Path));
        var entries = (await auditor.GetJson($"/api/audit?user={Scopes.Login(Role.Dispatcher, Where.OtherDistrict, tag: "audited")}")).EnumerateArray().ToList();
        var refused = Assert.Single(entries, e => e.GetProperty("number").GetString() == incident.Number);
        Assert.False(refused.GetProperty("allowed").GetBoolean());
        Assert.Equal("incident.assign", refused.GetProperty("action").GetString());
    }

    /// <summary>
    /// Any desk takes any report (无差别受理): a call-taker anywhere files a report wherever it lies; it goes to the board of
    /// the place it lies in, with the desk that took it recorded (and a Forwarded step when that desk does not cover the
    /// place). Until 17 a town call-taker got 403 for a report in another town.
    /// </summary>
    [Theory]
    [InlineData(Where.Town, false)]
    [InlineData(Where.District, false)]
    [InlineData(Where.OtherTown, true)]
    [InlineData(Where.OtherDistrict, true)]
    public async Task Given_a_call_taker_anywhere_when_they_file_a_report_then_it_is_taken_and_routed_to_where_it_lies(Where where, bool forwarded)
    {
        var scopes = new Scopes(app);
        var callTaker = scopes.As(app, Role.CallTaker, where, tag: "intake");
        var description = Api.Unique("scope");
        await using var townBoard = await BoardClient.Connect(app, "any-desk-town-board", new Grant(Role.Dispatcher, scopes.Town.Path));

        var created = await callTaker.ReportOk(Api.Report(description));

        var card = await townBoard.Next(c => c.Id == created.Id);
        Assert.Equal(scopes.Grid.Path, card.Place?.Path);
        Assert.Equal(scopes[where].Path, card.ReceivedAt);
        var detail = await app.Client().Detail(created.Id);
        Assert.Equal(scopes[where].Path, detail.GetProperty("receivedAt").GetString());
        var steps = detail.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()).ToList();
        Assert.Equal(forwarded, steps.Contains("Forwarded"));
        if (forwarded)
            Assert.Equal($"{scopes[where].Path} → {scopes.Grid.Path}",
                detail.GetProperty("timeline").EnumerateArray().Single(t => t.GetProperty("kind").GetString() == "Forwarded").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Given_a_report_taken_at_another_towns_desk_then_that_desk_cannot_read_or_act_on_it_afterwards()
    {
        var scopes = new Scopes(app);
        var callTaker = scopes.As(app, Role.CallTaker, Where.OtherTown, tag: "any-desk");
        var created = await callTaker.ReportOk(Api.Report());
        var dispatcher = app.Client();
        await dispatcher.CommandOk(created.Id, "accept");
        await dispatcher.CommandOk(created.Id, "assign", new { department = Urban });
        await dispatcher.CommandOk(created.Id, "acknowledge", new { department = Urban });
        var resolved = await dispatcher.CommandOk(created.Id, "resolve", new { department = Urban, resolution = "已修复" });

        using var read = await callTaker.GetAsync($"/api/incidents/{created.Id}");
        using var callback = await callTaker.Command(created.Id, "callback", new { satisfaction = 5 });

        await read.ShouldBe(HttpStatusCode.Forbidden);
        await callback.ShouldBe(HttpStatusCode.Forbidden);
        Assert.Equal(resolved.Version, (await dispatcher.Detail(created.Id)).GetProperty("version").GetInt64());
        // The town's own call-taker, who covers the place, sees the caller and records the callback.
        var local = scopes.As(app, Role.CallTaker, Where.Town, tag: "any-desk");
        Assert.False((await local.Detail(created.Id)).GetProperty("callerMasked").GetBoolean());
        await local.CommandOk(created.Id, "callback", new { satisfaction = 5 });
    }

    [Fact]
    public async Task An_address_only_report_stays_with_the_centre_that_took_it_until_placed()
    {
        var scopes = new Scopes(app);
        var townDispatcher = scopes.As(app, Role.Dispatcher, Where.Town, tag: "address-only");
        var report = Api.Report();
        report.Remove("lat");
        report.Remove("lon");

        var created = await townDispatcher.ReportOk(report);

        Assert.Contains((await townDispatcher.GetJson("/api/board")).EnumerateArray(), c => c.GetProperty("id").GetGuid() == created.Id);
        Assert.DoesNotContain((await scopes.As(app, Role.Dispatcher, Where.OtherTown, tag: "address-only").GetJson("/api/board")).EnumerateArray(),
            c => c.GetProperty("id").GetGuid() == created.Id);
        // Placing it in another town would hand it out of the town's jurisdiction: that is the district's move.
        using var away = await townDispatcher.Command(created.Id, "place", new { jurisdiction = scopes.OtherTown.Code });
        await away.ShouldBe(HttpStatusCode.Forbidden);
        await townDispatcher.CommandOk(created.Id, "place", new { jurisdiction = scopes.Grid.Code });
        var moved = await scopes.As(app, Role.Dispatcher, Where.District, tag: "address-only")
            .CommandOk(created.Id, "place", new { jurisdiction = scopes.OtherTown.Code });
        Assert.True(moved.Version > created.Version);
        using var gone = await townDispatcher.GetAsync($"/api/incidents/{created.Id}");
        await gone.ShouldBe(HttpStatusCode.Forbidden);
    }
}
