using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Units;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Dispatch.Domain.Chat;
using JasperFx;
using Marten;
using Marten.Exceptions;

namespace Dispatch.Server.Units;

/// <summary>
/// The units' write paths on the one pipeline (<see cref="CommandPipeline"/>). A command that touches an incident
/// (dispatch, and every move of a unit on one) locks the incident first and then the unit — the pipeline's one order —
/// and writes both streams, the unit's message and the change notices in one transaction. Two dispatchers sending the same
/// available unit at the same moment take turns on the unit's lock, so exactly one succeeds and the other hears whom the
/// unit is already dispatched to.
/// </summary>
public sealed class UnitService(CommandPipeline pipeline, Users users, UnitTimers timers, City.CityCatalog city, Positions.PositionReports positions)
{
    /// <summary>
    /// Puts a unit on the roll. With <paramref name="password"/> the unit gets its own sign-in, <see cref="RegisterUnit.Login"/>,
    /// a field-unit role at its home for its department, created in the same transaction.
    /// </summary>
    public async Task<UnitOutcome> Register(Actor actor, RegisterUnit command, string? password = null, Via via = Via.Console, CancellationToken ct = default)
    {
        try
        {
            return await pipeline.Run<UnitOutcome>(actor, via, "unit.register", async work =>
            {
                if (!AccessRules.MayCommandUnits(actor, command.HomePath)) return Decided.Nothing(await Deny(work, "register", command.HomePath));
                var decision = UnitDecider.Register(null, command with { By = actor.Login }, work.Now);
                if (decision.Refusal is { } refusal)
                    return Decided.Nothing<UnitOutcome>(FieldOf(refusal.Code) is { } field
                        ? new UnitOutcome.Invalid([new FieldError(field, refusal.Code, refusal.Message)])
                        : new UnitOutcome.Refused(refusal));
                var registered = (UnitRegistered)decision.Events[0];
                if (!city.DepartmentCodes.Contains(registered.Department))
                    return Decided.Nothing<UnitOutcome>(new UnitOutcome.Invalid([new FieldError("department", "department.unknown",
                        $"Unknown department '{registered.Department}'; use one of {string.Join(", ", city.DepartmentCodes)}.")]));
                // Everything that could refuse is checked here, before the stream is started: a write that fails after
                // reserving event sequence numbers leaves a tombstone event behind (Marten fills the gap), so a refused
                // registration must not reach the commit. (Two registrations of one call sign at the same instant are not yet kept apart:
                // no unique index on the roster's call sign, since databases from before this check may hold duplicates.)
                if (await work.Query.Called(registered.CallSign, work.Cancellation) is { } twin)
                    return Decided.Nothing<UnitOutcome>(twin.Id == command.UnitId
                        ? new UnitOutcome.Refused(new Refusal("unit.exists", "Unit {0} is already registered.", command.UnitId))
                        : CallSignTaken(registered.CallSign));
                var effects = new List<Effect>();
                if (registered.Login is { } login)
                {
                    var account = users.NewDeviceAccount(login, registered.CallSign, password,
                        new Grant(Role.FieldUnit, registered.HomePath, registered.Department), actor.Login, out var errors);
                    if (account is null) return Decided.Nothing<UnitOutcome>(new UnitOutcome.Invalid(errors));
                    if (await work.Query.LoadAsync<UserAccount>(account.Id, work.Cancellation) is not null)
                        return Decided.Nothing<UnitOutcome>(LoginTaken(command.Login));
                    effects.Add(new StoreDocument(account, Insert: true));
                }
                effects.Add(new UnitStarted(command.UnitId, decision.Events));
                effects.Add(new AuditLine("unit.register", command.HomePath,
                    registered.Login is null ? registered.CallSign : $"{registered.CallSign} (sign-in {registered.Login})"));
                return Decided.With<UnitOutcome>(effects, _ => new UnitOutcome.Done(command.UnitId, decision.Events.Count));
            }, ct);
        }
        catch (Exception ex) when (ex is ExistingStreamIdCollisionException or JasperFx.Events.ExistingStreamIdCollisionException)
        {
            return new UnitOutcome.Refused(new Refusal("unit.exists", "Unit {0} is already registered.", command.UnitId));
        }
        catch (DocumentAlreadyExistsException)
        {
            return LoginTaken(command.Login);
        }
    }

