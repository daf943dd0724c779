using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Supervision;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests.Supervision;

/// <summary>
/// Supervision that follows up (督促纠偏) and the centre's own clocks, decided purely on the fixed clock: a request with a
/// reply-by, the answer, the overdue reply escalating to the leader's level once, the unaccepted report and the missing
/// callback flagged once, and closing when the caller cannot be reached.
/// </summary>
public class SupervisionTests
{
    const string Leader = "leader.zhang";
    static readonly CheckDeadlines Check = new("deadline-watch");

    static IncidentSupervised SupervisedAt(DateTimeOffset at, int sequence = 1, CommandLevel level = CommandLevel.City) =>
        new(Id, "请于今日内办结", Leader, at, at.AddHours(4), sequence, level);

    static object[] Handled() => [Reported(), Accepted(), Assigned(), Acknowledged()];

    [Fact]
    public void Given_an_open_incident_when_a_leader_supervises_then_the_request_has_a_reply_by_and_is_numbered_one()
    {
        var state = Given(Handled())
            .When(new SuperviseIncident("请于今日内办结", Leader, TimeSpan.FromHours(2), CommandLevel.City))
            .Then(new IncidentSupervised(Id, "请于今日内办结", Leader, Now, Now.AddHours(2), 1, CommandLevel.City));

        Assert.Equal(Now.AddHours(2), Assert.Single(state.Supervisions).ReplyBy);
    }

    [Fact]
    public void Given_a_supervised_incident_when_supervised_again_then_it_is_the_second_request()
    {
        var state = Given([.. Handled(), SupervisedAt(Earlier)])
            .When(new SuperviseIncident("仍未办结", Leader))
            .Then(new IncidentSupervised(Id, "仍未办结", Leader, Now, Now.Add(SupervisionRules.DefaultReplyWithin), 2));

        Assert.Equal([1, 2], state.Supervisions.Select(r => r.Sequence));
    }

    [Fact]
    public void Given_a_supervision_when_the_reply_time_is_not_positive_then_it_is_refused() =>
        Given(Handled()).When(new SuperviseIncident("督办", Leader, TimeSpan.Zero)).ThenRefused("supervise.reply-within");

    [Fact]
    public void Given_a_waiting_request_when_the_lead_department_answers_in_time_then_the_clock_finds_nothing_due()
    {
        var supervised = SupervisedAt(Now.AddHours(-1));
        var answered = Given([.. Handled(), supervised])
            .When(new AnswerSupervision("已安排人员，今日办结", Handler, UrbanManagement))
            .Then(new SupervisionAnswered(Id, 1, UrbanManagement, "已安排人员，今日办结", Handler, Now));

        Assert.All(answered.Supervisions, r => Assert.True(r.Answered));
        // Later, past the reply-by: nothing to escalate.
        var later = IncidentDecider.Decide(answered, Check, Now.AddHours(5));
        Assert.Equal("deadline.none-due", later.Refusal?.Code);
    }

    [Fact]
    public void Given_a_waiting_request_when_another_department_answers_then_it_is_refused() =>
        Given([.. Handled(), SupervisedAt(Earlier)]).When(new AnswerSupervision("不是我们的", Handler, Water))
            .ThenRefused("answer.wrong-department");

    [Fact]
    public void Given_no_supervision_when_someone_answers_then_nothing_is_asked() =>
        Given(Handled()).When(new AnswerSupervision("答复", Dispatcher)).ThenRefused("answer.nothing-asked");

    [Fact]
    public void Given_an_unanswered_request_past_its_reply_by_when_the_clock_checks_then_it_is_overdue_once_and_goes_to_the_leaders_level()
    {
        var supervised = SupervisedAt(Now.AddHours(-5));
        var outcome = Given([.. Handled(), supervised]).When(Check);

        var overdue = Assert.IsType<SupervisionOverdue>(outcome.Decision.Events[0]);
        Assert.Equal((1, UrbanManagement, supervised.ReplyBy!.Value), (overdue.Sequence, overdue.Department, overdue.ReplyBy));
        var escalated = Assert.IsType<IncidentEscalated>(outcome.Decision.Events[1]);
        Assert.Equal((CommandLevel.Town, CommandLevel.City, true), (escalated.From, escalated.To, escalated.Automatic));

        var after = outcome.Decision.Events.Aggregate(outcome.Decision.Events.Count == 0 ? null : Given([.. Handled(), supervised]).State,
            (s, e) => Incident.Evolve(s, e)!)!;
        Assert.Equal(CommandLevel.City, after.Level);
        // Asked again (another node, a restart): nothing more.
        Assert.Equal("deadline.none-due", IncidentDecider.Decide(after, Check, Now.AddMinutes(1)).Refusal?.Code);
    }

