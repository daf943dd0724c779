using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests.Plans;

/// <summary>
/// A contingency plan's run on an incident, decided purely with the fixed clock: activation (level, departments, tasks
/// with deadlines, one at a time), the tasks' steps, the overdue check that records each late task once, stand-down.
/// </summary>
public class PlanTests
{
    const string Gas = "燃气";
    const string Fire = "消防";
    const string Police = "公安";
    static readonly Deadlines HalfHourAndADay = new(TimeSpan.FromMinutes(30), TimeSpan.FromHours(24));

    /// <summary>A gas explosion plan at response level Ⅱ: commanded by the city, gas leads, fire and police assist.</summary>
    static readonly ContingencyPlan GasExplosion = new(
        "gas-explosion", 3, "燃气爆炸事故应急预案",
        new PlanTrigger(["gas-leak"], Urgency.High, ["爆炸", "explosion"], []),
        ResponseLevel.II, CommandLevel.City, Gas, [Fire, Police],
        [
            new PlanTask("cut-gas", "关闭上游阀门", Gas, null, TimeSpan.FromMinutes(15)),
            new PlanTask("cordon", "设置警戒区，疏散群众", Police, null, TimeSpan.FromMinutes(20)),
            new PlanTask("search", "搜救被困人员", null, "rescue", TimeSpan.FromMinutes(30)),
        ],
        ["incident"], ["city.leader"], null);

    static ActivatePlan Activate(string reason = "现场确认爆炸，多人受伤") => new(GasExplosion, reason, Dispatcher, HalfHourAndADay);

    static object[] Activated(params object[] history) =>
        [.. history, .. Given(history).When(Activate()).Decision.Events];

    [Fact]
    public void Given_a_trigger_when_an_incident_is_matched_then_category_urgency_keyword_and_area_all_count()
    {
        var when = new PlanTrigger(["gas-leak"], Urgency.High, ["爆炸"], ["demo/dh"]);

        Assert.True(when.Matches("gas-leak", Urgency.Critical, "疑似燃气爆炸", "demo/dh/dh-01/g-3"));
        Assert.True(when.Matches("gas-leak", Urgency.High, "爆炸", "demo/dh"));
        Assert.False(when.Matches("noise", Urgency.Critical, "爆炸", "demo/dh/dh-01"));          // category
        Assert.False(when.Matches("gas-leak", Urgency.Normal, "爆炸", "demo/dh/dh-01"));         // urgency
        Assert.False(when.Matches("gas-leak", Urgency.Critical, "燃气味", "demo/dh/dh-01"));     // keyword
        Assert.False(when.Matches("gas-leak", Urgency.Critical, "爆炸", "demo/dhx/dhx-01"));     // area is a path prefix, not a string prefix
        Assert.False(when.Matches("gas-leak", Urgency.Critical, "爆炸", null));                  // not placed
        Assert.True(new PlanTrigger([], Urgency.Low, [], []).Matches("noise", Urgency.Low, "", null));
    }

    [Fact]
    public void Given_a_reported_town_incident_when_the_plan_is_activated_then_it_is_accepted_raised_assigned_and_the_tasks_set_in_one_decision()
    {
        var outcome = Given(Reported()).When(Activate());

        var events = outcome.Decision.Events;
        Assert.Equal(new IncidentAccepted(Id, Dispatcher, Now), events[0]);
        var raised = Assert.IsType<IncidentEscalated>(events[1]);
        Assert.Equal((CommandLevel.Town, CommandLevel.City, false), (raised.From, raised.To, raised.Automatic));
        Assert.Contains("gas-explosion v3", raised.Reason);
        var assigned = Assert.IsType<IncidentAssigned>(events[2]);
        Assert.Equal(Gas, assigned.Department);
        Assert.Equal([Fire, Police], assigned.Assisting);
        Assert.Equal(Now + HalfHourAndADay.Acknowledge, assigned.AcknowledgeBy);
        var activated = Assert.IsType<PlanActivated>(events[3]);
        Assert.Equal(("gas-explosion", 3, ResponseLevel.II, "现场确认爆炸，多人受伤"), (activated.Plan, activated.Version, activated.Level, activated.Reason));
        Assert.Equal([Now.AddMinutes(15), Now.AddMinutes(20), Now.AddMinutes(30)], activated.Tasks.Select(t => t.Due));

        var incident = events.Aggregate(Given(Reported()).State, (s, e) => Incident.Evolve(s, e)!);
        Assert.Equal((IncidentState.Assigned, CommandLevel.City, Gas), (incident.State, incident.Level, incident.LeadDepartment));
        Assert.Equal(("gas-explosion", 3, 0), (incident.Plan!.Code, incident.Plan.Version, incident.Plan.Done));
        Assert.Equal(Now.AddMinutes(15), incident.Plan.NextDue);
    }

