using Dispatch.Domain.Units;

namespace Dispatch.Drill;

/// <summary>What the device does next: each step is one hub call.</summary>
public abstract record UnitStep
{
    public sealed record Ack(long Seq) : UnitStep;
    public sealed record OnDuty : UnitStep;
    public sealed record AcceptAndGo(Guid IncidentId, string Number) : UnitStep;
    public sealed record OnScene(Guid IncidentId, string Number) : UnitStep;
    public sealed record Note(string Text) : UnitStep;
    public sealed record Resolve(string Text) : UnitStep;
    public sealed record Clear : UnitStep;
    public sealed record Position(LatLon At, DateTimeOffset ReportedAt) : UnitStep;
}

/// <summary>How a simulated unit behaves: its speed, how often it reports where it is, how long a job takes on scene.</summary>
public sealed record UnitHabits(double SpeedMetersPerSecond, TimeSpan ReportEvery, TimeSpan Work)
{
    public static readonly UnitHabits Default = new(12, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(20));
}

/// <summary>What the unit is doing.</summary>
public enum UnitActivity { Starting, OffDuty, Patrolling, Driving, Working }

/// <summary>
/// The decisions of one simulated unit, without I/O: given what the server pushes and the passing of time, the hub
/// calls to make, in order. The caller (<see cref="SimulatedUnit"/>) makes them and reports refusals back. It
/// <list type="bullet">
/// <item>acknowledges every message, and acts on each (by its sequence number) once, however often a reconnect re-sends it;</item>
/// <item>on an assignment accepts it (accept and go), drives to the incident at its speed, reports on scene on arrival,
/// works for a while, notes progress, resolves it and clears, then patrols again;</item>
/// <item>patrols between random points of its home area, reporting its position every so often;</item>
/// <item>gives up a job the rules refuse it (it was released meanwhile, or sent elsewhere) and patrols again.</item>
/// </list>
/// </summary>
public sealed class UnitBrain(Area home, UnitHabits habits, Random random)
{
    public const string WorkingNote = "处置中";
    public const string Resolution = "已处置";

    readonly HashSet<long> _seen = [];
    DateTimeOffset _lastTick;
    DateTimeOffset _lastReport = DateTimeOffset.MinValue;
    DateTimeOffset _workUntil;
    Guid? _stale;

    public UnitActivity Activity { get; private set; } = UnitActivity.Starting;
    public LatLon Position { get; private set; }
    /// <summary>Where it is heading: a patrol waypoint or the scene.</summary>
    public LatLon Target { get; private set; }
    /// <summary>The incident it is on (accepted, driving to or working at), if any.</summary>
    public (Guid Id, string Number, LatLon Scene)? Job { get; private set; }

    /// <summary>
    /// The unit as the server knows it at start: back on duty if it was off, and free of any incident an earlier run
    /// left it on (that run's job was interrupted; its assignment, if it comes again, is only acknowledged). It starts
    /// where it was last seen if that lies in its area, else somewhere in it, and reports that position at once.
    /// </summary>
    public IReadOnlyList<UnitStep> Start(RosterUnit me, DateTimeOffset now)
    {
        var steps = new List<UnitStep>();
        if (me.Status == UnitStatus.OffDuty) steps.Add(new UnitStep.OnDuty());
        if (me.IncidentId is { } leftOver)
        {
            _stale = leftOver;
            steps.Add(new UnitStep.Clear());
        }
        Position = me is { Lat: { } lat, Lon: { } lon } && home.Contains(new(lat, lon)) ? new(lat, lon) : home.RandomPoint(random);
        Patrol();
        _lastTick = now;
        steps.Add(Report(now));
        return steps;
    }

