using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Units;

/// <summary>
/// How long a unit may stay in a status before the board flags it: dispatched without going en route
/// (<see cref="DispatchedWithoutEnRoute"/>, 5 minutes unless configured) and on scene (<see cref="OnScene"/>, 60 minutes,
/// longer for capabilities named in <see cref="OnSceneByCapability"/>, e.g. a fire engine's 120). No timer runs en route
/// or returning.
/// <para>
/// The limit is fixed when the status begins and recorded on the incident's stream with it (like an assignment's
/// deadlines): the board and the rule below read the same recorded limit, so a changed setting applies to the next
/// status period, never halfway through one.
/// </para>
/// </summary>
public sealed class UnitTimers
{
    public static readonly TimeSpan DefaultDispatchedWithoutEnRoute = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultOnScene = TimeSpan.FromMinutes(60);

    /// <summary>5 minutes to go en route, 60 on scene, no capability with more.</summary>
    public static readonly UnitTimers Default = new();

    public UnitTimers(TimeSpan? dispatchedWithoutEnRoute = null, TimeSpan? onScene = null,
        IReadOnlyDictionary<string, TimeSpan>? onSceneByCapability = null)
    {
        DispatchedWithoutEnRoute = Positive(dispatchedWithoutEnRoute ?? DefaultDispatchedWithoutEnRoute, nameof(dispatchedWithoutEnRoute));
        OnScene = Positive(onScene ?? DefaultOnScene, nameof(onScene));
        var byCapability = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
        foreach (var (capability, limit) in onSceneByCapability ?? new Dictionary<string, TimeSpan>())
        {
            if (string.IsNullOrWhiteSpace(capability))
                throw new ArgumentException("A capability with its own on-scene limit has no name.", nameof(onSceneByCapability));
            byCapability[capability.Trim()] = Positive(limit, $"{nameof(onSceneByCapability)}[{capability}]");
        }
        OnSceneByCapability = byCapability;
    }

    static TimeSpan Positive(TimeSpan limit, string name) => limit > TimeSpan.Zero
        ? limit
        : throw new ArgumentOutOfRangeException(name, limit, $"A unit timer ({name}) must be longer than zero.");

    /// <summary>How long a dispatched unit has to report en route.</summary>
    public TimeSpan DispatchedWithoutEnRoute { get; }

    /// <summary>How long a unit may be on scene (unless one of its capabilities has its own limit).</summary>
    public TimeSpan OnScene { get; }

    /// <summary>On-scene limits by capability (case-insensitive), e.g. <c>fire-engine</c> → 2 hours.</summary>
    public IReadOnlyDictionary<string, TimeSpan> OnSceneByCapability { get; }

    /// <summary>
    /// The time a unit with <paramref name="capabilities"/> has in <paramref name="status"/> before it is overdue; null
    /// when no timer runs in that status. On scene, a unit with several capabilities that have their own limit gets the
    /// longest of them (a fire engine that also carries a medic is timed as a fire engine).
    /// </summary>
    public TimeSpan? Limit(UnitStatus status, IEnumerable<string>? capabilities = null) => status switch
    {
        UnitStatus.Dispatched => DispatchedWithoutEnRoute,
        UnitStatus.OnScene => (capabilities ?? [])
            .Select(c => OnSceneByCapability.TryGetValue(c.Trim(), out var limit) ? limit : (TimeSpan?)null)
            .Max() ?? OnScene,
        _ => null,
    };

    /// <summary>
    /// Whether a unit in <paramref name="status"/> since <paramref name="since"/> is overdue at <paramref name="now"/>,
    /// and since when: the instant its limit ran out (exactly at that instant it is overdue), or null.
    /// </summary>
    public DateTimeOffset? OverdueSince(UnitStatus status, DateTimeOffset since, DateTimeOffset now, IEnumerable<string>? capabilities = null) =>
        DueAt(since, Limit(status, capabilities)) is { } due && due <= now ? due : null;

    /// <summary>When a timer of <paramref name="limit"/> started at <paramref name="since"/> runs out (null: no timer).</summary>
    public static DateTimeOffset? DueAt(DateTimeOffset since, TimeSpan? limit) => limit is { } l ? since + l : null;

