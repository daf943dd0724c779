using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Units;
using Dispatch.Server.Audit;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using JasperFx;
using Marten;
using Marten.Exceptions;

namespace Dispatch.Server.Units;

/// <summary>
/// The command path of units, like incidents': lock, decide, append, commit. A command that touches an incident
/// (dispatch, and every move of a unit on one) locks the incident first and then the unit — the order closing an
/// incident takes too — and writes both streams, the unit's message and the change notices in one transaction.
/// Two dispatchers sending the same available unit at the same moment take turns on the unit's lock, so exactly one
/// succeeds and the other hears whom the unit is already dispatched to.
/// </summary>
public sealed class UnitService(IDocumentStore store, TimeProvider clock, Users users, UnitTimers timers, ILogger<UnitService> log)
{
    /// <summary>
    /// Puts a unit on the roll. With <paramref name="password"/> the unit gets its own sign-in, <see cref="RegisterUnit.Login"/>,
    /// a field-unit role at its home for its department, created in the same transaction.
    /// </summary>
    public async Task<UnitOutcome> Register(Actor actor, RegisterUnit command, string? password = null, CancellationToken ct = default)
    {
        if (!AccessRules.MayCommandUnits(actor, command.HomePath)) return await Deny(actor, "register", command.HomePath, ct);
        var decision = UnitDecider.Register(null, command with { By = actor.Login }, clock.GetUtcNow());
        if (decision.Refusal is { } refusal) return new UnitOutcome.Refused(refusal);
        var registered = (UnitRegistered)decision.Events[0];
        await using var session = store.LightweightSession();
        if (registered.Login is { } login)
        {
            var account = users.NewDeviceAccount(login, registered.CallSign, password,
                new Grant(Role.FieldUnit, registered.HomePath, registered.Department), actor.Login, out var errors);
            if (account is null) return new UnitOutcome.Invalid(errors);
            session.Insert(account);
        }
        session.Events.StartStream<Unit>(command.UnitId, decision.Events);
        AuditTrail.Record(session, clock, actor.Login, "unit.register", command.HomePath,
            registered.Login is null ? registered.CallSign : $"{registered.CallSign} (sign-in {registered.Login})");
        UnitFeed.Notify(session, command.UnitId);
        try { await session.SaveChangesAsync(ct); }
        catch (ExistingStreamIdCollisionException) { return new UnitOutcome.Refused(new Refusal("unit.exists", "Unit {0} is already registered.", command.UnitId)); }
        catch (DocumentAlreadyExistsException)
        {
            return new UnitOutcome.Invalid([new FieldError("login", "login.taken", $"The login '{registered.Login}' is already taken.")]);
        }
        return new UnitOutcome.Done(command.UnitId, decision.Events.Count);
    }

    /// <paramref name="chat"/>: the command was typed in a chat channel; its line and result go to the incident's channel
    /// in the same transaction.
    public async Task<UnitOutcome> Handle(Actor actor, Guid unitId, UnitCommand command, CancellationToken ct = default, Chat.ChatLine? chat = null)
    {
        command = command with { By = actor.Login };
        // A unit's incident may change between reading it and locking the unit (a release, a dispatch): then lock again.
        for (var attempt = 0; ; attempt++)
        {
            await using var session = store.LightweightSession();
            var incidentId = command switch
            {
                DispatchUnit d => d.IncidentId,
                ReportPosition or GoOnDuty => null,
                _ => (await session.LoadAsync<UnitRosterEntry>(unitId, ct))?.IncidentId,
            };
            // Incident first, then unit: the order every path takes, so two commands never wait on each other in a circle.
            var incident = incidentId is { } iid ? await session.Events.FetchForExclusiveWriting<Incident>(iid, ct) : null;
            var stream = await session.Events.FetchForExclusiveWriting<Unit>(unitId, ct);
            if (stream.Aggregate is not { } unit) return new UnitOutcome.NotFound(unitId);
            if (!AccessRules.MayCommand(actor, unit, command)) return await Deny(actor, Name(command), unit.HomePath, ct);
            if (command is DispatchUnit && incident?.Aggregate is null)
                return new UnitOutcome.Refused(new Refusal("dispatch.no-incident", "There is no incident {0} to send unit {1} to.", incidentId!, unit.CallSign));
            if (command is not (DispatchUnit or ReportPosition or GoOnDuty) && unit.IncidentId != incidentId)
            {
                if (attempt < 3) continue;
                throw new InvalidOperationException($"Unit {unit.CallSign} keeps changing incident; giving up after {attempt} attempts.");
            }

            // Sending a unit is dispatching the incident: the dispatcher must command the incident as well as the unit.
            if (command is DispatchUnit && !AccessRules.Allows(actor, IncidentAction.Assign, IncidentScope.Of(incident!.Aggregate!)))
                return await Deny(actor, "dispatch", IncidentScope.Of(incident.Aggregate!).Path, ct,
                    $"{actor.Login} may not send units to incident {incident.Aggregate!.Number}: it is commanded outside your jurisdiction.");

            var now = clock.GetUtcNow();
            var decision = incident?.Aggregate is { } onIncident
                ? command is DispatchUnit
                    ? UnitsOnIncident.Dispatch(onIncident, unit, actor.Login, now, timers)
                    : UnitsOnIncident.Move(onIncident, unit, command, now, timers)
                : Alone(UnitDecider.Decide(unit, command, now));
            if (decision.Refusal is { } refusal) return new UnitOutcome.Refused(refusal);
            if (decision.UnitEvents.Count == 0) return new UnitOutcome.Done(unitId, stream.StartingVersion ?? 0); // a thinned position

            stream.AppendMany(decision.UnitEvents);
            UnitFeed.Notify(session, unitId);
            if (incident is not null && decision.IncidentEvents.Count > 0)
            {
                incident.AppendMany(decision.IncidentEvents);
                IncidentChangeFeed.Notify(session, incident.Id, (incident.StartingVersion ?? 0) + decision.IncidentEvents.Count);
            }
            await Tell(session, unit, command, incident?.Aggregate, actor, now, ct);
            if (incident?.Aggregate is { } on)
            {
                var after = decision.IncidentEvents.Aggregate(on, (i, e) => Incident.Evolve(i, e)!);
                await Chat.ChatPosts.Write(session, after, decision.IncidentEvents, now, ct,
                    chat is null ? null : (actor, chat, () => Domain.Chat.SystemMessages.ResultOf(command, unit.CallSign, on.Number)));
            }
            if (command is not ReportPosition)
                AuditTrail.Record(session, clock, actor.Login, "unit." + Name(command), unit.HomePath,
                    incident?.Aggregate is { } i ? $"{unit.CallSign} · {i.Number}" : unit.CallSign, incident?.Id, incident?.Aggregate?.Number);
            try { await session.SaveChangesAsync(ct); }
            // Two first messages raced to open the same channel's stream: decide again (nothing was written).
            catch (Exception ex) when (attempt < 3 && Chat.ChatLog.IsNewChannelRace(ex)) { continue; }
            return new UnitOutcome.Done(unitId, (stream.StartingVersion ?? 0) + decision.UnitEvents.Count);
        }
    }

