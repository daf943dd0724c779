using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Audit;
using Marten.Exceptions;
using Marten;

namespace Dispatch.Server.Units;

/// <summary>
/// The command path of units, like incidents': lock the unit's stream, decide, append, commit. Two dispatchers
/// sending the same available unit at the same moment take turns on the lock, so exactly one succeeds and the
/// other hears whom the unit is already dispatched to.
/// </summary>
public sealed class UnitService(IDocumentStore store, TimeProvider clock, ILogger<UnitService> log)
{
    /// <summary>Dispatchers manage and send the units whose home lies in their jurisdiction.</summary>
    public static bool MayCommand(Actor actor, string homePath) =>
        actor.Grants.Any(g => g.Role == Role.Dispatcher && AccessRules.Covers(g.Scope, homePath));

    public static bool MayRead(Actor actor, UnitRosterEntry unit) =>
        actor.Grants.Any(g =>
            g.Role is Role.Dispatcher or Role.Leader or Role.CallTaker && AccessRules.Covers(g.Scope, unit.HomePath) ||
            g.Role is Role.Handler or Role.FieldUnit && g.Department == unit.Department && AccessRules.Covers(g.Scope, unit.HomePath));

    public async Task<UnitOutcome> Register(Actor actor, RegisterUnit command, CancellationToken ct = default)
    {
        if (!MayCommand(actor, command.HomePath)) return await Deny(actor, "register", command.HomePath, ct);
        var decision = UnitDecider.Register(null, command with { By = actor.Login }, clock.GetUtcNow());
        if (decision.Refusal is { } refusal) return new UnitOutcome.Refused(refusal);
        await using var session = store.LightweightSession();
        session.Events.StartStream<Unit>(command.UnitId, decision.Events);
        AuditTrail.Record(session, clock, actor.Login, "unit.register", command.HomePath, command.CallSign);
        try { await session.SaveChangesAsync(ct); }
        catch (ExistingStreamIdCollisionException) { return new UnitOutcome.Refused(new Refusal("unit.exists", "Unit {0} is already registered.", command.UnitId)); }
        return new UnitOutcome.Done(command.UnitId, decision.Events.Count);
    }

    public async Task<UnitOutcome> Handle(Actor actor, Guid unitId, UnitCommand command, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForExclusiveWriting<Unit>(unitId, ct);
        if (stream.Aggregate is not { } unit) return new UnitOutcome.NotFound(unitId);
        if (!MayCommand(actor, unit.HomePath)) return await Deny(actor, Name(command), unit.HomePath, ct);
        var decision = UnitDecider.Decide(unit, command with { By = actor.Login }, clock.GetUtcNow());
        if (decision.Refusal is { } refusal) return new UnitOutcome.Refused(refusal);
        if (decision.Events.Count == 0) return new UnitOutcome.Done(unitId, stream.StartingVersion ?? 0); // a thinned position
        stream.AppendMany(decision.Events);
        AuditTrail.Record(session, clock, actor.Login, "unit." + Name(command), unit.HomePath, unit.CallSign);
        await session.SaveChangesAsync(ct);
        return new UnitOutcome.Done(unitId, (stream.StartingVersion ?? 0) + decision.Events.Count);
    }

    async Task<UnitOutcome> Deny(Actor actor, string action, string scope, CancellationToken ct)
    {
        log.LogWarning("Denied {User} unit {Action} at {Scope}", actor.Login, action, scope);
        await AuditTrail.Write(store, clock, actor.Login, "unit." + action, scope, "denied", allowed: false, ct: ct);
        return new UnitOutcome.Forbidden(new Denial("access.denied", $"{actor.Login} may not {action} units at {scope}."));
    }

    static string Name(UnitCommand command) => command switch
    {
        GoOnDuty => "on-duty", GoOffDuty => "off-duty", DispatchUnit => "dispatch", ReportEnRoute => "en-route",
        AcceptAndGo => "accept-and-go", ReportOnScene => "on-scene", StartReturning => "returning",
        ReleaseUnit => "release", ReportPosition => "position", _ => command.GetType().Name,
    };
}

public abstract record UnitOutcome
{
    public sealed record Done(Guid Id, long Version) : UnitOutcome;
    public sealed record NotFound(Guid Id) : UnitOutcome;
    public sealed record Refused(Refusal Refusal) : UnitOutcome;
    public sealed record Forbidden(Denial Denial) : UnitOutcome;
}