    /// <summary>
    /// The units on an incident as its own stream tells them (dispatched, moved on, released, flagged): the fold
    /// <see cref="Incident.Evolve"/> uses for <see cref="Incident.Units"/>.
    /// </summary>
    public static IReadOnlyList<IncidentUnit> Evolve(IReadOnlyList<IncidentUnit> units, object @event) => @event switch
    {
        IncidentUnitDispatched d =>
            [.. units.Where(u => u.Id != d.UnitId), new IncidentUnit(d.UnitId, d.CallSign, UnitStatus.Dispatched, d.At, d.Limit)],
        IncidentUnitStatusChanged c when c.Status is UnitStatus.Available or UnitStatus.OffDuty => [.. units.Where(u => u.Id != c.UnitId)],
        IncidentUnitStatusChanged c =>
            [.. units.Select(u => u.Id == c.UnitId ? u with { Status = c.Status, Since = c.At, Limit = c.Limit, Overdue = false } : u)],
        IncidentUnitOverdue o => [.. units.Select(u => u.Flags(o) ? u with { Overdue = true } : u)],
        IncidentUnitArrivedNearScene a => [.. units.Select(u => u.Id == a.UnitId ? u with { NearScene = true } : u)],
        _ => units,
    };

    /// <summary>
    /// The rule the watch asks when an incident's first unit timer comes due: every unit on the open incident whose limit
    /// ran out in its current status, and which was not yet flagged for that status period, is flagged — once. Asked
    /// again (by another node, or after a restart) it finds nothing due and says so; a unit that moved on meanwhile
    /// (went en route, left the scene) is in a new status period and is not flagged for the old one.
    /// </summary>
    public static Decision Check(Incident incident, string by, DateTimeOffset now)
    {
        if (!incident.IsOpen)
            return Decision.Refuse("unit-timer.finished", "Incident {0} is {1}; the units on it are not timed.", incident.Number, incident.State);
        var overdue = incident.Units
            .Where(u => u.Due is { } due && due <= now)
            .OrderBy(u => u.Due).ThenBy(u => u.CallSign, StringComparer.Ordinal)
            .Select(u => (object)new IncidentUnitOverdue(incident.Id, u.Id, u.CallSign, u.Status, u.Since, u.Limit!.Value, by, now))
            .ToArray();
        return overdue.Length > 0
            ? Decision.Accept(overdue)
            : Decision.Refuse("unit-timer.none-due", "No unit on incident {0} is overdue.", incident.Number);
    }
}

/// <summary>
/// A unit on an incident as the incident's stream tells it (the write model's <see cref="Incident.Units"/> and the board
/// card's units alike): its status since when, the time it has in that status
/// (<see cref="Limit"/>, none when no timer runs) and whether it was already flagged for this status period.
/// </summary>
public sealed record IncidentUnit(Guid Id, string CallSign, UnitStatus Status, DateTimeOffset Since, TimeSpan? Limit, bool Overdue = false)
{
    /// <summary>It came within reach of the scene on this trip (<see cref="IncidentUnitArrivedNearScene"/>): recorded once.</summary>
    public bool NearScene { get; init; }

    /// <summary>When its timer runs out; null when none runs in this status or it was already flagged for it.</summary>
    public DateTimeOffset? Due => Overdue ? null : UnitTimers.DueAt(Since, Limit);

    /// <summary>Whether <paramref name="o"/> flags this unit in its current status period.</summary>
    public bool Flags(IncidentUnitOverdue o) => o.UnitId == Id && o.Status == Status && o.Since == Since;
}

/// <summary>
/// A unit stayed in <paramref name="Status"/> (dispatched without going en route, or on scene) longer than its
/// <paramref name="Limit"/>, counted from <paramref name="Since"/>: recorded on the incident's stream once per unit and
/// status period, by the watch (<paramref name="By"/> is <c>system</c>). The board flags the unit until its status changes.
/// </summary>
public sealed record IncidentUnitOverdue(Guid IncidentId, Guid UnitId, string CallSign, UnitStatus Status, DateTimeOffset Since,
    TimeSpan Limit, string By, DateTimeOffset At) : IIncidentEvent;