    public const int MaxMessageLength = 2000;

    /// <summary>A dispatcher's words to a unit, kept until the unit acknowledges them.</summary>
    public async Task<UnitOutcome> Message(Actor actor, Guid unitId, string text, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<UnitRosterEntry>(unitId, ct) is not { } unit) return new UnitOutcome.NotFound(unitId);
        if (!AccessRules.MayCommandUnits(actor, unit.HomePath)) return await Deny(actor, "message", unit.HomePath, ct);
        var now = clock.GetUtcNow();
        UnitMailbox.Post(session, unitId, UnitMessageKind.Text, new { From = actor.Login, FromName = actor.Name, Text = text }, now);
        AuditTrail.Record(session, clock, actor.Login, "unit.message", unit.HomePath, $"{unit.CallSign}: {text}");
        await session.SaveChangesAsync(ct);
        return new UnitOutcome.Done(unitId, unit.Version);
    }

    static UnitOnIncidentDecision Alone(Decision d) => d.Refusal is { } r ? UnitOnIncidentDecision.Refuse(r) : new(d.Events, [], null);

    /// <summary>What the unit hears of a command: its assignment, or that someone else moved it.</summary>
    static async Task Tell(IDocumentSession session, Unit unit, UnitCommand command, Incident? incident, Actor actor, DateTimeOffset now, CancellationToken ct)
    {
        switch (command)
        {
            case DispatchUnit when incident is not null:
                var detail = await session.LoadAsync<IncidentDetail>(incident.Id, ct);
                UnitMailbox.Post(session, unit.Id, UnitMessageKind.Assignment, Assignment(incident, detail, actor.Login), now);
                break;
            case GoOnDuty when AccessRules.IsUnit(actor, unit.Login):
                // Messages kept while it was off duty are due now.
                UnitMailbox.Wake(session, unit.Id);
                break;
            case ReportPosition:
                break;
            case ReleaseUnit when !AccessRules.IsUnit(actor, unit.Login):
                UnitMailbox.Post(session, unit.Id, UnitMessageKind.Released, new { unit.IncidentId, unit.IncidentNumber, By = actor.Login }, now);
                break;
            case var _ when !AccessRules.IsUnit(actor, unit.Login):
                UnitMailbox.Post(session, unit.Id, UnitMessageKind.Status, new { Command = Name(command), unit.IncidentNumber, By = actor.Login }, now);
                break;
        }
    }

    /// <summary>What a crew needs to go: no caller details (they call through the centre), a map link for the phone.</summary>
    public static object Assignment(Incident incident, IncidentDetail? detail, string by) => new
    {
        IncidentId = incident.Id,
        incident.Number,
        incident.Category,
        incident.Urgency,
        Description = detail?.Description,
        Address = detail?.Address,
        Lat = detail?.Location?.Lat,
        Lon = detail?.Location?.Lon,
        MapUrl = detail?.Location is { } p ? FormattableString.Invariant($"geo:{p.Lat:F6},{p.Lon:F6}?q={p.Lat:F6},{p.Lon:F6}") : null,
        Place = detail?.Place?.Path,
        incident.LeadDepartment,
        By = by,
    };

    async Task<UnitOutcome> Deny(Actor actor, string action, string scope, CancellationToken ct, string? why = null)
    {
        log.LogWarning("Denied {User} unit {Action} at {Scope}", actor.Login, action, scope);
        await AuditTrail.Write(store, clock, actor.Login, "unit." + action, scope, "denied", allowed: false, ct: ct);
        return new UnitOutcome.Forbidden(new Denial("access.denied", why ?? $"{actor.Login} may not {action} units at {scope}."));
    }

    public static string Name(UnitCommand command) => command switch
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
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : UnitOutcome;
    public sealed record Refused(Refusal Refusal) : UnitOutcome;
    public sealed record Forbidden(Denial Denial) : UnitOutcome;
}
