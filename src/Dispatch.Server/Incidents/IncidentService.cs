using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Dispatch.Domain.Chat;
using JasperFx;
using Marten;
using Marten.Exceptions;

namespace Dispatch.Server.Incidents;

/// <summary>
/// The incidents' write paths on the one pipeline (<see cref="CommandPipeline"/>): intake, every command on an incident
/// (the API, the console's pages, chat and the phones all call these), merging, and revealing a caller. Each locks what it
/// touches, checks the domain's access rules, calls the pure decider and returns effects; what follows from incident
/// events (crews told, units freed, chat lines, change notices) is the pipeline's, the same for every path.
/// </summary>
public sealed partial class IncidentService(
    CommandPipeline pipeline, IDocumentStore store, CityCatalog city, IncidentNumbers numbers, JurisdictionTree jurisdictions,
    Command.CommandPolicy policy, Supervision.SupervisionSettings supervision, ILogger<IncidentService> log, Warnings.PublicWarnings warnings,
    Operations.OperationsInForce inForce)
{
    public Task<CommandOutcome> Report(IntakeForm form, Actor actor, string? idempotencyKey, CancellationToken ct = default) =>
        Report(form, actor, idempotencyKey, Via.Console, ct);

    /// <param name="alsoWrite">Documents of the channel that filed it (the Open311 case), written in the intake's transaction.</param>
    public async Task<CommandOutcome> Report(IntakeForm form, Actor actor, string? idempotencyKey, Via via, CancellationToken ct = default,
        Func<Guid, string, IEnumerable<Effect>>? alsoWrite = null)
    {
        var errors = IntakeValidation.Validate(form, city.CategoryCodes);
        if (idempotencyKey is { Length: > IntakeKey.MaxLength })
            errors = [.. errors, new FieldError("idempotencyKey", "idempotencyKey.too-long", $"The idempotency key is at most {IntakeKey.MaxLength} characters.")];
        if (errors.Count > 0) return new CommandOutcome.Invalid(errors);

        var hash = IntakeKey.Hash(form);
        try
        {
            return await pipeline.Run(actor, via, "incident.report", async work =>
            {
                // Any desk takes any report (无差别受理): it is placed where it lies and routed there, wherever the desk is;
                // the desk that took it is recorded on it (ReceivedAt, and a Forwarded step when it lies outside the desk's
                // jurisdiction), and holds one that cannot be placed until a dispatcher places it. Acting on it stays scoped.
                var location = form is { Lat: { } lat, Lon: { } lon } ? new GeoPoint(lat, lon) : null;
                var place = location is null ? null : jurisdictions.PlaceOf(location);
                var receivedAt = AccessRules.ReceivingCentre(actor);
                var scope = place?.Path ?? receivedAt;
                if (!AccessRules.MayTakeReports(actor))
                    return Decided.Nothing<CommandOutcome>(new CommandOutcome.Forbidden(await work.Deny("incident.report", scope ?? "",
                        $"{actor.Login} may not report incidents: only call-takers and dispatchers take reports.")));

                if (idempotencyKey is not null && await Replay(idempotencyKey, hash, work.Cancellation) is { } replayed) return Decided.Nothing(replayed);

                var id = Guid.CreateVersion7(work.Now);
                var number = await numbers.Next(IncidentNumber.LocalDay(work.Now, city.TimeZone), work.Cancellation);
                // Inside an operation in force (平战结合) its routing, deadlines and desk apply; elsewhere the policy's as always.
                var (route, operation) = await Operations.OperationService.Routing(work, inForce, policy, location, place, form.Category!,
                    (Urgency)form.Urgency!.Value, form.Description!);
                var events = IncidentDecider.Intake(new ReportIncident(
                    id, number, form.Channel!.Value,
                    new Caller(string.IsNullOrWhiteSpace(form.CallerName) ? null : form.CallerName.Trim(), PhoneNumber.Normalize(form.CallerPhone)),
                    location, string.IsNullOrWhiteSpace(form.Address) ? null : form.Address,
                    form.Category!, form.Description!, (Urgency)form.Urgency!.Value, actor.Login, place, receivedAt,
                    route, Operation: operation) { AcceptWithin = supervision.AcceptWithin }, work.Now);

                List<Effect> effects = [new IncidentStarted(id, events), new AuditLine("incident.report", scope!, number, id, number)];
                if (alsoWrite is not null) effects.AddRange(alsoWrite(id, number));
                if (idempotencyKey is not null)
                    effects.Add(new StoreDocument(new IntakeKey { Id = idempotencyKey, IncidentId = id, Number = number, RequestHash = hash }, Insert: true));
                return Decided.With<CommandOutcome>(effects, _ => new CommandOutcome.Done(id, number, events.Count, Created: true));
            }, ct, grouped: true);
        }
        catch (DocumentAlreadyExistsException) when (idempotencyKey is not null)
        {
            // The same key raced us and won: answer as the retry it is.
            return await Replay(idempotencyKey, hash, ct)
                   ?? throw new InvalidOperationException($"Idempotency key {idempotencyKey} exists but cannot be read.");
        }
    }

    async Task<CommandOutcome?> Replay(string key, string hash, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var existing = await query.LoadAsync<IntakeKey>(key, ct);
        if (existing is null) return null;
        if (existing.RequestHash != hash)
            return new CommandOutcome.Refused(new Refusal("intake.key-reused",
                "The idempotency key {0} was already used for a different report ({1}).", key, existing.Number));
        var card = await query.LoadAsync<IncidentCard>(existing.IncidentId, ct);
        return new CommandOutcome.Done(existing.IncidentId, existing.Number, card?.Version ?? 1, Created: false);
    }

    /// <summary>
    /// Decides and writes one command. With <paramref name="expectedVersion"/> (what the person saw) a change in between
    /// is a conflict that names what changed. Without it, the stream is locked while we decide (writers take turns), so the
    /// rules always see every event and no retry is needed.
    /// </summary>
    public Task<CommandOutcome> Handle(Actor actor, Guid id, IncidentCommand command, long? expectedVersion, Via via = Via.Console,
        CancellationToken ct = default) =>
        Decide(actor, via, id, command, expectedVersion, typed: null, photo: null, ct);

    /// <summary>A command typed in chat: its line and what it did go to the incident's channel in the command's transaction.</summary>
    public Task<CommandOutcome> Typed(Actor actor, Guid id, IncidentCommand command, Chat.ChatLine line, CancellationToken ct = default) =>
        Decide(actor, Via.Chat, id, command, expectedVersion: null, typed: line, photo: null, ct);

    /// <summary>
    /// A note or resolution a unit's phone made, perhaps offline (<see cref="Units.PhoneStep"/>): decided at the time the crew
    /// typed it, recorded with the time it arrived, applied once per step id (sent again, it answers the first answer).
    /// </summary>
    public Task<CommandOutcome> Step(Actor actor, Guid id, IncidentCommand command, Units.PhoneStep step, Guid unitId, CancellationToken ct = default) =>
        Decide(actor, Via.Phone, id, command, expectedVersion: null, typed: null, photo: null, ct, (step, unitId));

    /// <summary>A photo: its bytes are stored exactly when its event is (the same transaction).</summary>
    public Task<CommandOutcome> Attach(Actor actor, Guid id, AttachPhoto command, byte[] bytes, Via via, CancellationToken ct = default) =>
        Decide(actor, via, id, command, expectedVersion: null, typed: null, photo: bytes, ct);

    async Task<CommandOutcome> Decide(Actor actor, Via via, Guid id, IncidentCommand command, long? expectedVersion, Chat.ChatLine? typed,
        byte[]? photo, CancellationToken ct, (Units.PhoneStep Step, Guid UnitId)? queued = null)
    {
        command = command with { By = actor.Login };
        if (command is MergeIncident or UnmergeIncident) return await Merge(actor, via, id, command, expectedVersion, typed, ct);
        try
        {
            return await pipeline.Run<CommandOutcome>(actor, via, Kind(command), async work =>
            {
                var stream = await work.Incident(id, expectedVersion);
                if (stream.Aggregate is not { } incident) return Decided.Nothing<CommandOutcome>(new CommandOutcome.NotFound(id));

                // Where new coordinates lie is the tree's answer, looked up here so the rules stay pure.
                if (command is LocateIncident locate) command = locate with { Place = jurisdictions.PlaceOf(locate.Location) };
                // The deadlines an assignment carries are the policy's for this matter, fixed when it is assigned.
                // An incident reported in an operation has the operation's deadlines, fixed at the report (ending it changes nothing).
                if (command is AssignIncident assign)
                    command = assign with { Deadlines = incident.Operation?.Deadlines ?? policy.Deadlines.For(incident.Category, incident.Urgency) };
                if (command is ActivatePlan activate) command = activate with { Deadlines = policy.Deadlines.For(incident.Category, incident.Urgency) };
                var scope = IncidentScope.Of(incident);
                // The configured supervision and callback times, the supervising leader's level, an answering handler's department.
                command = supervision.Complete(command, actor, scope);
                var action = ActionName(command);
                if (!AccessRules.Allows(actor, command, scope) && !await IsCrewOn(work, incident, command, scope))
                    return Decided.Nothing<CommandOutcome>(new CommandOutcome.Forbidden(await Deny(work, action, scope.Path, id, incident.Number)));

                // Sent before (seen after the lock, so a twin waits for the first one's commit): the first answer, nothing written.
                if (queued is { } q && await Units.PhoneSteps.Earlier(work, q.Step) is { } earlier)
                    return Decided.Nothing<CommandOutcome>(earlier.UnitId == q.UnitId
                        ? new CommandOutcome.Done(id, incident.Number, earlier.Version, Created: false)
                        : new CommandOutcome.Invalid([new FieldError("id", "step.id-taken", "This step id was used by another unit's step: make a new Guid for each step.")]));
                // A queued step happened when the crew tapped; the time it arrived is kept beside it.
                var decision = IncidentDecider.Decide(incident, command, queued?.Step.OccurredAt ?? work.Now);
                if (decision.Refusal is { } refusal) return Decided.Nothing<CommandOutcome>(new CommandOutcome.Refused(refusal));

                List<Effect> effects =
                [
                    new IncidentDecided(id, queued is null ? decision.Events : Units.PhoneSteps.Stamp(decision.Events, work.Now)),
                    new AuditLine("incident." + action, scope.Path, Describe(command), id, incident.Number),
                ];
                if (photo is not null) effects.Add(new StorePhoto(decision.Events.OfType<IncidentPhotoAttached>().Single(), photo));
                if (typed is not null) effects.Add(new TypedInChat(id, typed, (after, events) => SystemMessages.ResultOf(command, after!, events)));
                if (queued is { } applied) effects.Add(new StepApplied(Units.PhoneSteps.Applied(applied.Step, applied.UnitId, id, work.Now), id));
                // A plan's public warning goes out (or is cancelled) with the step, in its transaction.
                effects.AddRange(await warnings.Follow(work, incident, command, decision.Events));
                return Decided.With<CommandOutcome>(effects, written => new CommandOutcome.Done(id, incident.Number, written.Version(id), Created: false));
            }, ct);
        }
        catch (ConcurrencyException ex) when (!Chat.ChatLog.IsNewChannelRace(ex))
        {
            return await DescribeConflict(id, expectedVersion, ct);
        }
    }

    static string ActionName(IncidentCommand command) => AccessRules.ActionOf(command).Action.ToString().ToLowerInvariant();

    /// <summary>The command's kind for metrics and traces, <c>incident.</c> and its action: one string per action, made once.</summary>
    static string Kind(IncidentCommand command) => Kinds[(int)AccessRules.ActionOf(command).Action];

    static readonly string[] Kinds = Enum.GetValues<IncidentAction>().OrderBy(a => (int)a)
        .Select(a => "incident." + a.ToString().ToLowerInvariant()).ToArray();

    /// <summary>
    /// A unit's sign-in holds its role at its home; a unit sent to a neighbouring town works that incident too (notes,
    /// photos, resolving for its department) for as long as it is on it.
    /// </summary>
    static async Task<bool> IsCrewOn(Work work, Incident incident, IncidentCommand command, IncidentScope scope)
    {
        var actor = work.Actor;
        if (incident.Units.Count == 0 || actor.Grants.FirstOrDefault(g => g.Role == Role.FieldUnit) is not { Department: { } department }) return false;
        var unit = await Units.UnitRosterQuery.SignedInAs(work.Query, actor.Login, work.Cancellation);
        return unit is not null && incident.Units.Any(u => u.Id == unit.Id)
            && AccessRules.Allows(actor with { Grants = [new Grant(Role.FieldUnit, scope.Path, department)] }, command, scope);
    }

    /// <summary>A command outside the actor's rights: nothing is written to the incident; the attempt is kept in the audit trail.</summary>
    static Task<Denial> Deny(Work work, string action, string scope, Guid id, string number) =>
        work.Deny("incident." + action, scope,
            $"{work.Actor.Login} may not {action} incident {number}: it lies at {(scope.Length == 0 ? "the city" : scope)}, outside what your roles cover.",
            id, number);

    /// <summary>
    /// The caller's details, unmasked, for a reason the reader gives: allowed to whoever sees them anyway and to
    /// dispatchers and leaders in scope; always written to the audit trail with who, when and why.
    /// </summary>
    public Task<RevealOutcome> RevealCaller(Actor actor, Guid id, string reason, CancellationToken ct = default) =>
        RevealCaller(actor, id, reason, Via.Console, ct);

    public Task<RevealOutcome> RevealCaller(Actor actor, Guid id, string reason, Via via, CancellationToken ct = default) =>
        pipeline.Run<RevealOutcome>(actor, via, "incident.revealcaller", async work =>
        {
            if (await work.Query.LoadAsync<IncidentDetail>(id, work.Cancellation) is not { } detail)
                return Decided.Nothing<RevealOutcome>(new RevealOutcome.NotFound());
            var scope = detail.Scope();
            if (!AccessRules.SeesCaller(actor, scope) && !AccessRules.Allows(actor, IncidentAction.RevealCaller, scope))
                return Decided.Nothing<RevealOutcome>(new RevealOutcome.Forbidden(await Deny(work, "revealcaller", scope.Path, id, detail.Number)));
            log.LogInformation("{User} revealed the caller of {Number}: {Reason}", actor.Login, detail.Number, reason);
            return Decided.With<RevealOutcome>([new AuditLine("caller.reveal", scope.Path, reason, id, detail.Number)],
                _ => new RevealOutcome.Revealed(detail.CallerName, detail.CallerPhone, detail.Callers));
        }, ct);

    static string? Describe(IncidentCommand command) => command switch
    {
        AssignIncident c => c.Department,
        AcknowledgeIncident c => c.Department,
        NoteProgress c => $"{c.Department}: {c.Note}",
        ReturnIncident c => $"{c.Department}: {c.Reason}",
        ResolveIncident c => $"{c.Department}: {c.Resolution}",
        RecordCallback c => $"{c.Satisfaction}/5",
        ReopenIncident c => c.Reason,
        CancelIncident c => c.Note is null ? c.Reason.ToString() : $"{c.Reason}: {c.Note}",
        PlaceIncident c => c.Place.Path,
        LocateIncident c => c.Place?.Path ?? "outside the city",
        AttachPhoto c => $"{c.Department}: photo {c.PhotoId} ({c.ContentType}, {c.Size} bytes)",
        ActivatePlan c => $"{c.Plan.Code} v{c.Plan.Version} ({c.Plan.Level.Numeral()}): {c.Reason}",
        StandDownPlan c => c.Reason,
        AcknowledgePlanTask c => $"{c.Department}: {c.Task}",
        CompletePlanTask c => $"{c.Department}: {c.Task}: {c.Note}",
        _ => null,
    };

    async Task<CommandOutcome> DescribeConflict(Guid id, long? expectedVersion, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var detail = await query.LoadAsync<IncidentDetail>(id, ct);
        if (detail is null) return new CommandOutcome.NotFound(id);
        var expected = expectedVersion ?? detail.Version;
        var changes = detail.Timeline.Where(t => t.Version > expected).ToList();
        var what = changes.Count == 0
            ? "nothing newer is recorded"
            : string.Join("; ", changes.Select(c => $"{c.Kind} by {c.By} at {city.ToLocal(c.At):HH:mm:ss}"));
        return new CommandOutcome.Conflict(
            $"Incident {detail.Number} changed since you saw version {expected}; it is now version {detail.Version}: {what}.",
            detail.Number, expected, detail.Version, changes);
    }
}