    [Fact]
    public void Given_an_incident_already_handled_when_the_plan_is_activated_then_its_lead_stays_and_the_plan_runs()
    {
        var events = Given(HistoryIn(IncidentState.Acknowledged)).When(Activate()).Decision.Events;

        Assert.DoesNotContain(events, e => e is IncidentAssigned or IncidentAccepted);
        Assert.IsType<IncidentEscalated>(events[0]);
        Assert.IsType<PlanActivated>(events[1]);
    }

    [Fact]
    public void Given_an_incident_at_the_plans_level_and_assignment_when_activated_then_only_the_plan_is_recorded()
    {
        var history = new object[]
        {
            Reported(), Accepted(), new IncidentRouted(Id, CommandLevel.City, Gas, "gas", CallTaker, Earlier),
            new IncidentAssigned(Id, Gas, Dispatcher, Earlier, [Police, Fire]),
        };

        var events = Given(history).When(Activate()).Decision.Events;

        Assert.IsType<PlanActivated>(Assert.Single(events));
    }

    [Fact]
    public void Given_a_running_plan_when_a_second_activation_comes_then_it_is_refused_and_nothing_is_written()
    {
        var refusal = Given(Activated(Reported())).When(Activate("第二位调度员同时启动")).ThenRefused("plan.running");

        Assert.Contains("gas-explosion", refusal.Message);
    }

    [Theory]
    [InlineData("", "plan.no-reason")]
    [InlineData("   ", "plan.no-reason")]
    public void Given_no_reason_when_activating_then_it_is_refused(string reason, string code) =>
        Given(Reported()).When(Activate(reason)).ThenRefused(code);

    [Fact]
    public void Given_a_resolved_or_closed_incident_when_activating_then_it_is_refused()
    {
        Given(HistoryIn(IncidentState.Resolved)).When(Activate()).ThenRefused("plan.resolved");
        Given(HistoryIn(IncidentState.Closed)).When(Activate()).ThenRefused("incident.closed");
    }

    [Fact]
    public void Given_a_running_plan_when_its_department_acknowledges_and_completes_a_task_then_the_run_counts_it_done()
    {
        var history = Activated(Reported());
        var acknowledged = Given(history).When(new AcknowledgePlanTask("cut-gas", Gas, Handler)).Then(new PlanTaskAcknowledged(Id, "cut-gas", Gas, Handler, Now));
        Assert.True(acknowledged.Plan!.Tasks[0].Acknowledged);

        var done = Given([.. history, new PlanTaskAcknowledged(Id, "cut-gas", Gas, Handler, Now)])
            .When(new CompletePlanTask("cut-gas", Gas, " 阀门已关闭 ", Handler))
            .Then(new PlanTaskCompleted(Id, "cut-gas", Gas, "阀门已关闭", Handler, Now));

        Assert.Equal(1, done.Plan!.Done);
        Assert.Equal(Now.AddMinutes(20), done.Plan.NextDue);
    }

    [Fact]
    public void Given_a_task_for_another_department_or_unknown_or_done_when_worked_then_it_is_refused_naming_why()
    {
        var history = Activated(Reported());
        Given(history).When(new AcknowledgePlanTask("cut-gas", Police, Handler)).ThenRefused("plan.task-wrong-department", namesIncident: false);
        Given(history).When(new AcknowledgePlanTask("no-such", Gas, Handler)).ThenRefused("plan.task-unknown", namesIncident: false);
        Given(history).When(new CompletePlanTask("cut-gas", Gas, "", Handler)).ThenRefused("plan.task-no-note", namesIncident: false);
        Given([.. history, new PlanTaskCompleted(Id, "cut-gas", Gas, "阀门已关闭", Handler, Now)])
            .When(new CompletePlanTask("cut-gas", Gas, "再次", Handler)).ThenRefused("plan.task-done");
        Given([.. history, new PlanTaskAcknowledged(Id, "cordon", Police, Handler, Now)])
            .When(new AcknowledgePlanTask("cordon", Police, Handler)).ThenRefused("plan.task-acknowledged");
        // A task for a capability, not a department: whichever department's unit has it may take it.
        Given(history).When(new AcknowledgePlanTask("search", Fire, Handler)).Then(new PlanTaskAcknowledged(Id, "search", Fire, Handler, Now));
        Given(Reported()).When(new AcknowledgePlanTask("cut-gas", Gas, Handler)).ThenRefused("plan.none");
    }

