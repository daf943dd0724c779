using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Three-level command, decided purely with the fixed clock: routing, override, joint handling, deadlines and
/// their escalation, delegation and supervision.
/// </summary>
public class CommandTests
{
    static readonly Deadlines HalfHourAndADay = new(TimeSpan.FromMinutes(30), TimeSpan.FromHours(24));
    const string Fire = "消防";

    /// <summary>Assigned at <paramref name="at"/> with the policy's deadlines, as the server would have written it.</summary>
    static IncidentAssigned AssignedWithDeadlines(DateTimeOffset at, string[]? assisting = null) =>
        new(Id, UrbanManagement, Dispatcher, at, assisting, at + HalfHourAndADay.Acknowledge, at + HalfHourAndADay.Resolve);

    static IncidentRouted Routed(CommandLevel level) => new(Id, level, UrbanManagement, "default", CallTaker, Earlier);

    // ---- routing ------------------------------------------------------------------------------------

    [Fact]
    public void An_intake_with_a_route_is_reported_placed_and_routed()
    {
        var route = new Route(CommandLevel.District, Fire, "gas-major");
        var events = IncidentDecider.Intake(new ReportIncident(Id, Number, Channel.Hotline, new Caller("张伟", Phone), null, Address,
            "gas-leak", "燃气泄漏", Urgency.Critical, CallTaker, Route: route), Now);

        Assert.Equal(new IncidentRouted(Id, CommandLevel.District, Fire, "gas-major", CallTaker, Now), events[2]);
        Assert.Equal(CommandLevel.District, events.Aggregate((Incident?)null, Incident.Evolve)!.Level);
    }

    [Fact]
    public void The_first_matching_routing_rule_decides()
    {
        var policy = new RoutingPolicy(
        [
            new RoutingRule("explosion", "gas-leak", Urgency.Low, ["爆炸"], CommandLevel.City, "emergency"),
            new RoutingRule("gas-critical", "gas-leak", Urgency.Critical, [], CommandLevel.District, "gas-utility"),
            new RoutingRule("default", "*", Urgency.Low, [], CommandLevel.Town, "street-office"),
        ]);

        Assert.Equal(new Route(CommandLevel.City, "emergency", "explosion"), policy.Route("gas-leak", Urgency.Normal, "疑似燃气爆炸"));
        Assert.Equal(new Route(CommandLevel.District, "gas-utility", "gas-critical"), policy.Route("gas-leak", Urgency.Critical, "燃气味"));
        Assert.Equal(new Route(CommandLevel.Town, "street-office", "default"), policy.Route("gas-leak", Urgency.High, "燃气味"));
        Assert.Equal("default", policy.Route("noise", Urgency.Critical, "噪声").Rule);
    }

    [Fact]
    public void A_dispatcher_overrides_the_suggested_level_with_a_reason() =>
        Given(Reported(), Routed(CommandLevel.Town))
            .When(new OverrideRouting(CommandLevel.District, Fire, "涉及多个街道", Dispatcher))
            .Then(new IncidentRoutingOverridden(Id, CommandLevel.District, Fire, "涉及多个街道", Dispatcher, Now));

    [Fact]
    public void An_override_needs_a_reason() =>
        Given(Reported()).When(new OverrideRouting(CommandLevel.City, null, " ", Dispatcher)).ThenRefused("override.no-reason");

    // ---- joint handling ------------------------------------------------------------------------------

    [Fact]
    public void An_assignment_names_a_lead_and_assisting_departments_with_the_policys_deadlines()
    {
        var outcome = Given(Reported(), Accepted())
            .When(new AssignIncident(UrbanManagement, Dispatcher, [Water, Fire], HalfHourAndADay));

        var assigned = Assert.IsType<IncidentAssigned>(Assert.Single(outcome.Decision.Events));
        Assert.Equal([Water, Fire], assigned.Assisting);
        Assert.Equal(Now.AddMinutes(30), assigned.AcknowledgeBy);
        Assert.Equal(Now.AddHours(24), assigned.ResolveBy);
    }

    [Fact]
    public void A_department_cannot_lead_and_assist_at_once() =>
        Given(Reported(), Accepted()).When(new AssignIncident(UrbanManagement, Dispatcher, [UrbanManagement])).ThenRefused("assign.lead-assists", namesIncident: true);

