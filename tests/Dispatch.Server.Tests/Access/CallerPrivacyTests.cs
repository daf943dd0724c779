using System.Net;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>
/// Caller name and phone reach only those who need them: the hotline and the centre handling the incident. Others
/// see them masked and reveal them on purpose, with a reason the audit trail keeps.
/// </summary>
public class CallerPrivacyTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Phone = "13812345678";

    async Task<Accepted> Reported() => await app.Client().ReportOk(Api.Report(callerPhone: Phone));

    [Theory]
    [InlineData(Role.CallTaker, Where.City, false)]
    [InlineData(Role.CallTaker, Where.Town, false)]
    [InlineData(Role.Dispatcher, Where.Town, false)]     // the centre handling it
    [InlineData(Role.Dispatcher, Where.District, true)]
    [InlineData(Role.Dispatcher, Where.City, true)]
    [InlineData(Role.Leader, Where.City, true)]
    public async Task The_caller_is_masked_for_everyone_but_the_hotline_and_the_handling_centre(Role role, Where where, bool masked)
    {
        var incident = await Reported();

        var detail = await new Scopes(app).As(app, role, where).Detail(incident.Id);

        Assert.Equal(masked, detail.GetProperty("callerMasked").GetBoolean());
        Assert.Equal(masked ? "138****5678" : Phone, detail.GetProperty("callerPhone").GetString());
        Assert.Equal(masked ? "王**" : "王女士", detail.GetProperty("callerName").GetString());
    }

    [Fact]
    public async Task Revealing_the_caller_needs_a_reason_and_leaves_who_when_and_why_in_the_audit_trail()
    {
        var scopes = new Scopes(app);
        var incident = await Reported();
        var leader = scopes.As(app, Role.Leader, Where.City, tag: "reveal");

        using (var noReason = await leader.PostRaw($"/api/incidents/{incident.Id}/caller/reveal", "{}"))
            Assert.Contains("reason", (await noReason.FieldErrors()).Keys);
        using var revealed = await leader.PostRaw($"/api/incidents/{incident.Id}/caller/reveal", """{"reason":"市领导督办回访"}""");
        await revealed.ShouldBe(HttpStatusCode.OK);
        var body = await System.Net.Http.Json.HttpContentJsonExtensions.ReadFromJsonAsync<System.Text.Json.JsonElement>(revealed.Content);
        Assert.Equal(Phone, body.GetProperty("callerPhone").GetString());

        var audit = (await leader.GetJson($"/api/audit?incident={incident.Number}")).EnumerateArray().ToList();
        var entry = Assert.Single(audit, e => e.GetProperty("action").GetString() == "caller.reveal");
        Assert.Equal(Scopes.Login(Role.Leader, Where.City, tag: "reveal"), entry.GetProperty("user").GetString());
        Assert.Equal("市领导督办回访", entry.GetProperty("detail").GetString());
        Assert.True(entry.GetProperty("allowed").GetBoolean());
        Assert.True(DateTimeOffset.UtcNow - entry.GetProperty("at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task A_department_handler_may_not_reveal_the_caller_and_the_attempt_is_kept()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Assigned(report: Api.Report(callerPhone: Phone));
        var handler = scopes.As(app, Role.Handler, Where.Town, Steps.Department, tag: "reveal");

        var detail = await handler.Detail(incident.Id);
        Assert.Equal("138****5678", detail.GetProperty("callerPhone").GetString());
        using var response = await handler.PostRaw($"/api/incidents/{incident.Id}/caller/reveal", """{"reason":"想知道"}""");

        await response.Problem(HttpStatusCode.Forbidden);
        var auditor = app.Client("privacy-auditor", "en", new Grant(Role.Admin, scopes.City.Path));
        var refused = (await auditor.GetJson($"/api/audit?incident={incident.Number}")).EnumerateArray()
            .Single(e => e.GetProperty("action").GetString() == "incident.revealcaller");
        Assert.False(refused.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task The_board_carries_no_caller_details_at_all()
    {
        var incident = await Reported();

        var board = await app.Client().GetJson("/api/board");

        var card = board.EnumerateArray().Single(c => c.GetProperty("id").GetGuid() == incident.Id).GetRawText();
        Assert.DoesNotContain("5678", card);
        Assert.DoesNotContain("王女士", card);
    }

    [Fact]
    public async Task A_repeat_caller_lookup_is_for_the_hotline_and_dispatchers_only_and_within_scope()
    {
        var scopes = new Scopes(app);
        var phone = Api.UniqueMobile();
        var incident = await app.Client().ReportOk(Api.Report(callerPhone: phone));

        var town = await scopes.As(app, Role.Dispatcher, Where.Town, tag: "lookup").GetJson($"/api/incidents?callerPhone={phone}");
        var other = await scopes.As(app, Role.Dispatcher, Where.OtherTown, tag: "lookup").GetJson($"/api/incidents?callerPhone={phone}");
        using var leader = await scopes.As(app, Role.Leader, Where.City, tag: "lookup").GetAsync($"/api/incidents?callerPhone={phone}");

        Assert.Contains(town.EnumerateArray(), i => i.GetProperty("id").GetGuid() == incident.Id);
        Assert.Empty(other.EnumerateArray());
        await leader.ShouldBe(HttpStatusCode.Forbidden);
    }
}
