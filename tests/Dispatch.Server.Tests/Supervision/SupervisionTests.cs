using System.Net;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Supervision;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Command;
using Dispatch.Server.Tests.Infrastructure;
using Marten.Events;

namespace Dispatch.Server.Tests.Supervision;

/// <summary>The centre's clocks configured shorter than the defaults, so the tests show the configuration is read.</summary>
public sealed class SupervisedCityApp : ClockedDispatchApp
{
    public SupervisedCityApp()
    {
        Settings["Dispatch:Supervision:AcceptWithin"] = "00:10:00";
        Settings["Dispatch:Supervision:CallbackWithin"] = "02:00:00";
        Settings["Dispatch:Supervision:CallbackAttempts"] = "2";
    }
}

/// <summary>
/// Supervision that follows up (督促纠偏) through the real API and the deadline watch on the injected clock: a reply in
/// time keeps command where it is, no reply escalates once to the leader's level and counts against the department,
/// a second supervision is numbered and shown, the centre's own steps are flagged once, and an incident whose caller
/// could not be reached closes after the configured attempts, out of the satisfaction average.
/// </summary>
public class SupervisionTests(SupervisedCityApp app) : IClassFixture<SupervisedCityApp>
{
    const string Lead = Steps.Department, Transport = "transport";
    readonly Scopes _scopes = new(app);

    HttpClient CityLeader => _scopes.As(app, Role.Leader, Where.City, tag: "sv");
    HttpClient LeadHandler => _scopes.As(app, Role.Handler, Where.Town, Lead, tag: "sv");

    async Task Advance(TimeSpan by)
    {
        var round = app.RoundAt(app.Time.GetUtcNow() + by);
        app.Time.Advance(by);
        await round;
    }

    async Task<List<object>> Events(Guid id) => [.. (await app.Events(id)).Select(e => e.Data)];

    async Task<int> KpiOf(string column, string department)
    {
        await app.Documents().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        var rows = await CityLeader.GetJson("/api/kpis?from=2026-11-20&to=2026-12-31&by=department");
        return rows.EnumerateArray().Where(r => r.GetProperty("key").GetString() == department).Sum(r => r.GetProperty(column).GetInt32());
    }

    [Fact]
    public async Task Given_a_supervision_when_the_lead_answers_in_time_then_the_reply_by_passes_without_escalation()
    {
        var incident = await app.Client().Acknowledged();
        await CityLeader.CommandOk(incident.Id, "supervise", new { comment = "请今日内办结并回复", replyWithinMinutes = 60 });
        await LeadHandler.CommandOk(incident.Id, "answer", new { text = "已安排人员，下午办结" });

        await Advance(TimeSpan.FromMinutes(61));

        var events = await Events(incident.Id);
        Assert.DoesNotContain(events, e => e is SupervisionOverdue or IncidentEscalated);
        var answered = Assert.Single(events.OfType<SupervisionAnswered>());
        Assert.Equal((1, Lead), (answered.Sequence, answered.Department));
        Assert.Equal(CommandLevel.Town, (await app.Card(incident.Id))!.Level);
        var request = (await app.Client().Detail(incident.Id)).GetProperty("follow").GetProperty("requests")[0];
        Assert.Equal("已安排人员，下午办结", request.GetProperty("answer").GetString());
    }

    [Fact]
    public async Task Given_a_supervision_when_nobody_answers_then_it_is_overdue_once_escalated_to_the_city_and_counted_against_the_lead()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await app.Client().Acknowledged(Transport);
        var before = await KpiOf("supervisionOverdue", Transport);
        await CityLeader.CommandOk(incident.Id, "supervise", new { comment = "请今日内办结并回复", replyWithinMinutes = 30 });
        Assert.NotNull((await app.Card(incident.Id))!.NextCheckAt);

        app.Time.Advance(TimeSpan.FromMinutes(30));
        var escalated = await board.Next(c => c.Id == incident.Id && c.Level == CommandLevel.City);
        Assert.Equal(1, escalated.Follow.RepliesLate);

