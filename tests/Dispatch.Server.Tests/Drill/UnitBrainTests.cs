using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Drill;

namespace Dispatch.Server.Tests.Drill;

/// <summary>
/// The drill's simulated unit deciding, without a server: what it does with each pushed message and with the passing
/// of time (given as explicit instants, so nothing waits).
/// </summary>
public sealed class UnitBrainTests
{
    static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8));

    /// <summary>A square town about 1.1 km a side around 东湖区人民路.</summary>
    static readonly Area Town = Square("dh-01", 31.225, 121.465, 0.01);

    static readonly UnitHabits Habits = new(SpeedMetersPerSecond: 10, ReportEvery: TimeSpan.FromSeconds(5), Work: TimeSpan.FromSeconds(20));

    static Area Square(string code, double south, double west, double size) =>
        new(code, code, "demo/dh/" + code,
        [
            [[new(south, west), new(south, west + size), new(south + size, west + size), new(south + size, west), new(south, west)]],
        ]);

    static RosterUnit Me(UnitStatus status = UnitStatus.Available, Guid? incident = null, LatLon? at = null) =>
        new(Guid.NewGuid(), "演练-城管-001", "urban-management", Town.Path, "drill-unit-001", status, incident,
            incident is null ? null : "20261123-0001", at?.Lat, at?.Lon, at is null ? null : T0);

    /// <summary>A message as the hub delivers it: the body as the server writes it.</summary>
    static UnitMessage Message(long seq, UnitMessageBody body) => new(seq, body.Kind, T0, body.ToJson());

    static UnitMessage Assignment(long seq, Guid incident, LatLon scene) =>
        Message(seq, new AssignmentMessage(incident, "20261123-0042", "sanitation", Urgency.Normal, null, null, scene.Lat, scene.Lon,
            null, null, "urban-management", "dispatcher"));

    /// <summary>A unit on patrol from a known point, its start already done.</summary>
    static UnitBrain Patrolling(LatLon from, int seed = 1)
    {
        var brain = new UnitBrain(Town, Habits, new Random(seed));
        brain.Start(Me(at: from), T0);
        return brain;
    }

    static readonly LatLon West = new(31.230, 121.467), East = new(31.230, 121.473);

    [Fact]
    public void An_assignment_is_acknowledged_and_accepted_and_the_unit_drives_there_at_its_speed_and_reports_on_scene_on_arrival()
    {
        var brain = Patrolling(West);
        var incident = Guid.NewGuid();

        var steps = brain.Receive(Assignment(7, incident, East), T0);

        Assert.Equal([new UnitStep.Ack(7), new UnitStep.AcceptAndGo(incident, "20261123-0042")], steps);
        var distance = West.MetersTo(East); // about 570 m: 57 s at 10 m/s
        var before = brain.Tick(T0 + TimeSpan.FromSeconds(distance / 10 - 2));
        Assert.DoesNotContain(before, s => s is UnitStep.OnScene);
        Assert.Equal(20, brain.Position.MetersTo(East), precision: 0);
        Assert.Equal(UnitActivity.Driving, brain.Activity);

        var arrival = brain.Tick(T0 + TimeSpan.FromSeconds(distance / 10 + 1));

        Assert.Equal(new UnitStep.OnScene(incident, "20261123-0042"), arrival[0]);
        Assert.Equal(East, Assert.IsType<UnitStep.Position>(arrival[1]).At);
        Assert.Equal(UnitActivity.Working, brain.Activity);
    }

    [Fact]
    public void After_its_work_on_scene_it_notes_progress_resolves_and_clears_in_that_order_then_patrols_again()
    {
        var brain = Patrolling(West);
        brain.Receive(Assignment(1, Guid.NewGuid(), West), T0); // the scene is where it stands
        brain.Tick(T0 + TimeSpan.FromSeconds(1));                // arrives at once

        var working = brain.Tick(T0 + TimeSpan.FromSeconds(20));
        var done = brain.Tick(T0 + TimeSpan.FromSeconds(21));

        Assert.DoesNotContain(working, s => s is UnitStep.Resolve or UnitStep.Clear);
        Assert.Equal([new UnitStep.Note("处置中"), new UnitStep.Resolve("已处置"), new UnitStep.Clear()], done.Where(s => s is not UnitStep.Position));
        Assert.Equal(UnitActivity.Patrolling, brain.Activity);
        Assert.Null(brain.Job);
    }

    [Fact]
    public void A_message_sent_again_after_a_reconnect_is_acknowledged_again_but_acted_on_once()
    {
        var brain = Patrolling(West);
        var assignment = Assignment(3, Guid.NewGuid(), East);
        brain.Receive(assignment, T0);

        var again = brain.Receive(assignment, T0 + TimeSpan.FromSeconds(2));

        Assert.Equal([new UnitStep.Ack(3)], again);
        Assert.Equal(UnitActivity.Driving, brain.Activity);
    }

    [Fact]
    public void A_refused_acceptance_gives_up_the_job_while_already_accepted_is_no_refusal_and_a_refused_resolution_still_clears()
    {
        var brain = Patrolling(West);
        var incident = Guid.NewGuid();
        brain.Receive(Assignment(1, incident, East), T0);

        Assert.Null(brain.Refused(new UnitStep.AcceptAndGo(incident, "n"), "accept.already"));
        Assert.Equal(UnitActivity.Driving, brain.Activity);
        Assert.Null(brain.Refused(new UnitStep.Resolve("已处置"), "resolve.not-lead"));

        Assert.Equal([], brain.Refused(new UnitStep.AcceptAndGo(incident, "n"), "accept.not-dispatched"));
        Assert.Equal(UnitActivity.Patrolling, brain.Activity);
        Assert.Null(brain.Job);
    }

    [Fact]
    public void Released_on_the_way_it_patrols_again_and_a_release_of_another_incident_changes_nothing()
    {
        var brain = Patrolling(West);
        var incident = Guid.NewGuid();
        brain.Receive(Assignment(1, incident, East), T0);

        brain.Receive(Message(2, new ReleasedMessage(Guid.NewGuid(), "20261123-0007", "dispatcher")), T0);
        Assert.Equal(UnitActivity.Driving, brain.Activity);
        var steps = brain.Receive(Message(3, new ReleasedMessage(incident, "20261123-0042", "dispatcher")), T0);

        Assert.Equal([new UnitStep.Ack(3)], steps);
        Assert.Equal(UnitActivity.Patrolling, brain.Activity);
    }

    [Fact]
    public void A_unit_found_off_duty_goes_on_duty_and_reports_where_it_is()
    {
        var brain = new UnitBrain(Town, Habits, new Random(1));

        var steps = brain.Start(Me(UnitStatus.OffDuty, at: West), T0);

        Assert.Equal([new UnitStep.OnDuty(), new UnitStep.Position(West, T0)], steps);
    }

    [Fact]
    public void A_unit_left_on_an_incident_by_an_earlier_run_clears_it_and_only_acknowledges_its_old_assignment()
    {
        var brain = new UnitBrain(Town, Habits, new Random(1));
        var old = Guid.NewGuid();

        var start = brain.Start(Me(UnitStatus.EnRoute, old, at: West), T0);
        var resent = brain.Receive(Assignment(9, old, East), T0);

        Assert.Equal([new UnitStep.Clear(), new UnitStep.Position(West, T0)], start);
        Assert.Equal([new UnitStep.Ack(9)], resent);
        Assert.Equal(UnitActivity.Patrolling, brain.Activity);
    }

    [Fact]
    public void On_patrol_it_stays_in_its_town_moves_at_its_speed_and_reports_its_position_every_interval()
    {
        // Starting outside its town (last seen elsewhere), it begins somewhere inside.
        var brain = Patrolling(new LatLon(31.3, 121.6), seed: 5);
        var reports = 0;
        var start = brain.Position;
        var last = start;

        for (var second = 1; second <= 600; second++)
        {
            reports += brain.Tick(T0 + TimeSpan.FromSeconds(second)).Count(s => s is UnitStep.Position);
            Assert.True(Town.Contains(brain.Position), $"at {second} s it is at {brain.Position}, outside its town");
            Assert.InRange(last.MetersTo(brain.Position), 0, 10.01);
            last = brain.Position;
        }

        Assert.Equal(120, reports);
        Assert.True(start.MetersTo(brain.Position) > 10, "it went somewhere");
    }

    [Fact]
    public void Toward_moves_the_given_meters_along_the_line_and_stops_at_the_target()
    {
        var moved = West.Toward(East, 100);

        Assert.Equal(100, West.MetersTo(moved), precision: 1);
        Assert.Equal(West.MetersTo(East) - 100, moved.MetersTo(East), precision: 1);
        Assert.Equal(East, West.Toward(East, 10_000));
    }

    [Fact]
    public void An_area_holds_points_inside_its_outline_and_not_in_a_notch_or_a_hole()
    {
        // An L: the square 0..2 without its north-east quarter, with a small hole in the south-west quarter.
        var l = new Area("l", "L", "l",
        [
            [
                [new(0, 0), new(0, 2), new(1, 2), new(1, 1), new(2, 1), new(2, 0), new(0, 0)],
                [new(0.2, 0.2), new(0.2, 0.4), new(0.4, 0.4), new(0.4, 0.2), new(0.2, 0.2)],
            ],
        ]);

        Assert.True(l.Contains(new(0.5, 1.5)));
        Assert.True(l.Contains(new(1.5, 0.5)));
        Assert.False(l.Contains(new(1.5, 1.5))); // the notch
        Assert.False(l.Contains(new(0.3, 0.3))); // the hole
        var random = new Random(3);
        Assert.All(Enumerable.Range(0, 200).Select(_ => l.RandomPoint(random)), p => Assert.True(l.Contains(p)));
    }
}