    /// <summary>Call signs are unique: <c>/status &lt;call sign&gt;</c> and the chat's <c>/assign</c> find a unit by it.</summary>
    static UnitOutcome CallSignTaken(string callSign) =>
        new UnitOutcome.Invalid([new FieldError("callSign", "unit.call-sign-taken", $"The call sign '{callSign}' is already taken by another unit.")]);

    static UnitOutcome LoginTaken(string? login) =>
        new UnitOutcome.Invalid([new FieldError("login", "login.taken", $"The login '{login?.Trim()}' is already taken.")]);

    /// <summary>The registration refusals that are one field out of bounds: answered as that field's error (400), not a rule's (422).</summary>
    static string? FieldOf(string code) => code switch
    {
        "register.call-sign-too-long" => "callSign",
        "register.too-many-capabilities" or "register.capability-too-long" => "capabilities",
        "register.too-many-members" or "register.member-too-long" => "members",
        _ => null,
    };

    /// <summary>A position is telemetry, not a command: it takes the telemetry path (<see cref="Positions.PositionReports"/>), no lock, no event.</summary>
    public Task<UnitOutcome> Handle(Actor actor, Guid unitId, UnitCommand command, Via via = Via.Console, CancellationToken ct = default) =>
        command is ReportPosition fix
            ? positions.Report(actor, unitId, fix with { By = actor.Login }, via, ct)
            : Decide(actor, via, unitId, command, typed: null, ct);

    /// <summary>A command typed in chat: its line and what it did go to the incident's channel in the command's transaction.</summary>
    public Task<UnitOutcome> Typed(Actor actor, Guid unitId, UnitCommand command, Chat.ChatLine line, CancellationToken ct = default) =>
        Decide(actor, Via.Chat, unitId, command, line, ct);

    /// <summary>
    /// A move a phone made, perhaps offline (<see cref="PhoneStep"/>): decided at the time the crew tapped, recorded with the
    /// time it arrived, and applied once per step id (a step that comes again answers the first answer and writes nothing).
    /// </summary>
    public Task<UnitOutcome> Step(Actor actor, Guid unitId, UnitCommand command, PhoneStep step, CancellationToken ct = default) =>
        Decide(actor, Via.Phone, unitId, command, typed: null, ct, step);