    [Fact]
    public void An_assisting_department_acknowledges_its_part_without_starting_the_leads_handling()
    {
        var state = Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]))
            .When(new AcknowledgeIncident(Water, Handler))
            .Then(new IncidentAcknowledged(Id, Water, Handler, Now));

        Assert.Equal(IncidentState.Assigned, state.State);
        Assert.True(state.AcknowledgedBy.Contains(Water));
    }

    [Fact]
    public void The_incident_is_resolved_when_the_lead_resolves_it_even_with_an_assisting_department_slow()
    {
        // Water never acknowledged; the lead handled it and resolves: that closes the matter.
        var state = Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]), Acknowledged())
            .When(new ResolveIncident(UrbanManagement, "已处置", Handler))
            .Then(new IncidentResolved(Id, UrbanManagement, "已处置", Handler, Now));

        Assert.Equal(IncidentState.Resolved, state.State);
        Assert.False(state.AcknowledgedBy.Contains(Water));
    }

    [Fact]
    public void An_assisting_department_may_not_resolve() =>
        Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]), Acknowledged(), Acknowledged(Water))
            .When(new ResolveIncident(Water, "已处置", Handler))
            .ThenRefused("resolve.wrong-department");

    [Fact]
    public void An_assisting_department_notes_its_own_progress_once_it_acknowledged()
    {
        Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]))
            .When(new NoteProgress(Water, "已关阀", Handler))
            .ThenRefused("progress.not-acknowledged");
        Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]), Acknowledged(Water))
            .When(new NoteProgress(Water, "已关阀", Handler))
            .Then(new IncidentProgressNoted(Id, Water, "已关阀", Handler, Now));
    }

    [Fact]
    public void An_assisting_department_that_returns_its_part_leaves_and_the_lead_carries_on()
    {
        var state = Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]), Acknowledged())
            .When(new ReturnIncident(Water, "非本部门职责", Handler))
            .Then(new IncidentReturned(Id, Water, "非本部门职责", Handler, Now));

        Assert.Equal(IncidentState.Acknowledged, state.State);
        Assert.Equal(UrbanManagement, state.LeadDepartment);
        Assert.Empty(state.Assisting);
    }

    [Fact]
    public void The_lead_returning_sends_it_back_to_the_queue_and_stops_its_deadlines()
    {
        var state = Given(Reported(), Accepted(), AssignedWithDeadlines(Earlier, [Water]))
            .When(new ReturnIncident(UrbanManagement, "非本部门职责", Handler))
            .Then(new IncidentReturned(Id, UrbanManagement, "非本部门职责", Handler, Now));

        Assert.Equal(IncidentState.Accepted, state.State);
        Assert.Null(state.RunningDeadline);
        Assert.Empty(state.Assisting);
    }

    // ---- deadlines ------------------------------------------------------------------------------------

    [Fact]
    public void Nothing_is_due_before_the_acknowledgement_deadline() =>
        Given(Reported(), Accepted(), AssignedWithDeadlines(Now.AddMinutes(-29)))
            .When(new CheckDeadlines("deadline-watch")).ThenRefused("deadline.none-due");

    [Fact]
    public void An_unacknowledged_assignment_past_its_deadline_goes_up_one_level_with_a_fresh_deadline()
    {
        var assignedAt = Now.AddMinutes(-31);

        var state = Given(Reported(), Routed(CommandLevel.Town), Accepted(), AssignedWithDeadlines(assignedAt))
            .When(new CheckDeadlines("deadline-watch"))
            .Then(new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.District,
                $"acknowledgement overdue since {assignedAt.AddMinutes(30).UtcDateTime:yyyy-MM-dd HH:mm} UTC", Automatic: true,
                AcknowledgeBy: Now.AddMinutes(30), ResolveBy: null, "deadline-watch", Now));

        Assert.Equal(CommandLevel.District, state.Level);
        // Asked again at once (another node, a restart): nothing is due any more.
        Assert.Equal("deadline.none-due", IncidentDecider.Decide(state, new CheckDeadlines("node-2"), Now).Refusal?.Code);
    }

    [Fact]
    public void Exactly_at_the_deadline_it_is_due() =>
        Given(Reported(), Accepted(), AssignedWithDeadlines(Now.AddMinutes(-30)))
            .When(new CheckDeadlines("deadline-watch"))
            .Then(new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.District,
                $"acknowledgement overdue since {Now.UtcDateTime:yyyy-MM-dd HH:mm} UTC", true, Now.AddMinutes(30), null, "deadline-watch", Now));

    [Fact]
    public void A_resolution_overdue_while_handled_escalates_and_restarts_the_resolution_clock()
    {
        var assignedAt = Now.AddHours(-25);

        var escalated = Assert.IsType<IncidentEscalated>(Assert.Single(
            Given(Reported(), Accepted(), AssignedWithDeadlines(assignedAt), Acknowledged())
                .When(new CheckDeadlines("deadline-watch")).Decision.Events));

        Assert.StartsWith("resolution overdue", escalated.Reason);
        Assert.Null(escalated.AcknowledgeBy);
        Assert.Equal(Now.AddHours(24), escalated.ResolveBy);
    }

    [Fact]
    public void At_the_city_a_missed_deadline_is_recorded_once()
    {
        var assignedAt = Now.AddHours(-2);
        var missed = new IncidentDeadlineMissed(Id, DeadlineKind.Acknowledge, assignedAt.AddMinutes(30), "deadline-watch", Now);

        var state = Given(Reported(), Routed(CommandLevel.City), Accepted(), AssignedWithDeadlines(assignedAt))
            .When(new CheckDeadlines("deadline-watch"))
            .Then(missed);

        Assert.Equal("deadline.none-due", IncidentDecider.Decide(state, new CheckDeadlines("deadline-watch"), Now).Refusal?.Code);
    }

    [Fact]
    public void An_acknowledged_incident_has_no_acknowledgement_deadline_running() =>
        Given(Reported(), Accepted(), AssignedWithDeadlines(Now.AddHours(-2)), Acknowledged())
            .When(new CheckDeadlines("deadline-watch")).ThenRefused("deadline.none-due");

    [Theory]
    [InlineData(0, DeadlineState.OnTime)]
    [InlineData(23, DeadlineState.OnTime)]
    [InlineData(24, DeadlineState.Warning)]   // 80 % of 30 minutes
    [InlineData(29, DeadlineState.Warning)]
    [InlineData(30, DeadlineState.Overdue)]
    [InlineData(90, DeadlineState.Overdue)]
    public void A_board_warns_at_80_percent_of_the_time_and_marks_overdue_after_it(int minutesIn, DeadlineState expected) =>
        Assert.Equal(expected, DeadlineClock.StateAt(Earlier, Earlier.AddMinutes(30), Earlier.AddMinutes(minutesIn)));

    // ---- escalation and delegation by hand ------------------------------------------------------------

    [Fact]
    public void A_dispatcher_escalates_by_hand_with_a_reason() =>
        Given(Reported(), Accepted())
            .When(new EscalateIncident("涉及多部门，街道无法协调", Dispatcher))
            .Then(new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.District, "涉及多部门，街道无法协调", false, null, null, Dispatcher, Now));

    [Fact]
    public void Nothing_is_above_the_city() =>
        Given(Reported(), Routed(CommandLevel.City)).When(new EscalateIncident("重大", Dispatcher)).ThenRefused("escalate.top");

    [Fact]
    public void A_routine_matter_is_delegated_down_with_a_reason() =>
        Given(Reported(), Routed(CommandLevel.District))
            .When(new DelegateIncident("属日常事项", Dispatcher))
            .Then(new IncidentDelegated(Id, CommandLevel.District, CommandLevel.Town, "属日常事项", Dispatcher, Now));

    [Fact]
    public void Nothing_is_below_the_town() =>
        Given(Reported()).When(new DelegateIncident("日常", Dispatcher)).ThenRefused("delegate.bottom");

    [Fact]
    public void A_finished_incident_is_neither_escalated_nor_delegated()
    {
        Given(HistoryIn(IncidentState.Resolved)).When(new EscalateIncident("x", Dispatcher)).ThenRefused("escalate.finished");
        Given(HistoryIn(IncidentState.Resolved)).When(new DelegateIncident("x", Dispatcher)).ThenRefused("delegate.finished");
    }

    // ---- supervision ----------------------------------------------------------------------------------

    [Fact]
    public void A_leader_supervises_an_open_incident_with_a_comment()
    {
        var state = Given(Reported(), Accepted())
            .When(new SuperviseIncident("请于今日内办结", "leader.zhang"))
            .Then(new IncidentSupervised(Id, "请于今日内办结", "leader.zhang", Now, Now.AddHours(4), 1));

        Assert.True(state.Supervised);
    }

    [Fact]
    public void Supervision_needs_a_comment_and_an_open_incident()
    {
        Given(Reported()).When(new SuperviseIncident("", "leader.zhang")).ThenRefused("supervise.no-comment");
        Given(HistoryIn(IncidentState.Cancelled)).When(new SuperviseIncident("督办", "leader.zhang")).ThenRefused("incident.cancelled");
    }
}