    [Fact]
    public void Given_tasks_past_their_deadline_when_the_clock_looks_then_each_late_task_is_recorded_overdue_exactly_once()
    {
        // Activated 25 minutes before Now: cut-gas (15 min) and cordon (20 min) are late, search (30 min) is not; cut-gas is done.
        var at = Now.AddMinutes(-25);
        var history = new object[]
        {
            Reported(),
            new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.City, "plan gas-explosion v3: 爆炸", false, null, null, Dispatcher, at),
            new PlanActivated(Id, "gas-explosion", 3, GasExplosion.Name, ResponseLevel.II, CommandLevel.City, Gas, [Fire, Police],
                [.. GasExplosion.Tasks.Select(t => new PlanTaskSet(t.Code, t.What, t.Department, t.Capability, at + t.Within))], "爆炸", Dispatcher, at),
            new PlanTaskCompleted(Id, "cut-gas", Gas, "阀门已关闭", Handler, at.AddMinutes(10)),
        };

        var late = Given(history).When(new CheckPlanTasks("system")).Then(new PlanTaskOverdue(Id, "cordon", at.AddMinutes(20), "system", Now));

        Assert.Equal(1, late.Plan!.Late(Now));
        Assert.Equal(at.AddMinutes(30), late.Plan.NextDue);
        Given([.. history, new PlanTaskOverdue(Id, "cordon", at.AddMinutes(20), "system", Now)]).When(new CheckPlanTasks("system")).ThenRefused("plan.none-due");
    }

    [Fact]
    public void Given_command_taken_below_the_plans_level_when_a_task_runs_out_then_it_goes_one_level_back_up_once()
    {
        // Activated 25 minutes before Now (the city), then delegated down to the district: cut-gas and cordon are late.
        var at = Now.AddMinutes(-25);
        var history = Activated(Reported()).Select(e => e switch
        {
            PlanActivated a => a with { At = at, Tasks = [.. a.Tasks.Select(t => t with { Due = t.Due - TimeSpan.FromMinutes(25) })] },
            _ => e,
        }).Append(new IncidentDelegated(Id, CommandLevel.City, CommandLevel.District, "区里先处置", Dispatcher, at.AddMinutes(1))).ToArray();

        var outcome = Given(history).When(new CheckPlanTasks("system"));

        var events = outcome.Decision.Events;
        Assert.Equal(["cut-gas", "cordon"], events.OfType<PlanTaskOverdue>().Select(o => o.Task));
        var up = Assert.Single(events.OfType<IncidentEscalated>());
        Assert.Equal((CommandLevel.District, CommandLevel.City, true), (up.From, up.To, up.Automatic));
        Assert.Contains("cut-gas, cordon", up.Reason);
        var after = outcome.Then([.. events]);
        // Asked again (another node, a restart), nothing more runs out and nothing is raised.
        Given([.. history, .. events]).When(new CheckPlanTasks("system")).ThenRefused("plan.none-due");
        Assert.Equal(CommandLevel.City, after.Level);
    }

    [Fact]
    public void Given_a_resolved_incident_or_a_stood_down_plan_when_the_clock_looks_then_no_task_runs_out()
    {
        var history = Activated(HistoryIn(IncidentState.Acknowledged));
        var late = new CheckPlanTasks("system");
        var dueAll = Given(history).State.Plan!.Tasks.Max(t => t.Due) - Now;
        // Move the history back so every task is due at Now.
        object[] Late(object[] h) => [.. h.Select(e => e is PlanActivated a ? a with { Tasks = [.. a.Tasks.Select(t => t with { Due = t.Due - dueAll })] } : e)];

        Assert.Equal(3, Given(Late(history)).When(late).Decision.Events.OfType<PlanTaskOverdue>().Count());
        Given([.. Late(history), Resolved(Gas)]).When(late).ThenRefused("plan.none-due");
        Given([.. Late(history), new PlanStoodDown(Id, "gas-explosion", 3, "险情消除", [], Dispatcher, Now)]).When(late).ThenRefused("plan.none-due");
    }

    [Fact]
    public void Given_a_running_plan_when_it_stands_down_then_the_open_tasks_are_named_and_another_plan_may_run()
    {
        var history = Activated(Reported());

        var outcome = Given(history).When(new StandDownPlan(" 险情消除 ", Dispatcher));

        var stoodDown = Assert.IsType<PlanStoodDown>(Assert.Single(outcome.Decision.Events));
        Assert.Equal(("gas-explosion", 3, "险情消除", Dispatcher, Now), (stoodDown.Plan, stoodDown.Version, stoodDown.Reason, stoodDown.By, stoodDown.At));
        Assert.Equal(["cut-gas", "cordon", "search"], stoodDown.TasksLeft);
        var after = Incident.Evolve(Given(history).State, stoodDown)!;
        Assert.Null(after.Plan);
        Given(Reported()).When(new StandDownPlan("险情消除", Dispatcher)).ThenRefused("plan.none");
        Assert.IsType<PlanActivated>(Given([.. history, new PlanStoodDown(Id, "gas-explosion", 3, "险情消除", [], Dispatcher, Now)])
            .When(Activate("复燃")).Decision.Events.Last());
    }
}