    async Task<UnitOutcome> Decide(Actor actor, Via via, Guid unitId, UnitCommand command, Chat.ChatLine? typed, CancellationToken ct,
        PhoneStep? step = null)
    {
        command = command with { By = actor.Login };
        // A unit's incident may change between reading it and locking the unit (a release, a dispatch): then lock again.
        for (var attempt = 0; ; attempt++)
        {
            var outcome = await pipeline.Run<UnitOutcome?>(actor, via, Kind(command), async work =>
            {
                var incidentId = command switch
                {
                    DispatchUnit d => d.IncidentId,
                    ReportPosition or GoOnDuty => null,
                    _ => (await work.Query.LoadAsync<UnitRosterEntry>(unitId, work.Cancellation))?.IncidentId,
                };
                // Incident first, then unit: the order every path takes.
                var incident = incidentId is { } iid ? (await work.Incident(iid)).Aggregate : null;
                var stream = await work.Unit(unitId);
                if (stream.Aggregate is not { } unit) return Decided.Nothing<UnitOutcome?>(new UnitOutcome.NotFound(unitId));
                if (!AccessRules.MayCommand(actor, unit, command)) return Decided.Nothing<UnitOutcome?>(await Deny(work, Name(command), unit.HomePath));
                // Sent before (after the locks: a twin waiting on them sees the first one's commit): the first answer, nothing written.
                if (step is not null && await PhoneSteps.Earlier(work, step) is { } earlier)
                    return Decided.Nothing<UnitOutcome?>(earlier.UnitId == unitId ? new UnitOutcome.Done(unitId, earlier.Version) : StepIdTaken());
                // A queued step happened when the crew tapped; the time it arrived is kept beside it.
                var now = step?.OccurredAt ?? work.Now;
                if (command is DispatchUnit && incident is null)
                    return Decided.Nothing<UnitOutcome?>(new UnitOutcome.Refused(
                        new Refusal("dispatch.no-incident", "There is no incident {0} to send unit {1} to.", incidentId!, unit.CallSign)));
                if (command is not (DispatchUnit or ReportPosition or GoOnDuty) && unit.IncidentId != incidentId)
                {
                    if (attempt < 3) return Decided.Nothing<UnitOutcome?>(null);
                    throw new InvalidOperationException($"Unit {unit.CallSign} keeps changing incident; giving up after {attempt} attempts.");
                }

                // Sending a unit is dispatching the incident: the dispatcher must command the incident as well as the unit.
                if (command is DispatchUnit && !AccessRules.Allows(actor, IncidentAction.Assign, IncidentScope.Of(incident!)))
                    return Decided.Nothing<UnitOutcome?>(await Deny(work, "dispatch", IncidentScope.Of(incident!).Path,
                        $"{actor.Login} may not send units to incident {incident!.Number}: it is commanded outside your jurisdiction."));

                var decision = incident is not null
                    ? command is DispatchUnit
                        ? UnitsOnIncident.Dispatch(incident, unit, actor.Login, now, timers)
                        : UnitsOnIncident.Move(incident, unit, command, now, timers)
                    : Alone(UnitDecider.Decide(unit, command, now));
                if (decision.Refusal is { } refusal) return Decided.Nothing<UnitOutcome?>(new UnitOutcome.Refused(refusal));
                // A thinned position: nothing to keep.
                if (decision.UnitEvents.Count == 0) return Decided.Nothing<UnitOutcome?>(new UnitOutcome.Done(unitId, stream.StartingVersion ?? 0));

                var effects = new List<Effect> { new UnitDecided(unitId, decision.UnitEvents) };
                if (incident is not null)
                    effects.Add(new IncidentDecided(incident.Id, step is null ? decision.IncidentEvents : PhoneSteps.Stamp(decision.IncidentEvents, work.Now),
                        TellCrews: false));
                effects.AddRange(await Tell(work, unit, command, incident));
                if (typed is not null && incident is not null)
                    effects.Add(new TypedInChat(incident.Id, typed, (_, _) => SystemMessages.ResultOf(command, unit.CallSign, incident.Number)));
                if (command is not ReportPosition)
                    effects.Add(new AuditLine("unit." + Name(command), unit.HomePath,
                        incident is not null ? $"{unit.CallSign} · {incident.Number}" : unit.CallSign, incident?.Id, incident?.Number));
                if (step is not null) effects.Add(new StepApplied(PhoneSteps.Applied(step, unitId, incident?.Id, work.Now), unitId));
                return Decided.With<UnitOutcome?>(effects, written => new UnitOutcome.Done(unitId, written.Version(unitId)));
            }, ct);
            if (outcome is not null) return outcome;
        }
    }

    public const int MaxMessageLength = 2000;

    /// <summary>A dispatcher's words to a unit, kept until the unit acknowledges them.</summary>
    public Task<UnitOutcome> Message(Actor actor, Guid unitId, string text, Via via = Via.Console, CancellationToken ct = default) =>
        pipeline.Run<UnitOutcome>(actor, via, "unit.message", async work =>
        {
            if (await work.Query.LoadAsync<UnitRosterEntry>(unitId, work.Cancellation) is not { } unit)
                return Decided.Nothing<UnitOutcome>(new UnitOutcome.NotFound(unitId));
            if (!AccessRules.MayCommandUnits(actor, unit.HomePath)) return Decided.Nothing(await Deny(work, "message", unit.HomePath));
            return Decided.With<UnitOutcome>(
            [
                new TellUnit(unitId, new DispatcherTextMessage(actor.Login, actor.Name, text)),
                new AuditLine("unit.message", unit.HomePath, $"{unit.CallSign}: {text}"),
            ], _ => new UnitOutcome.Done(unitId, unit.Version));
        }, ct);

