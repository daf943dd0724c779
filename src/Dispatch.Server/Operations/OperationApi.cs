using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Operations;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Dispatch.Server.Pipeline;
using Marten;

namespace Dispatch.Server.Operations;

/// <summary>
/// Emergency operations and major events (平战结合, 重大活动保障): <c>POST /api/operations</c> declares one,
/// <c>POST /api/operations/{id}/end</c> ends it by hand, <c>GET /api/operations[?active=true]</c> lists those the reader
/// may see, <c>GET /api/operations/{id}</c> reads one with its incidents open and closed. Errors as the incident API's:
/// 400 names the fields, 403 is on the audit trail, 404 unknown, 422 a rule's refusal.
/// </summary>
public static class OperationApi
{
    public sealed record PointRequest(double? Lat, double? Lon);
    public sealed record AreaRequest(IReadOnlyList<PointRequest?>? Polygon, IReadOnlyList<string?>? Jurisdictions);
    public sealed record RuleRequest(string? Category, string? Level, string? Department);
    public sealed record RoutingRequest(IReadOnlyList<RuleRequest?>? Rules, string? MinimumLevel);
    public sealed record DeadlinesRequest(double? AcknowledgeMinutes, double? ResolveMinutes);
    public sealed record UnitRequest(Guid? Unit, double? Lat, double? Lon, string? Label);
    /// <summary>A public warning to issue with the declaration: CAP's values, as a plan's warning (docs/warnings.md).</summary>
    public sealed record WarningRequest(string? Category, string? Event, string? Urgency, string? Severity, string? Certainty,
        string? Headline, string? Instruction);
    public sealed record DeclareRequest(string? Name, AreaRequest? Area, DateTimeOffset? From, DateTimeOffset? Until, string? Desk,
        RoutingRequest? Routing, DeadlinesRequest? Deadlines, IReadOnlyList<UnitRequest?>? Units, WarningRequest? Warning = null);
    public sealed record EndRequest(string? Reason);

    public sealed record RuleView(string Category, string? Level, string? Department);
    public sealed record OperationView(
        Guid Id, string Name, string State, OperationArea Area, DateTimeOffset From, DateTimeOffset Until, DateTimeOffset? EndedAt,
        string? EndedBy, string? EndReason, string Desk, string DeskName, string DeskLevel, IReadOnlyList<RuleView> Rules, string? MinimumLevel,
        double? AcknowledgeMinutes, double? ResolveMinutes, IReadOnlyList<Preposition> Units, string DeclaredBy, DateTimeOffset DeclaredAt,
        int OpenIncidents, int ClosedIncidents);