        await Advance(TimeSpan.FromHours(13));
        var events = await Events(incident.Id);
        var overdue = Assert.Single(events.OfType<SupervisionOverdue>());
        Assert.Equal((1, Transport, CommandLevel.City), (overdue.Sequence, overdue.Department, overdue.LeaderLevel));
        var escalation = Assert.Single(events.OfType<IncidentEscalated>());
        Assert.Equal((CommandLevel.Town, CommandLevel.City, true), (escalation.From, escalation.To, escalation.Automatic));
        // Only this test leads with transport: the count is exactly its own overdue reply.
        var after = await KpiOf("supervisionOverdue", Transport);
        Assert.True(before + 1 == after, $"supervision overdue against {Transport}: {before} before, {after} after");
    }

    [Fact]
    public async Task Given_a_supervised_incident_when_supervised_again_then_it_is_number_two_on_the_board_and_in_the_drawer()
    {
        var incident = await app.Client().Acknowledged();
        await CityLeader.CommandOk(incident.Id, "supervise", new { comment = "请加快处置" });
        await CityLeader.CommandOk(incident.Id, "supervise", new { comment = "仍未办结，请说明原因" });

        Assert.Equal(2, (await app.Card(incident.Id))!.Follow.Supervisions);
        var requests = (await app.Client().Detail(incident.Id)).GetProperty("follow").GetProperty("requests");
        Assert.Equal([1, 2], requests.EnumerateArray().Select(r => r.GetProperty("sequence").GetInt32()));
        Assert.Equal("仍未办结，请说明原因", requests[1].GetProperty("comment").GetString());
        // The configured default reply time (4 hours).
        Assert.Equal(app.Time.GetUtcNow().AddHours(4), requests[1].GetProperty("replyBy").GetDateTimeOffset());
    }

    [Fact]
    public async Task Given_a_report_nobody_accepts_when_its_configured_time_passes_then_it_is_flagged_once()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await app.Client().Reported();
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(10), (await app.Card(incident.Id))!.NextCheckAt);

        app.Time.Advance(TimeSpan.FromMinutes(10));
        await board.Next(c => c.Id == incident.Id && c.Follow.AcceptLate);
        await Advance(TimeSpan.FromHours(13));

        var flagged = Assert.Single((await Events(incident.Id)).OfType<AcceptanceOverdue>());
        Assert.Equal(DeadlineWatchLogin, flagged.By);
        Assert.Contains((await app.Client().Detail(incident.Id)).GetProperty("timeline").EnumerateArray(),
            e => e.GetProperty("kind").GetString() == "AcceptanceOverdue");
    }

    const string DeadlineWatchLogin = Dispatch.Server.Command.DeadlineWatch.Login;

    [Fact]
    public async Task Given_a_resolved_incident_without_its_callback_when_its_configured_time_passes_then_it_is_flagged_once()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await app.Client().Resolved();

        app.Time.Advance(TimeSpan.FromHours(2));
        await board.Next(c => c.Id == incident.Id && c.Follow.CallbackLate);
        await Advance(TimeSpan.FromHours(13));

        Assert.Single((await Events(incident.Id)).OfType<CallbackOverdue>());
        Assert.Null((await app.Card(incident.Id))!.NextCheckAt);
    }

    [Fact]
    public async Task Given_a_caller_not_reached_when_closing_then_fewer_attempts_than_configured_are_refused_enough_close_out_of_the_average()
    {
        var reached = await app.Client().Resolved();
        var (closedBefore, unreachedBefore) = (await KpiOf("closed", Lead), await KpiOf("callerNotReached", Lead));
        await app.Client().CommandOk(reached.Id, "callback", new { satisfaction = 4 });
        await app.Client().CommandOk(reached.Id, "close");

        var unreached = await app.Client().Resolved();
        await app.Client().CommandOk(unreached.Id, "callback-attempt", new { note = "无人接听" });
        using (var early = await app.Client().Command(unreached.Id, "close", new { reason = "caller-not-reached" }))
            Assert.Contains("2", await early.Refusal("close.attempts"));
        await app.Client().CommandOk(unreached.Id, "callback-attempt", new { note = "关机" });
        await app.Client().CommandOk(unreached.Id, "close", new { reason = "caller-not-reached" });

        var closed = Assert.Single((await Events(unreached.Id)).OfType<IncidentClosed>());
        Assert.Equal(CloseReason.CallerNotReached, closed.Reason);
        Assert.Equal(closedBefore + 2, await KpiOf("closed", Lead));
        Assert.Equal(unreachedBefore + 1, await KpiOf("callerNotReached", Lead));
        // The only callback recorded in this class is the 4: the unreached caller adds nothing to the average.
        await app.Documents().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        var rows = await CityLeader.GetJson("/api/kpis?from=2026-11-20&to=2026-12-31&by=department");
        Assert.All(rows.EnumerateArray().Where(r => r.GetProperty("key").GetString() == Lead),
            r => Assert.Equal(4.0, r.GetProperty("averageSatisfaction").GetDouble()));
    }

    [Fact]
    public async Task Given_a_supervision_when_others_answer_then_they_are_denied_and_bad_input_names_the_field()
    {
        var incident = await app.Client().Acknowledged();
        await CityLeader.CommandOk(incident.Id, "supervise", new { comment = "请加快处置" });

        foreach (var outsider in new[]
                 {
                     _scopes.As(app, Role.Handler, Where.Town, "water", tag: "sv"), _scopes.As(app, Role.Dispatcher, Where.OtherTown, tag: "sv"),
                     CityLeader, _scopes.As(app, Role.CallTaker, Where.City, tag: "sv"),
                 })
        {
            await app.WritesNothing(incident.Id, async () =>
            {
                using var denied = await outsider.Command(incident.Id, "answer", new { text = "答复" });
                await denied.Problem(HttpStatusCode.Forbidden);
            });
        }
        using (var noText = await LeadHandler.Command(incident.Id, "answer", new { text = " " }))
            Assert.Contains("text", (await noText.FieldErrors()).Keys);
        using (var tooSoon = await CityLeader.Command(incident.Id, "supervise", new { comment = "x", replyWithinMinutes = 1 }))
            Assert.Contains("replyWithinMinutes", (await tooSoon.FieldErrors()).Keys);
        using (var badReason = await app.Client().Command(incident.Id, "close", new { reason = "tired" }))
            Assert.Contains("reason", (await badReason.FieldErrors()).Keys);
        // The commanding desk's dispatcher answers for the desk.
        await _scopes.As(app, Role.Dispatcher, Where.Town, tag: "sv").CommandOk(incident.Id, "answer", new { text = "街道已督促" });
        Assert.Null(Assert.Single((await Events(incident.Id)).OfType<SupervisionAnswered>()).Department);
    }
}
