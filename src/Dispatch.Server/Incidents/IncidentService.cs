using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Live;
using JasperFx;
using Marten;
using Marten.Exceptions;

namespace Dispatch.Server.Incidents;

/// <summary>
/// The one command path. The HTTP API and the console's pages both call it, so every command meets the same
/// validation, the same rules and the same concurrency check: fetch the stream, decide, append, commit.
/// The change notice (<see cref="IncidentChangeFeed"/>) is sent in the same transaction, so a console hears
/// about exactly the commits that happened.
/// </summary>
public sealed partial class IncidentService(
    IDocumentStore store, TimeProvider clock, CityCatalog city, IncidentNumbers numbers, JurisdictionTree jurisdictions,
    Command.CommandPolicy policy, ILogger<IncidentService> log)
{
    public async Task<CommandOutcome> Report(IntakeForm form, Actor actor, string? idempotencyKey, CancellationToken ct = default)
    {
        var by = actor.Login;
        var errors = IntakeValidation.Validate(form, city.CategoryCodes);
        if (idempotencyKey is { Length: > IntakeKey.MaxLength })
            errors = [.. errors, new FieldError("idempotencyKey", "idempotencyKey.too-long", $"The idempotency key is at most {IntakeKey.MaxLength} characters.")];
        if (errors.Count > 0) return new CommandOutcome.Invalid(errors);

        // Where it lands decides who may file it: a report inside the city must lie in the reporter's jurisdiction;
        // one that cannot be placed is held by the reporter's own centre until a dispatcher places it.
        var location = form is { Lat: { } lat, Lon: { } lon } ? new GeoPoint(lat, lon) : null;
        var place = location is null ? null : jurisdictions.PlaceOf(location);
        var receivedAt = AccessRules.ReceivingCentre(actor);
        if (receivedAt is null || !AccessRules.Allows(actor, IncidentAction.Report, new IncidentScope(place?.Path ?? receivedAt, null)))
            return new CommandOutcome.Forbidden(await Deny(actor, "report", place?.Path ?? receivedAt ?? "", null, null, ct));

        var hash = IntakeKey.Hash(form);
        if (idempotencyKey is not null && await Replay(idempotencyKey, hash, ct) is { } replayed) return replayed;

        var now = clock.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var number = await numbers.Next(IncidentNumber.LocalDay(now, city.TimeZone), ct);
        var events = IncidentDecider.Intake(new ReportIncident(
            id, number, form.Channel!.Value,
            new Caller(string.IsNullOrWhiteSpace(form.CallerName) ? null : form.CallerName.Trim(), PhoneNumber.Normalize(form.CallerPhone)),
            location, string.IsNullOrWhiteSpace(form.Address) ? null : form.Address,
            form.Category!, form.Description!, (Urgency)form.Urgency!.Value, by, place, receivedAt,
            policy.Routing.Route(form.Category!, (Urgency)form.Urgency!.Value, form.Description!)), now);

        await using var session = store.LightweightSession();
        session.Events.StartStream<Incident>(id, events);
        if (idempotencyKey is not null)
            session.Insert(new IntakeKey { Id = idempotencyKey, IncidentId = id, Number = number, RequestHash = hash });
        AuditTrail.Record(session, clock, by, "incident.report", place?.Path ?? receivedAt, number, id, number);
        IncidentChangeFeed.Notify(session, id, events.Count);
        try
        {
            await session.SaveChangesAsync(ct);
        }
        catch (DocumentAlreadyExistsException) when (idempotencyKey is not null)
        {
            // The same key raced us and won: answer as the retry it is.
            return await Replay(idempotencyKey, hash, ct)
                   ?? throw new InvalidOperationException($"Idempotency key {idempotencyKey} exists but cannot be read.");
        }
        return new CommandOutcome.Done(id, number, events.Count, Created: true);
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
    /// Decides and appends one command. With <paramref name="expectedVersion"/> (what the person saw) a
    /// change in between is a conflict that names what changed. Without it, the stream is locked while we
    /// decide (writers take turns), so the rules always see every event and no retry is needed.
    /// <paramref name="alsoWrite"/> queues more writes for the accepted events (a photo's bytes) into the same transaction:
    /// they commit with the events or not at all.
    /// </summary>
    /// <paramref name="chat"/>: the command was typed in a chat channel; its line and result go to the incident's channel
    /// in the same transaction.
    public async Task<CommandOutcome> Handle(Actor actor, Guid id, IncidentCommand command, long? expectedVersion, CancellationToken ct = default,
        Action<IDocumentSession, IReadOnlyList<object>>? alsoWrite = null, Chat.ChatLine? chat = null)
    {
        command = command with { By = actor.Login };
        for (var attempt = 0; ; attempt++)
        {
            try { return await HandleOnce(actor, id, command, expectedVersion, ct, alsoWrite, chat); }
            // Two first messages raced to open the same channel's stream: decide again (nothing was written).
            catch (Exception ex) when (attempt < 2 && Chat.ChatLog.IsNewChannelRace(ex)) { }
        }
    }

    async Task<CommandOutcome> HandleOnce(Actor actor, Guid id, IncidentCommand command, long? expectedVersion, CancellationToken ct,
        Action<IDocumentSession, IReadOnlyList<object>>? alsoWrite, Chat.ChatLine? chat)
    {
        if (command is MergeIncident or UnmergeIncident) return await HandleMerge(actor, id, command, expectedVersion, ct);
        await using var session = store.LightweightSession();
        try
        {
            var stream = expectedVersion is { } expected
                ? await session.Events.FetchForWriting<Incident>(id, expected, ct)
                : await session.Events.FetchForExclusiveWriting<Incident>(id, ct);
            if (stream.Aggregate is null) return new CommandOutcome.NotFound(id);

            // Where new coordinates lie is the tree's answer, looked up here so the rules stay pure.
            if (command is LocateIncident locate) command = locate with { Place = jurisdictions.PlaceOf(locate.Location) };
            var incident = stream.Aggregate;
            // The deadlines an assignment carries are the policy's for this matter, fixed when it is assigned.
            if (command is AssignIncident assign) command = assign with { Deadlines = policy.Deadlines.For(incident.Category, incident.Urgency) };
            var scope = IncidentScope.Of(incident);
            if (!AccessRules.Allows(actor, command, scope) && !await IsCrewOn(session, actor, incident, command, scope, ct))
                return new CommandOutcome.Forbidden(
                    await Deny(actor, AccessRules.ActionOf(command).Action.ToString().ToLowerInvariant(), scope.Path, id, incident.Number, ct));

            var decision = IncidentDecider.Decide(stream.Aggregate, command, clock.GetUtcNow());
            if (decision.Refusal is { } refusal) return new CommandOutcome.Refused(refusal);

            var events = decision.Events.ToList();
            var now = clock.GetUtcNow();
            // The units on it, as its own (locked) stream tells: in id order, the order their streams are locked in.
            var units = incident.Units.Select(u => u.Id).Order().ToList();
            var after = events.Aggregate(incident, (i, e) => Incident.Evolve(i, e)!);
            if (units.Count > 0)
            {
                // The crews on it hear what happened; a closed or cancelled incident frees them, in the same transaction:
                // none stays sent to a finished matter.
                Units.UnitsOfIncident.Tell(session, units, after, decision.Events, actor.Login, now);
                if (!after.IsOpen) events.AddRange(await Units.UnitsOfIncident.Release(session, after, units, actor.Login, now, ct));
            }
            stream.AppendMany(events);
            alsoWrite?.Invoke(session, decision.Events);
            await Chat.ChatPosts.Write(session, after, events, now, ct,
                chat is null ? null : (actor, chat, () => Domain.Chat.SystemMessages.ResultOf(command, after, events)));
            var version = (stream.StartingVersion ?? 0) + events.Count;
            AuditTrail.Record(session, clock, actor.Login, "incident." + AccessRules.ActionOf(command).Action.ToString().ToLowerInvariant(),
                scope.Path, Describe(command), id, incident.Number);
            IncidentChangeFeed.Notify(session, id, version);
            await session.SaveChangesAsync(ct);
            return new CommandOutcome.Done(id, stream.Aggregate.Number, version, Created: false);
        }
        catch (ConcurrencyException ex) when (!Chat.ChatLog.IsNewChannelRace(ex))
        {
            return await DescribeConflict(id, expectedVersion, ct);
        }
    }

    /// <summary>
    /// A unit's sign-in holds its role at its home; a unit sent to a neighbouring town works that incident too (notes,
    /// photos, resolving for its department) for as long as it is on it.
    /// </summary>
    static async Task<bool> IsCrewOn(IDocumentSession session, Actor actor, Incident incident, IncidentCommand command, IncidentScope scope,
        CancellationToken ct)
    {
        if (incident.Units.Count == 0 || actor.Grants.FirstOrDefault(g => g.Role == Role.FieldUnit) is not { Department: { } department }) return false;
        var unit = await Units.UnitRosterQuery.SignedInAs(session, actor.Login, ct);
        return unit is not null && incident.Units.Any(u => u.Id == unit.Id)
            && AccessRules.Allows(actor with { Grants = [new Grant(Role.FieldUnit, scope.Path, department)] }, command, scope);
    }

    /// <summary>
    /// A command outside the actor's rights: nothing is written to the incident; the attempt is logged and kept
    /// in the audit trail.
    /// </summary>
    async Task<Denial> Deny(Actor actor, string action, string scope, Guid? id, string? number, CancellationToken ct)
    {
        log.LogWarning("Denied {User} {Action} on {Incident} at {Scope}", actor.Login, action, number ?? "(new)", scope);
        await AuditTrail.Write(store, clock, actor.Login, "incident." + action, scope, "denied", id, number, allowed: false, ct);
        return new Denial("access.denied",
            number is null
                ? $"{actor.Login} may not {action} incidents at {(scope.Length == 0 ? "this place" : scope)}."
                : $"{actor.Login} may not {action} incident {number}: it lies at {(scope.Length == 0 ? "the city" : scope)}, outside what your roles cover.");
    }

    /// <summary>
    /// The caller's details, unmasked, for a reason the reader gives: allowed to whoever sees them anyway and to
    /// dispatchers and leaders in scope; always written to the audit trail with who, when and why.
    /// </summary>
    public async Task<RevealOutcome> RevealCaller(Actor actor, Guid id, string reason, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        if (await session.LoadAsync<IncidentDetail>(id, ct) is not { } detail) return new RevealOutcome.NotFound();
        var scope = detail.Scope();
        if (!AccessRules.SeesCaller(actor, scope) && !AccessRules.Allows(actor, IncidentAction.RevealCaller, scope))
        {
            return new RevealOutcome.Forbidden(await Deny(actor, "revealcaller", scope.Path, id, detail.Number, ct));
        }
        AuditTrail.Record(session, clock, actor.Login, "caller.reveal", scope.Path, reason, id, detail.Number);
        await session.SaveChangesAsync(ct);
        log.LogInformation("{User} revealed the caller of {Number}: {Reason}", actor.Login, detail.Number, reason);
        return new RevealOutcome.Revealed(detail.CallerName, detail.CallerPhone, detail.Callers);
    }

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
