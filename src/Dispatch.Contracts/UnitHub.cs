namespace Dispatch.Contracts;

/// <summary>What the server pushes to a unit's device on <see cref="UnitHubMethods.Path"/>.</summary>
public interface IUnitClient
{
    /// <summary>
    /// New messages, oldest first, each numbered (<see cref="UnitMessage.Seq"/>). Acknowledge each with
    /// <see cref="UnitHubMethods.Ack"/>: until then it is sent again on every new connection.
    /// </summary>
    Task Messages(IReadOnlyList<UnitMessage> messages);
}

/// <summary>
/// The answer to a unit's command: done (with the unit's new version) or why not, in the unit's language. Code
/// <see cref="Overloaded"/>: the centre was past its capacity and nothing was written; send the same command again after
/// <see cref="RetryAfterSeconds"/> (a member added at the end, null otherwise: older devices, which do not read it, are unaffected).
/// <see cref="Field"/> (added at the end the same way): the field of a <see cref="QueuedStep"/> at fault, when one is.
/// </summary>
public sealed record UnitReply(bool Ok, string? Code = null, string? Message = null, long Version = 0, int? RetryAfterSeconds = null,
    string? Field = null)
{
    public const string Overloaded = "overloaded";
}

/// <summary>The unit hub's methods a device calls. The moves answer <see cref="UnitReply"/>.</summary>
public static class UnitHubMethods
{
    public const string Path = "/hubs/unit";

    /// <summary>The unit as the roster shows it now.</summary>
    public const string Me = nameof(Me);
    /// <summary>(seq) → bool: the unit has message seq; false when unknown or acknowledged already.</summary>
    public const string Ack = nameof(Ack);
    public const string OnDuty = nameof(OnDuty);
    public const string OffDuty = nameof(OffDuty);
    public const string AcceptAndGo = nameof(AcceptAndGo);
    public const string EnRoute = nameof(EnRoute);
    public const string OnScene = nameof(OnScene);
    public const string Returning = nameof(Returning);
    public const string Clear = nameof(Clear);
    /// <summary>(lat, lon, accuracy, reportedAt).</summary>
    public const string Position = nameof(Position);
    /// <summary>(note): a progress note on the unit's incident.</summary>
    public const string Note = nameof(Note);
    /// <summary>(resolution): resolves the unit's incident for its department.</summary>
    public const string Resolve = nameof(Resolve);
    /// <summary>
    /// (<see cref="QueuedStep"/>): one of the moves above (<see cref="UnitSteps"/>) made on the phone, perhaps offline, with its
    /// own id and the time it was made: applied once per id, recorded with the time it happened and the time it arrived.
    /// </summary>
    public const string Step = nameof(Step);
    /// <summary>(<see cref="FieldReport"/>) → <see cref="FieldReportReply"/>: a problem the crew found (无呼也应), once per report id.</summary>
    public const string Report = nameof(Report);
    /// <summary>() → the <see cref="FiledReport"/>s this unit's sign-in filed, newest first, with their state now.</summary>
    public const string MyReports = nameof(MyReports);
}