    /// <summary>A message from the server: acknowledged always, acted on the first time it is seen.</summary>
    public IReadOnlyList<UnitStep> Receive(UnitMessage message, DateTimeOffset now)
    {
        var steps = new List<UnitStep> { new UnitStep.Ack(message.Seq) };
        if (!_seen.Add(message.Seq)) return steps;
        switch (message.Read())
        {
            case AssignmentMessage a when a.IncidentId != Job?.Id && a.IncidentId != _stale:
                var scene = a is { Lat: { } lat, Lon: { } lon } ? new LatLon(lat, lon) : Position;
                Job = (a.IncidentId, a.Number is { Length: > 0 } number ? number : a.IncidentId.ToString(), scene);
                Activity = UnitActivity.Driving;
                Target = scene;
                steps.Add(new UnitStep.AcceptAndGo(a.IncidentId, Job.Value.Number));
                break;
            case ReleasedMessage r when Job is { } job && (r.IncidentId is null || r.IncidentId == job.Id):
                Patrol();
                break;
            case StatusSetMessage { Command: "off-duty" }:
                Job = null;
                Activity = UnitActivity.OffDuty;
                break;
            case StatusSetMessage { Command: "on-duty" } when Activity == UnitActivity.OffDuty:
                Patrol();
                break;
            case OverdueMessage:
                // The flag is for the dispatcher to call about; the simulated crew keeps its own pace.
                break;
            case UnknownMessage:
                // From a newer server: acknowledged, nothing more.
                break;
        }
        return steps;
    }

    /// <summary>
    /// Time passes: it moves toward its target at its speed; arriving at a scene it reports on scene, and once the work is
    /// done it notes, resolves and clears; it reports its position whenever <see cref="UnitHabits.ReportEvery"/> has passed.
    /// </summary>
    public IReadOnlyList<UnitStep> Tick(DateTimeOffset now)
    {
        var elapsed = now - _lastTick;
        _lastTick = now;
        if (Activity is UnitActivity.Starting or UnitActivity.OffDuty || elapsed <= TimeSpan.Zero) return [];
        var steps = new List<UnitStep>();
        if (Activity is UnitActivity.Patrolling or UnitActivity.Driving)
        {
            Position = Position.Toward(Target, habits.SpeedMetersPerSecond * elapsed.TotalSeconds);
            if (Position == Target && Activity == UnitActivity.Patrolling) Target = home.RandomPoint(random, Position);
            else if (Position == Target && Job is { } job)
            {
                Activity = UnitActivity.Working;
                _workUntil = now + habits.Work;
                steps.Add(new UnitStep.OnScene(job.Id, job.Number));
                steps.Add(Report(now));
            }
        }
        else if (Activity == UnitActivity.Working && now >= _workUntil)
        {
            steps.Add(new UnitStep.Note(WorkingNote));
            steps.Add(new UnitStep.Resolve(Resolution));
            steps.Add(new UnitStep.Clear());
            Patrol();
        }
        if (now - _lastReport >= habits.ReportEvery) steps.Add(Report(now));
        return steps;
    }

    /// <summary>
    /// The server refused <paramref name="step"/>. Returns the steps to take instead of the rest of the batch, or null
    /// to carry on with it: a refused acceptance or arrival means the job is gone (released, or sent elsewhere
    /// meanwhile), so it patrols again; "already" is no refusal at all (a retried call, or the dispatcher was faster);
    /// a refused note or resolution (its department does not lead the incident) is only logged and the unit clears anyway.
    /// </summary>
    public IReadOnlyList<UnitStep>? Refused(UnitStep step, string? code)
    {
        if (code?.EndsWith(".already", StringComparison.Ordinal) == true) return null;
        switch (step)
        {
            case UnitStep.AcceptAndGo or UnitStep.OnScene:
                Patrol();
                return [];
            case UnitStep.OnDuty:
                Activity = UnitActivity.OffDuty;
                return [];
            default:
                return null;
        }
    }

    /// <summary>Not on an incident any more: on to a patrol point.</summary>
    void Patrol()
    {
        Job = null;
        Activity = UnitActivity.Patrolling;
        Target = home.RandomPoint(random, Position);
    }

    UnitStep Report(DateTimeOffset now)
    {
        _lastReport = now;
        return new UnitStep.Position(Position, now);
    }
}
