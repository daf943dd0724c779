using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Units;

/// <summary>
/// A field unit's rules: a pure function of state, command and clock.
/// off duty → available → dispatched → en route → on scene → available (or → returning → available); off duty
/// again only from available or returning. A unit is never double-booked: it is dispatched only when available.
/// Every refusal names the unit's call sign and what it is doing now.
/// </summary>
public static class UnitDecider
{
    /// <summary>How far ahead of the server's clock a device's fix time may be (<see cref="PositionFix.ClockSkew"/>).</summary>
    public static readonly TimeSpan ClockSkew = PositionFix.ClockSkew;

    /// <summary>The oldest fix accepted (<see cref="PositionFix.MaxFixAge"/>).</summary>
    public static readonly TimeSpan MaxFixAge = PositionFix.MaxFixAge;

    /// <summary>An accuracy worse than this (100 km) is no position at all (<see cref="PositionFix.MaxAccuracyMeters"/>).</summary>
    public const double MaxAccuracyMeters = PositionFix.MaxAccuracyMeters;

    public const int MaxCallSignLength = 40;
    public const int MaxCapabilities = 20;
    public const int MaxCapabilityLength = 40;
    public const int MaxMembers = 20;
    public const int MaxMemberLength = 100;

    public static Decision Register(Unit? existing, RegisterUnit c, DateTimeOffset now)
    {
        if (existing is not null)
            return Decision.Refuse("register.exists", "Unit {0} is already registered.", existing.CallSign);
        if (string.IsNullOrWhiteSpace(c.CallSign))
            return Decision.Refuse("register.no-call-sign", "Give the unit a call sign.");
        var callSign = c.CallSign.Trim();
        if (callSign.Length > MaxCallSignLength)
            return Decision.Refuse("register.call-sign-too-long", "The call sign {0}… is longer than {1} characters.",
                callSign[..MaxCallSignLength], MaxCallSignLength);
        if (string.IsNullOrWhiteSpace(c.Department))
            return Decision.Refuse("register.no-department", "Name the department of unit {0}.", callSign);
        if (string.IsNullOrWhiteSpace(c.HomePath))
            return Decision.Refuse("register.no-home", "Name the home node (jurisdiction path) of unit {0}.", callSign);
        if (c.Capabilities.Count > MaxCapabilities)
            return Decision.Refuse("register.too-many-capabilities", "Unit {0} has {1} capabilities; at most {2}.",
                callSign, c.Capabilities.Count, MaxCapabilities);
        if (c.Capabilities.Any(x => x is not null && x.Trim().Length > MaxCapabilityLength))
            return Decision.Refuse("register.capability-too-long", "A capability of unit {0} is longer than {1} characters.",
                callSign, MaxCapabilityLength);
        if (c.Members.Count > MaxMembers)
            return Decision.Refuse("register.too-many-members", "Unit {0} has {1} members; at most {2}.", callSign, c.Members.Count, MaxMembers);
        if (c.Members.Any(x => x is not null && x.Trim().Length > MaxMemberLength))
            return Decision.Refuse("register.member-too-long", "A member's name in unit {0} is longer than {1} characters.",
                callSign, MaxMemberLength);
        if (c.Capabilities.Any(string.IsNullOrWhiteSpace))
            return Decision.Refuse("register.blank-capability", "A capability of unit {0} is blank.", callSign);
        if (c.Members.Any(string.IsNullOrWhiteSpace))
            return Decision.Refuse("register.blank-member", "A member of unit {0} has no name.", callSign);
        var capabilities = c.Capabilities.Select(x => x.Trim()).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var members = c.Members.Select(x => x.Trim()).ToArray();
        return Decision.Accept(new UnitRegistered(c.UnitId, callSign, c.Department.Trim(), c.HomePath.Trim(),
            capabilities, members, c.By, now, string.IsNullOrWhiteSpace(c.Login) ? null : c.Login.Trim()));
    }

    public static Decision Decide(Unit unit, UnitCommand command, DateTimeOffset now, PositionThinning? thinning = null) =>
        command switch
        {
            GoOnDuty c => OnDuty(unit, c, now),
            GoOffDuty c => OffDuty(unit, c, now),
            DispatchUnit c => Dispatch(unit, c, now),
            ReportEnRoute c => EnRoute(unit, c.By, now, "enroute"),
            AcceptAndGo c => EnRoute(unit, c.By, now, "accept"),
            ReportOnScene c => OnScene(unit, c, now),
            StartReturning c => Returning(unit, c, now),
            ReleaseUnit c => Release(unit, c, now),
            ReportPosition c => Position(unit, c, now, thinning ?? PositionThinning.Default),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
        };

    static Decision OnDuty(Unit u, GoOnDuty c, DateTimeOffset now) =>
        u.Status == UnitStatus.OffDuty
            ? Decision.Accept(new UnitWentOnDuty(u.Id, c.By, now))
            : Decision.Refuse("on-duty.already", "Unit {0} is already on duty ({1}).", u.CallSign, u.Describe());

