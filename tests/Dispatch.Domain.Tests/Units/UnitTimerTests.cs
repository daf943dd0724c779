using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.Units.UnitSpec;

namespace Dispatch.Domain.Tests.Units;

/// <summary>
/// The unit status timers: how long a unit may be dispatched without going en route or stay on scene (the policy), and
/// the rule that flags it on the incident once per status period (given the incident's history, when the watch checks
/// at <see cref="UnitSpec.Now"/>, then the flags or a refusal).
/// </summary>
public class UnitTimerTests
{
    static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5), Hour = TimeSpan.FromHours(1);
    static readonly Guid Other = Guid.Parse("5c0e4a1b-8f2d-4e6a-b7c9-000000000002");

    static readonly UnitTimers FireEnginesLonger = new(onSceneByCapability: new Dictionary<string, TimeSpan>
    {
        ["fire-engine"] = TimeSpan.FromMinutes(120), ["medic"] = TimeSpan.FromMinutes(90),
    });

    // ---- the incident's history ----------------------------------------------------------------------

    /// <summary>An incident its lead department (城管, the units' own) is handling.</summary>
    static object[] Handling() => IncidentSpec.HistoryIn(IncidentState.Acknowledged);

    static IncidentUnitDispatched Sent(DateTimeOffset at, TimeSpan? limit, Guid? unit = null, string callSign = CallSign) =>
        new(IncidentSpec.Id, unit ?? UnitId, callSign, Department, Dispatcher, at, limit);

    static IncidentUnitStatusChanged Moved(UnitStatus status, DateTimeOffset at, TimeSpan? limit = null, Guid? unit = null) =>
        new(IncidentSpec.Id, unit ?? UnitId, CallSign, status, Crew, at, limit);

    static IncidentUnitOverdue Flag(UnitStatus status, DateTimeOffset since, TimeSpan limit, DateTimeOffset at, Guid? unit = null,
        string callSign = CallSign) =>
        new(IncidentSpec.Id, unit ?? UnitId, callSign, status, since, limit, "system", at);

    static Incident Given(params object[] events) =>
        events.Aggregate((Incident?)null, Incident.Evolve) ?? throw new InvalidOperationException("no incident");

    static Decision WhenChecked(Incident incident) => UnitTimers.Check(incident, "system", Now);

    static void ThenFlagged(Decision decision, params IncidentUnitOverdue[] expected)
    {
        Assert.False(decision.IsRefused, $"Expected flags, but: {decision.Refusal}");
        Assert.Equal<object>(expected, decision.Events);
    }

    static void ThenNothingDue(Decision decision)
    {
        Assert.Empty(decision.Events);
        Assert.Equal("unit-timer.none-due", decision.Refusal?.Code);
        Assert.Contains(IncidentSpec.Number, decision.Refusal!.Message);
    }

    // ---- the policy ----------------------------------------------------------------------------------

    [Fact]
    public void By_default_a_dispatched_unit_has_5_minutes_to_go_en_route_and_an_hour_on_scene_and_no_timer_runs_otherwise()
    {
        var timers = UnitTimers.Default;

        Assert.Equal(FiveMinutes, timers.Limit(UnitStatus.Dispatched));
        Assert.Equal(Hour, timers.Limit(UnitStatus.OnScene, ["enforcement"]));
        Assert.All(new[] { UnitStatus.OffDuty, UnitStatus.Available, UnitStatus.EnRoute, UnitStatus.Returning },
            status => Assert.Null(timers.Limit(status)));
    }

    [Fact]
    public void A_capability_with_its_own_on_scene_limit_gets_it_the_longest_when_a_unit_has_several()
    {
        Assert.Equal(TimeSpan.FromMinutes(120), FireEnginesLonger.Limit(UnitStatus.OnScene, ["fire-engine"]));
        Assert.Equal(TimeSpan.FromMinutes(120), FireEnginesLonger.Limit(UnitStatus.OnScene, ["Fire-Engine "]));
        Assert.Equal(TimeSpan.FromMinutes(120), FireEnginesLonger.Limit(UnitStatus.OnScene, ["medic", "fire-engine"]));
        Assert.Equal(TimeSpan.FromMinutes(90), FireEnginesLonger.Limit(UnitStatus.OnScene, ["enforcement", "medic"]));
        Assert.Equal(Hour, FireEnginesLonger.Limit(UnitStatus.OnScene, ["enforcement"]));
        Assert.Equal(Hour, FireEnginesLonger.Limit(UnitStatus.OnScene));
        // Going en route is not a matter of what the crew can do.
        Assert.Equal(FiveMinutes, FireEnginesLonger.Limit(UnitStatus.Dispatched, ["fire-engine"]));
    }

    [Theory]
    [InlineData(-299, false)] // 4:59 after the dispatch: not yet
    [InlineData(-300, true)]  // exactly 5:00: just due
    [InlineData(-900, true)]  // long past
    public void A_unit_is_overdue_from_the_instant_its_limit_runs_out(int secondsAgo, bool overdue)
    {
        var since = Now.AddSeconds(secondsAgo);

        var overdueSince = UnitTimers.Default.OverdueSince(UnitStatus.Dispatched, since, Now);

        Assert.Equal(overdue ? since + FiveMinutes : null, overdueSince);
        Assert.Null(UnitTimers.Default.OverdueSince(UnitStatus.EnRoute, since, Now));
    }

    [Fact]
    public void A_limit_must_be_longer_than_zero()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new UnitTimers(dispatchedWithoutEnRoute: TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UnitTimers(onScene: TimeSpan.FromMinutes(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new UnitTimers(onSceneByCapability: new Dictionary<string, TimeSpan> { ["fire-engine"] = TimeSpan.Zero }));
    }

    // ---- the limit is recorded when the status begins --------------------------------------------------

    [Fact]
    public void Dispatching_and_moving_a_unit_record_the_time_it_has_in_its_new_status()
    {
        var incident = Given(Handling());
        var engine = Fold(Registered(null, CallSign, "fire-engine"), OnDuty());

        var sent = UnitsOnIncident.Dispatch(incident, engine, Dispatcher, Now, FireEnginesLonger);
        var dispatched = Assert.IsType<IncidentUnitDispatched>(Assert.Single(sent.IncidentEvents));
        Assert.Equal(FiveMinutes, dispatched.Limit);

        engine = Fold(Registered(null, CallSign, "fire-engine"), OnDuty(), Dispatched(), EnRoute());
        incident = Given([.. Handling(), dispatched, Moved(UnitStatus.EnRoute, Now)]);
        var arrived = UnitsOnIncident.Move(incident, engine, new ReportOnScene(Crew), Now, FireEnginesLonger);
        Assert.Equal(TimeSpan.FromMinutes(120), Assert.IsType<IncidentUnitStatusChanged>(Assert.Single(arrived.IncidentEvents)).Limit);

        var going = UnitsOnIncident.Move(incident, Fold(HistoryIn(UnitStatus.Dispatched)), new ReportEnRoute(Crew), Now, FireEnginesLonger);
        Assert.Null(Assert.IsType<IncidentUnitStatusChanged>(going.IncidentEvents[0]).Limit);
    }

    // ---- the rule ------------------------------------------------------------------------------------

    [Fact]
    public void Not_yet_a_unit_dispatched_4_minutes_59_ago_is_not_flagged() =>
        ThenNothingDue(WhenChecked(Given([.. Handling(), Sent(Now.AddSeconds(-299), FiveMinutes)])));

    [Fact]
    public void Just_due_a_unit_dispatched_5_minutes_ago_and_not_en_route_is_flagged_with_its_status_since_and_limit()
    {
        var since = Now - FiveMinutes;

        ThenFlagged(WhenChecked(Given([.. Handling(), Sent(since, FiveMinutes)])), Flag(UnitStatus.Dispatched, since, FiveMinutes, Now));
    }

    [Fact]
    public void A_unit_on_scene_past_its_limit_is_flagged_for_the_time_on_scene()
    {
        var arrived = Now.AddMinutes(-61);

        ThenFlagged(WhenChecked(Given([.. Handling(), Sent(Now.AddMinutes(-70), FiveMinutes), Moved(UnitStatus.EnRoute, Now.AddMinutes(-68)),
            Moved(UnitStatus.OnScene, arrived, Hour)])), Flag(UnitStatus.OnScene, arrived, Hour, Now));
    }

    [Fact]
    public void Status_changed_meanwhile_a_unit_that_went_en_route_before_the_check_is_not_flagged_for_the_dispatch()
    {
        // Its five minutes ran out a minute before it went en route, but nobody looked in between: by now it is on its way.
        ThenNothingDue(WhenChecked(Given([.. Handling(), Sent(Now.AddMinutes(-10), FiveMinutes), Moved(UnitStatus.EnRoute, Now.AddMinutes(-4))])));
        // Left the scene after its hour: returning has no timer.
        ThenNothingDue(WhenChecked(Given([.. Handling(), Sent(Now.AddMinutes(-90), FiveMinutes), Moved(UnitStatus.EnRoute, Now.AddMinutes(-88)),
            Moved(UnitStatus.OnScene, Now.AddMinutes(-80), Hour), Moved(UnitStatus.Returning, Now.AddMinutes(-1))])));
        // Released, and sent again two minutes ago: the new dispatch has its own five minutes.
        ThenNothingDue(WhenChecked(Given([.. Handling(), Sent(Now.AddMinutes(-30), FiveMinutes), Moved(UnitStatus.Available, Now.AddMinutes(-20)),
            Sent(Now.AddMinutes(-2), FiveMinutes)])));
    }

    [Fact]
    public void Already_flagged_a_second_check_of_the_same_status_period_finds_nothing_due()
    {
        var since = Now.AddMinutes(-12);
        var incident = Given([.. Handling(), Sent(since, FiveMinutes), Flag(UnitStatus.Dispatched, since, FiveMinutes, since + FiveMinutes)]);

        ThenNothingDue(WhenChecked(incident));
        var unit = Assert.Single(incident.Units);
        Assert.True(unit.Overdue);
        Assert.Null(unit.Due);
    }

    [Fact]
    public void A_flag_is_per_status_period_once_on_scene_the_hour_runs_again()
    {
        var sent = Now.AddMinutes(-80);
        var arrived = Now - Hour;
        var incident = Given([.. Handling(), Sent(sent, FiveMinutes), Flag(UnitStatus.Dispatched, sent, FiveMinutes, sent + FiveMinutes),
            Moved(UnitStatus.EnRoute, Now.AddMinutes(-70)), Moved(UnitStatus.OnScene, arrived, Hour)]);

        Assert.False(Assert.Single(incident.Units).Overdue); // the new status cleared the old flag
        ThenFlagged(WhenChecked(incident), Flag(UnitStatus.OnScene, arrived, Hour, Now));
    }

    [Fact]
    public void Two_overdue_units_are_flagged_together_the_longest_overdue_first_and_one_not_yet_due_is_left()
    {
        var first = Now.AddMinutes(-9);
        var second = Now.AddMinutes(-6);
        var third = Guid.Parse("5c0e4a1b-8f2d-4e6a-b7c9-000000000003");

        ThenFlagged(WhenChecked(Given([.. Handling(), Sent(second, FiveMinutes, Other, "东湖-城管-05"), Sent(first, FiveMinutes),
                Sent(Now.AddMinutes(-1), FiveMinutes, third, "东湖-城管-09")])),
            Flag(UnitStatus.Dispatched, first, FiveMinutes, Now), Flag(UnitStatus.Dispatched, second, FiveMinutes, Now, Other, "东湖-城管-05"));
    }

    [Fact]
    public void A_unit_dispatched_before_the_timers_existed_has_no_limit_and_is_never_flagged() =>
        ThenNothingDue(WhenChecked(Given([.. Handling(), Sent(Now.AddHours(-3), limit: null)])));

    [Fact]
    public void The_units_of_a_finished_incident_are_not_timed()
    {
        var decision = WhenChecked(Given([.. Handling(), Sent(Now.AddMinutes(-10), FiveMinutes), IncidentSpec.Cancelled()]));

        Assert.Equal("unit-timer.finished", decision.Refusal?.Code);
        Assert.Empty(decision.Events);
    }
}