    /// <summary>A step id another unit's phone used already: a Guid made on the phone is unique, so this one is forged.</summary>
    internal static UnitOutcome StepIdTaken() =>
        new UnitOutcome.Invalid([new FieldError("id", "step.id-taken", "This step id was used by another unit's step: make a new Guid for each step.")]);

    static UnitOnIncidentDecision Alone(Decision d) => d.Refusal is { } r ? UnitOnIncidentDecision.Refuse(r) : new(d.Events, [], null);

    /// <summary>What the unit hears of a command: its assignment, or that someone else moved it.</summary>
    static async Task<IReadOnlyList<Effect>> Tell(Work work, Unit unit, UnitCommand command, Incident? incident)
    {
        var actor = work.Actor;
        switch (command)
        {
            case DispatchUnit when incident is not null:
                var detail = await work.Query.LoadAsync<IncidentDetail>(incident.Id, work.Cancellation);
                return [new TellUnit(unit.Id, Assignment(incident, detail, actor.Login))];
            case GoOnDuty when AccessRules.IsUnit(actor, unit.Login):
                // Messages kept while it was off duty are due now.
                return [new WakeUnit(unit.Id)];
            case ReportPosition:
                return [];
            case ReleaseUnit when !AccessRules.IsUnit(actor, unit.Login):
                return [new TellUnit(unit.Id, new ReleasedMessage(unit.IncidentId, unit.IncidentNumber, actor.Login, actor.Name))];
            case var _ when !AccessRules.IsUnit(actor, unit.Login):
                return [new TellUnit(unit.Id, new StatusSetMessage(Name(command), unit.IncidentNumber, actor.Login, actor.Name))];
            default:
                return [];
        }
    }

    /// <summary>What a crew needs to go: no caller details (they call through the centre), a map link for the phone.</summary>
    public static AssignmentMessage Assignment(Incident incident, IncidentDetail? detail, string by) => new(
        IncidentId: incident.Id,
        incident.Number,
        incident.Category,
        incident.Urgency,
        Description: detail?.Description,
        Address: detail?.Address,
        Lat: detail?.Location?.Lat,
        Lon: detail?.Location?.Lon,
        MapUrl: detail?.Location is { } p ? FormattableString.Invariant($"geo:{p.Lat:F6},{p.Lon:F6}?q={p.Lat:F6},{p.Lon:F6}") : null,
        Place: detail?.Place?.Path,
        incident.LeadDepartment,
        By: by);

    static async Task<UnitOutcome> Deny(Work work, string action, string scope, string? why = null) =>
        new UnitOutcome.Forbidden(await work.Deny("unit." + action, scope, why ?? $"{work.Actor.Login} may not {action} units at {scope}."));

    /// <summary>The command's kind for metrics and traces: literals only, so the series stay few.</summary>
    static string Kind(UnitCommand command) => command switch
    {
        GoOnDuty => "unit.on-duty", GoOffDuty => "unit.off-duty", DispatchUnit => "unit.dispatch", ReportEnRoute => "unit.en-route",
        AcceptAndGo => "unit.accept-and-go", ReportOnScene => "unit.on-scene", StartReturning => "unit.returning",
        ReleaseUnit => "unit.release", ReportPosition => "unit.position", _ => "unit.other",
    };

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
    /// <summary>Not done, and not the caller's fault: the node is overloaded or the database did not take it (503, try again).</summary>
    public sealed record Unavailable(string Code, string Message) : UnitOutcome;
}