    static Decision OffDuty(Unit u, GoOffDuty c, DateTimeOffset now) => u.Status switch
    {
        UnitStatus.Available or UnitStatus.Returning => Decision.Accept(new UnitWentOffDuty(u.Id, c.By, now)),
        UnitStatus.OffDuty => Decision.Refuse("off-duty.already", "Unit {0} is already off duty.", u.CallSign),
        _ => Decision.Refuse("off-duty.committed",
            "Unit {0} is {1}; it must be released before it can go off duty.", u.CallSign, u.Describe()),
    };

    static Decision Dispatch(Unit u, DispatchUnit c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.IncidentNumber))
            return Decision.Refuse("dispatch.no-incident", "Name the incident to dispatch unit {0} to.", u.CallSign);
        return u.Status switch
        {
            UnitStatus.Available => Decision.Accept(new UnitDispatched(u.Id, c.IncidentId, c.IncidentNumber.Trim(), c.By, now)),
            UnitStatus.OffDuty => Decision.Refuse("dispatch.off-duty",
                "Unit {0} is off duty; it must go on duty before it can be dispatched.", u.CallSign),
            UnitStatus.Returning => Decision.Refuse("dispatch.returning",
                "Unit {0} is {1}; it must be released before it can be dispatched again.", u.CallSign, u.Describe()),
            // Never double-booked: one incident at a time, and the refusal says which.
            _ => Decision.Refuse("dispatch.double-booked",
                "Unit {0} is already {1}; release it from incident {2} before dispatching it elsewhere.",
                u.CallSign, u.Describe(), u.IncidentNumber!),
        };
    }

    static Decision EnRoute(Unit u, string by, DateTimeOffset now, string code) => u.Status switch
    {
        UnitStatus.Dispatched => Decision.Accept(new UnitEnRoute(u.Id, by, now)),
        UnitStatus.EnRoute => Decision.Refuse(code + ".already", "Unit {0} is already {1}.", u.CallSign, u.Describe()),
        _ => Decision.Refuse(code + ".not-dispatched",
            "Unit {0} is {1}; only a dispatched unit can go en route.", u.CallSign, u.Describe()),
    };

    static Decision OnScene(Unit u, ReportOnScene c, DateTimeOffset now) => u.Status switch
    {
        UnitStatus.EnRoute => Decision.Accept(new UnitOnScene(u.Id, c.By, now)),
        UnitStatus.OnScene => Decision.Refuse("on-scene.already", "Unit {0} is already {1}.", u.CallSign, u.Describe()),
        _ => Decision.Refuse("on-scene.not-en-route",
            "Unit {0} is {1}; it must be en route before it can be on scene.", u.CallSign, u.Describe()),
    };

    static Decision Returning(Unit u, StartReturning c, DateTimeOffset now) => u.Status switch
    {
        UnitStatus.OnScene => Decision.Accept(new UnitReturning(u.Id, c.By, now)),
        UnitStatus.Returning => Decision.Refuse("returning.already", "Unit {0} is already {1}.", u.CallSign, u.Describe()),
        _ => Decision.Refuse("returning.not-on-scene",
            "Unit {0} is {1}; only a unit on scene can start returning.", u.CallSign, u.Describe()),
    };

    static Decision Release(Unit u, ReleaseUnit c, DateTimeOffset now) => u.Status switch
    {
        UnitStatus.OffDuty or UnitStatus.Available => Decision.Refuse("release.not-committed",
            "Unit {0} is {1}; there is nothing to release it from.", u.CallSign, u.Describe()),
        _ when c.IncidentId is { } id && id != u.IncidentId => Decision.Refuse("release.other-incident",
            "Unit {0} is {1}, not on the incident being released.", u.CallSign, u.Describe()),
        _ => Decision.Accept(new UnitAvailable(u.Id, u.IncidentId, c.By, now)),
    };

    /// <summary>
    /// Impossible fixes are refused naming the field; possible ones are kept or dropped by <paramref name="thinning"/>
    /// (dropped is an accepted decision with no events, not a refusal: see <see cref="PositionThinning"/>).
    /// </summary>
    static Decision Position(Unit u, ReportPosition c, DateTimeOffset now, PositionThinning thinning)
    {
        if (PositionFix.Check(u.CallSign, c.Lat, c.Lon, c.AccuracyMeters, c.ReportedAt, now) is { } impossible)
            return new Decision([], impossible);
        if (!PositionFix.Tracked(u.Status)) return new Decision([], PositionFix.OffDuty(u.CallSign));
        // A kept fix from the future (stored before fixes were checked) would make every real fix look older: ignore it.
        var last = u.LastPosition is { } kept && kept.ReportedAt > now + ClockSkew ? null : u.LastPosition;
        return thinning.Keep(last, c.Lat, c.Lon, c.ReportedAt, u.Status)
            ? Decision.Accept(new UnitPositionReported(u.Id, c.Lat, c.Lon, c.AccuracyMeters, c.ReportedAt, c.By, now))
            : Decision.Accept();
    }
}