    [Fact]
    public void Given_a_district_leaders_request_on_a_district_incident_when_overdue_then_it_is_recorded_without_moving_command()
    {
        var outcome = Given([.. Handled(), new IncidentRouted(Id, CommandLevel.District, UrbanManagement, "r", CallTaker, Earlier),
            SupervisedAt(Now.AddHours(-5), level: CommandLevel.District)]).When(Check);

        Assert.IsType<SupervisionOverdue>(Assert.Single(outcome.Decision.Events));
    }

    [Fact]
    public void Given_a_report_with_an_accept_by_when_the_clock_checks_after_it_then_acceptance_is_flagged_once()
    {
        var reported = Reported() with { AcceptBy = Now.AddMinutes(-1) };
        var state = Given(reported).When(Check).Then(new AcceptanceOverdue(Id, Now.AddMinutes(-1), "deadline-watch", Now));

        Assert.Equal("deadline.none-due", IncidentDecider.Decide(state, Check, Now.AddHours(1)).Refusal?.Code);
        Assert.Null(SupervisionRules.NextDue(state));
    }

    [Fact]
    public void Given_a_report_accepted_in_time_when_the_clock_checks_then_nothing_is_flagged() =>
        Given(Reported() with { AcceptBy = Now.AddMinutes(-1) }, Accepted()).When(Check).ThenRefused("deadline.none-due");

    [Fact]
    public void Given_a_resolution_with_a_phone_when_resolved_then_it_carries_the_callback_by()
    {
        var outcome = Given(Handled()).When(new ResolveIncident(UrbanManagement, "已修复", Handler) { CallbackWithin = TimeSpan.FromHours(24) });
        Assert.Equal(Now.AddHours(24), Assert.IsType<IncidentResolved>(Assert.Single(outcome.Decision.Events)).CallbackBy);
    }

    [Fact]
    public void Given_a_resolved_incident_without_callback_past_its_time_when_checked_then_the_callback_is_flagged_once()
    {
        var resolved = Resolved() with { CallbackBy = Now.AddMinutes(-10) };
        var state = Given([.. Handled(), resolved]).When(Check).Then(new CallbackOverdue(Id, Now.AddMinutes(-10), "deadline-watch", Now));

        Assert.Equal("deadline.none-due", IncidentDecider.Decide(state, Check, Now.AddHours(1)).Refusal?.Code);
        Given([.. Handled(), resolved, CallbackRecorded()]).When(Check).ThenRefused("deadline.none-due");
    }

    [Fact]
    public void Given_fewer_failed_callbacks_than_needed_when_closing_as_not_reached_then_it_is_refused_and_with_enough_it_closes()
    {
        CallbackAttempted Attempt(int n) => new(Id, n, false, "无人接听", CallTaker, Earlier);
        var close = new CloseIncident(Dispatcher, CloseReason.CallerNotReached) { AttemptsNeeded = 3 };

        Given([.. HistoryIn(IncidentState.Resolved), Attempt(1), Attempt(2)]).When(close).ThenRefused("close.attempts");
        Given([.. HistoryIn(IncidentState.Resolved), Attempt(1), Attempt(2), Attempt(3)]).When(close)
            .Then(new IncidentClosed(Id, Dispatcher, Now, CloseReason.CallerNotReached));
        // Without the reason, a close still needs the callback.
        Given([.. HistoryIn(IncidentState.Resolved), Attempt(1), Attempt(2), Attempt(3)]).When(new CloseIncident(Dispatcher))
            .ThenRefused("close.no-callback");
    }

    [Fact]
    public void Given_a_resolved_incident_when_a_callback_does_not_reach_the_caller_then_the_attempt_is_numbered()
    {
        var state = Given(HistoryIn(IncidentState.Resolved))
            .When(new RecordCallbackAttempt(" 关机 ", CallTaker))
            .Then(new CallbackAttempted(Id, 1, false, "关机", CallTaker, Now));
        Assert.Equal(1, state.Clocks.CallbackAttempts);
        Given(HistoryIn(IncidentState.Acknowledged)).When(new RecordCallbackAttempt(null, CallTaker)).ThenRefused("attempt.not-resolved");
        Given(HistoryIn(IncidentState.Resolved, phone: null)).When(new RecordCallbackAttempt(null, CallTaker)).ThenRefused("attempt.no-phone");
    }

    [Fact]
    public void Given_a_reopened_incident_when_resolved_again_then_the_attempts_start_over() =>
        Assert.Equal(0, Given([.. HistoryIn(IncidentState.Resolved), new CallbackAttempted(Id, 1, false, null, CallTaker, Earlier), Reopened()])
            .State.Clocks.CallbackAttempts);
}