/// <summary>What became of a command, as the API and the pages report it.</summary>
public abstract record CommandOutcome
{
    public sealed record Done(Guid Id, string Number, long Version, bool Created) : CommandOutcome;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : CommandOutcome;
    public sealed record NotFound(Guid Id) : CommandOutcome;
    public sealed record Forbidden(Denial Denial) : CommandOutcome;
    public sealed record Refused(Refusal Refusal) : CommandOutcome;
    public sealed record Conflict(string Message, string Number, long ExpectedVersion, long ActualVersion,
        IReadOnlyList<TimelineEntry> Changes) : CommandOutcome;
}

public abstract record RevealOutcome
{
    public sealed record Revealed(string? CallerName, string? CallerPhone, IReadOnlyList<CallerReport>? Callers = null) : RevealOutcome;
    public sealed record NotFound : RevealOutcome;
    public sealed record Forbidden(Denial Denial) : RevealOutcome;
}

/// <summary>Remembers which incident an intake idempotency key created, and for what request.</summary>
public sealed class IntakeKey
{
    public const int MaxLength = 200;

    public string Id { get; set; } = "";
    public Guid IncidentId { get; set; }
    public string Number { get; set; } = "";
    public string RequestHash { get; set; } = "";

    public static string Hash(IntakeForm form) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(form))));
}