    public static IEndpointRouteBuilder MapOperationApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapPost("/operations", Declare);
        api.MapPost("/operations/{id:guid}/end", End);
        api.MapGet("/operations", List);
        api.MapGet("/operations/{id:guid}", Read);
        return app;
    }

    static async Task<IResult> Declare(HttpContext http, OperationService operations, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await IncidentApi.ReadJson<DeclareRequest>(http, ct);
        if (bad is not null) return bad;
        var (command, errors) = Parse(body!, http.Actor().Login);
        if (command is null) return IncidentApi.Invalid(errors, messages);
        return ToResult(await operations.Declare(http.Actor(), command, Via.Api, ct), messages, created: true);
    }

    static async Task<IResult> End(Guid id, HttpContext http, OperationService operations, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await IncidentApi.ReadJson<EndRequest>(http, ct);
        if (bad is not null) return bad;
        return ToResult(await operations.End(http.Actor(), id, body!.Reason, Via.Api, ct), messages, created: false);
    }

    static async Task<IResult> List(bool? active, HttpContext http, IQuerySession query, JurisdictionTree tree, TimeProvider clock,
        CommandPipeline pipeline, CancellationToken ct)
    {
        var actor = http.Actor();
        if (await Denied(actor, pipeline, "", ct) is { } denied) return denied;
        var now = clock.GetUtcNow();
        var found = active == true
            ? await query.Query<Operation>().Where(o => o.From <= now && o.Until > now && (o.EndedAt == null || o.EndedAt > now)).ToListAsync(ct)
            : await query.Query<Operation>().OrderByDescending(o => o.From).Take(500).ToListAsync(ct);
        var shown = found.Where(o => OperationAccess.MayRead(actor, o.Desk) && (active != true || o.InForceAt(now))).ToList();
        var counts = await Counts(query, shown.Select(o => o.Id).ToArray(), ct);
        return TypedResults.Ok(shown.OrderBy(o => o.From).ThenBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => View(o, tree, now, counts.GetValueOrDefault(o.Id))).ToList());
    }

    static async Task<IResult> Read(Guid id, HttpContext http, IQuerySession query, JurisdictionTree tree, TimeProvider clock,
        CommandPipeline pipeline, CancellationToken ct)
    {
        var actor = http.Actor();
        if (await query.LoadAsync<Operation>(id, ct) is not { } operation) return NotFound(id);
        if (await Denied(actor, pipeline, operation.Desk, ct, operation) is { } denied) return denied;
        var counts = await Counts(query, [id], ct);
        return TypedResults.Ok(View(operation, tree, clock.GetUtcNow(), counts.GetValueOrDefault(id)));
    }

    /// <summary>A reader with no role over the desk (or none that reads operations at all): 403, on the audit trail.</summary>
    static async Task<IResult?> Denied(Actor actor, CommandPipeline pipeline, string scope, CancellationToken ct, Operation? operation = null)
    {
        var allowed = operation is null
            ? actor.Grants.Any(g => g.Role is Role.Leader or Role.Dispatcher or Role.CallTaker or Role.Admin)
            : OperationAccess.MayRead(actor, operation.Desk);
        if (allowed) return null;
        var denial = await pipeline.Deny(actor, Via.Api, "operation.read", scope,
            operation is null
                ? $"{actor.Login} may not read operations: dispatchers, call-takers, leaders and administrators do."
                : $"{actor.Login} may not read operation {operation.Name}: its desk lies outside your jurisdiction.", ct: ct);
        return IncidentApi.Forbidden(denial);
    }

    static async Task<Dictionary<Guid, (int Open, int Closed)>> Counts(IQuerySession query, Guid[] ids, CancellationToken ct)
    {
        if (ids.Length == 0) return [];
        var wanted = ids.Select(i => (Guid?)i).ToArray();
        var cards = await query.Query<IncidentCard>().Where(c => wanted.Contains(c.OperationId))
            .Select(c => new { c.OperationId, c.IsOpen }).ToListAsync(ct);
        return cards.GroupBy(c => c.OperationId!.Value).ToDictionary(g => g.Key, g => (g.Count(c => c.IsOpen), g.Count(c => !c.IsOpen)));
    }

    public static OperationView View(Operation o, JurisdictionTree tree, DateTimeOffset now, (int Open, int Closed) counts) =>
        new(o.Id, o.Name, StateOf(o, now), o.Area, o.From, o.Until, o.EndedAt, o.EndedBy, o.EndReason, o.Desk, tree.NameOf(o.Desk),
            Level(o.DeskLevel), [.. o.Routing.Rules.Select(r => new RuleView(r.Category, r.Level is { } l ? Level(l) : null, r.Department))],
            o.Routing.MinimumLevel is { } min ? Level(min) : null, o.Deadlines.Acknowledge?.TotalMinutes, o.Deadlines.Resolve?.TotalMinutes,
            o.Units, o.DeclaredBy, o.DeclaredAt, counts.Open, counts.Closed);

    /// <summary>scheduled (not yet started), active, ended (by hand) or over (its window passed).</summary>
    public static string StateOf(Operation o, DateTimeOffset now) =>
        o.InForceAt(now) ? "active" : now < o.From && o.EndedAt is null ? "scheduled" : o.EndedAt is { } e && e < o.Until ? "ended" : "over";

    static string Level(CommandLevel level) => level.ToString().ToLowerInvariant();

    /// <summary>The request as the domain's command; what cannot even be read (a level's name, a deadline's range) names its field.</summary>
    public static (DeclareOperation? Command, IReadOnlyList<FieldError> Errors) Parse(DeclareRequest r, string by)
    {
        var errors = new List<FieldError>();
        CommandLevel? LevelOf(string? text, string field)
        {
            if (string.IsNullOrWhiteSpace(text)) return null;
            var named = Enum.GetValues<CommandLevel>().Where(l => string.Equals(l.ToString(), text.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
            if (named.Count == 1) return named[0];
            errors.Add(new FieldError(field, "level", "A level is town, district or city."));
            return null;
        }
        TimeSpan? Minutes(double? minutes, string field)
        {
            if (minutes is not { } m) return null;
            if (m > 0 && m <= OperationDecider.MaxDeadline.TotalMinutes) return TimeSpan.FromMinutes(m);
            errors.Add(new FieldError(field, "deadlines.range", $"A deadline is more than zero and at most {OperationDecider.MaxDeadline.TotalMinutes:0} minutes."));
            return null;
        }

        OperationArea? area = r.Area is null ? null : new OperationArea(
            r.Area.Polygon?.Select(p => p is { Lat: { } lat, Lon: { } lon } ? new GeoPoint(lat, lon) : null!).ToList(),
            r.Area.Jurisdictions?.Select(j => j?.Trim()!).ToList());
        OperationRouting? routing = null;
        if (r.Routing is { } given)
        {
            var rules = given.Rules?.Select((rule, i) => rule is null ? null! :
                new OperationRule(rule.Category?.Trim() ?? "", LevelOf(rule.Level, $"routing.rules[{i}].level"),
                    string.IsNullOrWhiteSpace(rule.Department) ? null : rule.Department.Trim())).ToList();
            routing = new OperationRouting(rules ?? [], LevelOf(given.MinimumLevel, "routing.minimumLevel"));
        }
        var deadlines = r.Deadlines is { } d
            ? new OperationDeadlines(Minutes(d.AcknowledgeMinutes, "deadlines.acknowledgeMinutes"), Minutes(d.ResolveMinutes, "deadlines.resolveMinutes"))
            : null;
        var units = r.Units?.Select(u => u is null ? null! : new Preposition(u.Unit ?? Guid.Empty, "",
            u is { Lat: { } lat, Lon: { } lon } ? new GeoPoint(lat, lon) : null!, string.IsNullOrWhiteSpace(u.Label) ? null : u.Label.Trim())).ToList();
        // Checked by the domain's rules (PlanWarningRules, as the plan file's), each fault naming warning.<field>.
        var warning = r.Warning is { } w
            ? new Domain.Plans.PlanWarning(w.Event ?? "", w.Severity ?? "", w.Urgency ?? "", w.Certainty ?? "", w.Headline ?? "", w.Instruction ?? "",
                w.Category ?? "Safety")
            : null;
        if (errors.Count > 0) return (null, errors);
        return (new DeclareOperation(Guid.CreateVersion7(), r.Name, area, r.From, r.Until, r.Desk, routing, deadlines, units, by, warning), errors);
    }

    static IResult ToResult(OperationOutcome outcome, Messages messages, bool created) => outcome switch
    {
        OperationOutcome.Done d when created => TypedResults.Created($"/api/operations/{d.Id}", new { d.Id, d.Version }),
        OperationOutcome.Done d => TypedResults.Ok(new { d.Id, d.Version }),
        OperationOutcome.Invalid i => IncidentApi.Invalid(i.Errors, messages),
        OperationOutcome.NotFound n => NotFound(n.Id),
        OperationOutcome.Forbidden f => IncidentApi.Forbidden(f.Denial),
        OperationOutcome.Refused r => TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Refused by the rules",
            detail: messages.Refusal(r.Refusal), extensions: new Dictionary<string, object?> { ["code"] = r.Refusal.Code }),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    static IResult NotFound(Guid id) => TypedResults.Problem(statusCode: 404, title: "Unknown operation", detail: $"There is no operation {id}.");
}
