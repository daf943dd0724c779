using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Identity;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Rewind;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// The after-action review of a scripted incident on a manual clock: the steps in order with who and the commanding board
/// then, the deadlines' verdicts (an automatic escalation included), the unit's steps, the chat in order; and who may read it.
/// </summary>
public class IncidentReviewTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    const string Login = "review-dispatcher";
    const string Name = "王调度";
    // Urgency 3 (high): 30 minutes to acknowledge (src/Dispatch.Server/command-policy.json).
    static readonly TimeSpan Acknowledge = TimeSpan.FromMinutes(30);

    static readonly SemaphoreSlim Once = new(1, 1);
    static (Accepted Incident, DateTimeOffset AssignedAt, Guid Unit)? _scripted;

    async Task<HttpClient> Dispatcher()
    {
        var users = app.Services.GetRequiredService<Users>();
        if (await users.Find(Login) is null) await users.Ensure(Login, Name, DispatchApp.Password, app.Everything());
        return app.Client(Login);
    }

    /// <summary>
    /// Reported, accepted, assigned (high urgency); not acknowledged in time, so the watch escalates it to the district; then
    /// acknowledged, a unit sent there and back, a message and a slash command in its channel, resolved, called back, closed.
    /// Scripted once for the class (the clock is the class's).
    /// </summary>
    async Task<(Accepted Incident, DateTimeOffset AssignedAt, Guid Unit)> Scripted()
    {
        await Once.WaitAsync();
        try
        {
            if (_scripted is { } done) return done;
            var client = await Dispatcher();
            await using var board = await BoardClient.Connect(app);
            var incident = await client.Accepted(Api.Report(urgency: 3));
            await client.CommandOk(incident.Id, "assign", new { department = Steps.Department });
            var assignedAt = app.Time.GetUtcNow();

            app.Time.Advance(Acknowledge);
            await board.Next(c => c.Id == incident.Id && c.Level == CommandLevel.District);
            app.Time.Advance(TimeSpan.FromMinutes(5));
            await client.CommandOk(incident.Id, "acknowledge", new { department = Steps.Department });

            var unit = await client.RegisteredUnit(new Scopes(app).Town.Code, "R");
            await client.UnitOk(unit, "on-duty");
            await client.UnitOk(unit, "dispatch", new { incidentId = incident.Id });
            await client.UnitOk(unit, "accept-and-go");
            app.Time.Advance(TimeSpan.FromMinutes(7));
            await client.UnitOk(unit, "on-scene");

            var channel = Channels.Incident(incident.Id).Key;
            await Chat(client, channel, "到现场了，正在围挡");
            await Chat(client, channel, "/note 围挡完成，等待修复");

            app.Time.Advance(TimeSpan.FromMinutes(40));
            await client.UnitOk(unit, "release", new { incidentId = incident.Id });
            await client.CommandOk(incident.Id, "resolve", new { department = Steps.Department, resolution = "已修复路面" });
            app.Time.Advance(TimeSpan.FromMinutes(10));
            await client.CommandOk(incident.Id, "callback", new { satisfaction = 4, comment = "修得很快" });
            await client.CommandOk(incident.Id, "close");
            return (_scripted = (incident, assignedAt, unit)).Value;
        }
        finally { Once.Release(); }
    }

    static async Task Chat(HttpClient client, string channel, string text)
    {
        using var response = await client.PostAsJsonAsync("/api/chat/messages", new { channel, text });
        await response.ShouldBe(HttpStatusCode.OK);
    }

    async Task<IncidentReviewReport> Review(Actor actor, Guid id)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var read = await scope.ServiceProvider.GetRequiredService<IncidentReview>().Read(actor, id, Via.Api);
        return Assert.IsType<ReviewRead.Shown>(read).Report;
    }

    async Task<Actor> ActorOf(string login) => (await app.Services.GetRequiredService<ActorDirectory>().Load(login))!.ToActor();

    static string Json<T>(T value) => JsonSerializer.Serialize(value);

    [Fact]
    public async Task Given_a_closed_incident_when_reviewed_then_every_step_is_there_in_order_with_who_and_the_commanding_board_then()
    {
        var (incident, _, _) = await Scripted();

        var review = await Review(await ActorOf(Login), incident.Id);

        var kinds = review.Steps.Select(s => s.Entry.Kind).ToList();
        Assert.Equal("Reported", kinds[0]);
        Assert.Equal("Closed", kinds[^1]);
        Assert.Equal(review.Steps.Select(s => s.Sequence).Order(), review.Steps.Select(s => s.Sequence));
        foreach (var kind in new[] { "Accepted", "Assigned", "EscalatedAutomatically", "Acknowledged", "UnitDispatched", "UnitOnScene", "Resolved", "CallbackRecorded" })
            Assert.Contains(kind, kinds);
        Assert.True(kinds.IndexOf("Assigned") < kinds.IndexOf("EscalatedAutomatically") && kinds.IndexOf("EscalatedAutomatically") < kinds.IndexOf("Acknowledged"));
        // Who: the person's name where there is an account, the login otherwise (the deadline watch).
        Assert.Equal(Name, review.Steps.Single(s => s.Entry.Kind == "Accepted").ByName);
        Assert.Equal(Dispatch.Server.Command.DeadlineWatch.Login, review.Steps.Single(s => s.Entry.Kind == "EscalatedAutomatically").ByName);

        // The commanding board then: the town's queue while it was the town's, the district's after the escalation, and
        // this incident on it until it closed.
        var scopes = new Scopes(app);
        var accepted = review.Steps.Single(s => s.Entry.Kind == "Accepted").Board;
        Assert.Equal((CommandLevel.Town, scopes.Town.Path), (accepted.Level, accepted.Centre));
        Assert.NotNull(accepted.Position);
        Assert.InRange(accepted.Rows, 1, int.MaxValue);
        var escalated = review.Steps.Single(s => s.Entry.Kind == "EscalatedAutomatically").Board;
        Assert.Equal((CommandLevel.District, scopes.District.Path), (escalated.Level, escalated.Centre));
        Assert.NotNull(escalated.Position);
        Assert.Null(review.Steps[^1].Board.Position);
        // Just reported, it waited for a dispatcher (not yet assigned).
        Assert.InRange(review.Steps[0].Board.Waiting, 1, int.MaxValue);
        Assert.Equal(incident.Number, review.Incident.Number);
        Assert.Empty(review.Incident.Timeline);
    }

    [Fact]
    public async Task Given_a_reviewed_incident_when_its_steps_are_built_then_each_moment_is_rewound_once_and_shows_what_the_separate_rewinds_show()
    {
        var (incident, _, unit) = await Scripted();
        var actor = await ActorOf(Login);
        var record = app.Services.GetRequiredService<PastRecord>();
        var rewindsBefore = record.Rewinds;

        var review = await Review(actor, incident.Id);

        // One rewind per step for its board and its map together (it was two: the board's, then the units').
        Assert.Equal(review.Steps.Count, record.Rewinds - rewindsBefore);
        var views = app.Services.GetRequiredService<PastViews>();
        var onIncident = 0;
        foreach (var step in review.Steps)
        {
            // The one rewind holds what the two separate ones (board, then units) hold.
            var moment = new Moment(step.RecordedAt, step.Sequence);
            var scene = await views.SceneAt(actor, moment);
            var board = await views.BoardAt(actor, moment);
            Assert.Equal(Json(board), Json(scene.Board));
            Assert.Equal(Json(await views.UnitsAt(actor, moment)), Json(scene.Units));
            Assert.Equal(board.Count(c => c.CentrePath == step.Board.Centre), step.Board.Rows);
            if (scene.Units.Any(u => u.Id == unit && u.IncidentId == incident.Id)) onIncident++;
        }
        // The unit moved in the meantime (sent, then released): the moments are not all alike.
        Assert.InRange(onIncident, 1, review.Steps.Count - 1);
    }

    [Fact]
    public async Task Given_an_escalated_acknowledgement_when_reviewed_then_each_deadline_has_its_due_done_and_verdict()
    {
        var (incident, assignedAt, _) = await Scripted();

        var review = await Review(await ActorOf(Login), incident.Id);

        var acknowledge = review.Deadlines.Where(d => d.Kind == "acknowledge").ToList();
        Assert.Equal(2, acknowledge.Count);
        // The town's half hour ran out: missed, stopped by the escalation at its due time.
        Assert.Equal(("assigned", assignedAt + Acknowledge, DeadlineVerdict.Missed, 0), (acknowledge[0].Cause, acknowledge[0].Due, acknowledge[0].Verdict, acknowledge[0].Minutes));
        Assert.Null(acknowledge[0].DoneAt);
        // The district's fresh half hour: acknowledged 5 minutes in, on time by 25.
        Assert.Equal(("escalated:Town:District", assignedAt + 2 * Acknowledge, DeadlineVerdict.OnTime, 25),
            (acknowledge[1].Cause, acknowledge[1].Due, acknowledge[1].Verdict, acknowledge[1].Minutes));
        Assert.Equal(assignedAt + Acknowledge + TimeSpan.FromMinutes(5), acknowledge[1].DoneAt);

        var resolve = Assert.Single(review.Deadlines, d => d.Kind == "resolve");
        Assert.Equal(DeadlineVerdict.OnTime, resolve.Verdict);
        Assert.Equal(assignedAt + Acknowledge + TimeSpan.FromMinutes(52), resolve.DoneAt);
        Assert.Equal((int)Math.Round((resolve.Due - resolve.DoneAt!.Value).TotalMinutes), resolve.Minutes);
        Assert.All(review.Deadlines.Where(d => d.Kind == "callback"), d => Assert.Equal(DeadlineVerdict.OnTime, d.Verdict));
        Assert.Empty(review.PlanTasks);
    }

    [Fact]
    public async Task Given_a_unit_sent_and_a_chat_when_reviewed_then_the_unit_steps_and_the_messages_are_in_order_and_marked()
    {
        var (incident, _, unit) = await Scripted();

        var review = await Review(await ActorOf(Login), incident.Id);

        var sent = Assert.Single(review.Units);
        Assert.Equal(unit, sent.Id);
        Assert.Equal(["UnitDispatched", "UnitEnRoute", "UnitOnScene", "UnitAvailable"], sent.Steps.Select(s => s.Kind));
        Assert.Equal(sent.Steps.Select(s => s.At).Order(), sent.Steps.Select(s => s.At));
        Assert.True(sent.Track.Shown);

        Assert.Equal(review.Chat.Select(m => m.Seq).Order(), review.Chat.Select(m => m.Seq));
        var typed = Assert.Single(review.Chat, m => m.Text == "到现场了，正在围挡");
        Assert.Equal((MessageKind.Text, Name), (typed.Kind, typed.AuthorName));
        var command = Assert.Single(review.Chat, m => m.Kind == MessageKind.Command);
        Assert.Contains("/note", command.Text);
        Assert.True(typed.Seq < command.Seq);

        Assert.Equal((true, 4, "修得很快"), (review.FollowUp.CallbackRecorded, review.FollowUp.Satisfaction, review.FollowUp.CallbackComment));
    }

    [Fact]
    public async Task Given_another_towns_dispatcher_when_asking_for_the_review_then_it_is_refused_as_the_live_detail_is()
    {
        var (incident, _, _) = await Scripted();
        var outsider = new Scopes(app).As(app, Role.Dispatcher, Where.OtherTown, tag: "review");

        using var live = await outsider.GetAsync($"/api/incidents/{incident.Id}");
        using var review = await outsider.GetAsync($"/api/incidents/{incident.Id}/review");

        Assert.Equal(HttpStatusCode.Forbidden, review.StatusCode);
        Assert.Equal(live.StatusCode, review.StatusCode);
        // The denial says what was refused (as the live one does), nothing of the incident itself.
        var body = await review.Content.ReadAsStringAsync();
        Assert.DoesNotContain("王", body);
        Assert.DoesNotContain("\"steps\"", body);
        using var unknown = await app.Client(Login).GetAsync($"/api/incidents/{Guid.NewGuid()}/review");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Given_a_handler_of_the_lead_department_when_reviewing_then_the_caller_is_masked_as_in_the_live_detail()
    {
        var (incident, _, _) = await Scripted();
        var handler = new Scopes(app).As(app, Role.Handler, Where.Town, Steps.Department, tag: "review");

        var review = await handler.GetJson($"/api/incidents/{incident.Id}/review");

        var shown = review.GetProperty("incident");
        Assert.True(shown.GetProperty("callerMasked").GetBoolean());
        Assert.Equal("王**", shown.GetProperty("callerName").GetString());
        Assert.DoesNotContain("138-1234-5678", review.GetRawText());
        Assert.DoesNotContain("13812345678", review.GetRawText());
        Assert.True(review.GetProperty("steps").GetArrayLength() > 5);
    }
}
