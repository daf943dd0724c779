using Dispatch.Domain.Units;

namespace Dispatch.Server.Components.Field;

/// <summary>The one-tap status moves of a unit's phone.</summary>
public enum FieldAction
{
    OnDuty,
    OffDuty,
    /// <summary>Accepts the dispatch and goes en route in one tap.</summary>
    AcceptAndGo,
    OnScene,
    Returning,
    /// <summary>Done here: free for the next job (a release by the crew itself).</summary>
    Clear,
}

/// <summary>
/// Which buttons a unit's phone shows in each status: the move forward along the job, and going off duty where the
/// rules allow it. Pure, so the page's markup only draws what this says (and a test pins it down).
/// </summary>
public static class FieldActions
{
    public static IReadOnlyList<FieldAction> For(UnitStatus status) => status switch
    {
        UnitStatus.OffDuty => [FieldAction.OnDuty],
        UnitStatus.Available => [FieldAction.OffDuty],
        UnitStatus.Dispatched => [FieldAction.AcceptAndGo],
        UnitStatus.EnRoute => [FieldAction.OnScene],
        UnitStatus.OnScene => [FieldAction.Returning, FieldAction.Clear],
        UnitStatus.Returning => [FieldAction.Clear, FieldAction.OffDuty],
        _ => [],
    };

    /// <summary>The command a tap sends (the service fills in who sends it).</summary>
    public static UnitCommand Command(FieldAction action) => action switch
    {
        FieldAction.OnDuty => new GoOnDuty(""),
        FieldAction.OffDuty => new GoOffDuty(""),
        FieldAction.AcceptAndGo => new AcceptAndGo(""),
        FieldAction.OnScene => new ReportOnScene(""),
        FieldAction.Returning => new StartReturning(""),
        FieldAction.Clear => new ReleaseUnit(""),
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, null),
    };

    /// <summary>
    /// Notes and photos go to the unit's incident while it is on one; resolving is offered only when the unit's own
    /// department leads the incident (the rules refuse anyone else) and the crew has accepted the job.
    /// </summary>
    public static bool MayNote(UnitStatus status) => status is UnitStatus.EnRoute or UnitStatus.OnScene or UnitStatus.Returning;

    public static bool MayResolve(UnitStatus status, string unitDepartment, string? leadDepartment) =>
        status is UnitStatus.OnScene or UnitStatus.Returning && (leadDepartment is null || leadDepartment == unitDepartment);
}
