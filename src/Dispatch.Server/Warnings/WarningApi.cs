using System.Security.Cryptography;
using System.Text;
using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Open311;
using Dispatch.Server.Pipeline;
using Marten;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Warnings;

/// <summary>
/// The public side: <c>GET /warnings/cap/{identifier}.xml</c> (one CAP 1.2 alert, never changes once sent) and
/// <c>GET /warnings/feed.atom</c> (the warning channels' feed), anonymous and limited per address like the other public
/// pages. The console's side: <c>GET /api/warnings</c> for dispatchers and leaders, and
/// <c>POST /api/warnings/{identifier}/update</c>, a new version of a warning still out (docs/warnings.md).
/// </summary>
public static class WarningApi
{
    public sealed record UpdateRequest(string? Headline, string? Instruction, string? Reason);

    public sealed record WarningView(string Identifier, string Series, string MsgType, DateTimeOffset Sent, string Event, string Severity,
        string Urgency, string Headline, string Instruction, string AreaDesc, int Polygons, string SourceKind, string SourceCode, int? SourceVersion,
        Guid? IncidentId, string? Number, string By, string? Note, string Url, bool Live);

    public const int MaxText = 500;

    public static IEndpointRouteBuilder MapWarnings(this IEndpointRouteBuilder app)
    {
        var pub = app.MapGroup("/warnings").DisableAntiforgery().RequireRateLimiting(Open311Setup.RatePolicy);
        pub.MapGet("/cap/{identifier}.xml", Alert);
        pub.MapGet("/feed.atom", Feed);
        var api = app.MapGroup("/api/warnings").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("", List);
        api.MapPost("/{identifier}/update", Update);
        return app;
    }

    static async Task<IResult> Alert(string identifier, HttpContext http, IQuerySession query, CancellationToken ct)
    {
        if (!PublicWarnings.IsIdentifier(identifier) || await query.LoadAsync<PublicWarning>(identifier, ct) is not { } warning)
            return TypedResults.Problem(statusCode: 404, title: "Unknown warning", detail: "There is no warning with that identifier.");
        // A CAP message never changes once sent (an update is a new message): caches may keep it.
        var etag = $"\"{warning.Id}\"";
        http.Response.Headers.CacheControl = "public, max-age=86400, immutable";
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch.Contains(etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        return TypedResults.Bytes(CapXml.Write(warning), CapXml.ContentType);
    }

    static async Task<IResult> Feed(HttpContext http, IQuerySession query, PublicWarnings warnings, IOptions<WarningOptions> options, CancellationToken ct)
    {
        var newest = await query.Query<PublicWarning>().OrderByDescending(w => w.Sent).Take(WarningFeed.MaxEntries).ToListAsync(ct);
        var fate = await Fate(query, newest, ct);
        // Readers poll a feed: a short lifetime and a validator, so an unchanged feed costs a 304.
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            string.Join(",", newest.Select(w => w.Id)) + "|" + string.Join(",", fate.Values.Select(f => f.Id).Order()))))[..32]}\"";
        http.Response.Headers.CacheControl = "public, max-age=60";
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch.Contains(etag)) return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        var body = WarningFeed.Write(newest, fate, BaseUrl(http, options.Value), $"{warnings.SenderName} 公共预警 Public warnings", warnings.SenderName);
        return TypedResults.Bytes(body, WarningFeed.ContentType);
    }

    /// <summary>The newest message of each series shown: whether an entry was since updated or cancelled.</summary>
    static async Task<Dictionary<string, PublicWarning>> Fate(IQuerySession query, IReadOnlyList<PublicWarning> shown, CancellationToken ct)
    {
        var series = shown.Select(w => w.Series).Distinct().ToArray();
        var all = await query.Query<PublicWarning>().Where(w => series.Contains(w.Series)).ToListAsync(ct);
        return all.GroupBy(w => w.Series).ToDictionary(g => g.Key, g => g.MaxBy(w => w.Sent)!);
    }

    static string BaseUrl(HttpContext http, WarningOptions options) =>
        options.PublicBaseUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";

    static bool Reads(Actor actor) => actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader);

    static async Task<IResult> List(Guid? incident, HttpContext http, IQuerySession query, CommandPipeline pipeline,
        IOptions<WarningOptions> options, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!Reads(actor))
            return IncidentApi.Forbidden(await pipeline.Deny(actor, null, "warning.read", "", $"{actor.Login} may not read the warnings: dispatchers and leaders do.", ct: ct));
        var q = query.Query<PublicWarning>().AsQueryable();
        if (incident is { } id) q = q.Where(w => w.Source.IncidentId == id);
        var shown = await q.OrderByDescending(w => w.Sent).Take(200).ToListAsync(ct);
        var fate = await Fate(query, shown, ct);
        var root = BaseUrl(http, options.Value);
        return TypedResults.Ok(shown.Select(w => new WarningView(w.Id, w.Series, w.MsgType, w.Sent, w.Text.Event, w.Text.Severity, w.Text.Urgency,
            w.Text.Headline, w.Text.Instruction, w.Area.Description, w.Area.Polygons.Count, w.Source.Kind, w.Source.Code, w.Source.Version,
            w.Source.IncidentId, w.Source.Number, w.By, w.Note, $"{root}/warnings/cap/{w.Id}.xml",
            Live: fate.GetValueOrDefault(w.Series)?.Id == w.Id && w.MsgType != PublicWarnings.CancelType)).ToList());
    }

    abstract record Outcome
    {
        public sealed record Done(string Identifier) : Outcome;
        public sealed record NotFound : Outcome;
        public sealed record Denied(Denial Denial) : Outcome;
        public sealed record Refused(string Code, string Message) : Outcome;
    }

    /// <summary>
    /// A new version of the warning still out in the series of <paramref name="identifier"/>: new headline or instruction,
    /// a reason for the console. Whoever may activate the incident's plan may update its warning; an operation's, its
    /// scope's dispatchers and leaders.
    /// </summary>
    static async Task<IResult> Update(string identifier, HttpContext http, CommandPipeline pipeline, PublicWarnings warnings, CancellationToken ct)
    {
        var (body, bad) = await IncidentApi.ReadJson<UpdateRequest>(http, ct);
        if (bad is not null) return bad;
        var errors = new Dictionary<string, string[]>();
        string? Text(string field, string? value, bool required)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                if (required) errors[field] = [$"Give the {field}."];
                return null;
            }
            if (value.Length > MaxText) errors[field] = [$"The {field} is at most {MaxText} characters."];
            else if (Dispatch.Domain.FreeText.Problem(value) is { } problem) errors[field] = [problem];
            return value.Trim();
        }
        var headline = Text("headline", body!.Headline, required: false);
        var instruction = Text("instruction", body.Instruction, required: false);
        var reason = Text("reason", body.Reason, required: true);
        if (headline is null && instruction is null && !errors.ContainsKey("headline"))
            errors["headline"] = ["Give a new headline or instruction."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (!PublicWarnings.IsIdentifier(identifier)) return NotFound();

        var actor = http.Actor();
        var outcome = await pipeline.Run<Outcome>(actor, Via.Api, "warning.update", async work =>
        {
            if (await work.Query.LoadAsync<PublicWarning>(identifier, work.Cancellation) is not { } named)
                return Decided.Nothing<Outcome>(new Outcome.NotFound());
            // An incident's warning moves with its incident: its stream is locked, so a stand-down cannot cross the update.
            string scope;
            if (named.Source.IncidentId is { } incidentId)
            {
                var stream = await work.Incident(incidentId);
                if (stream.Aggregate is not { } incident) return Decided.Nothing<Outcome>(new Outcome.NotFound());
                var at = IncidentScope.Of(incident);
                scope = at.Path;
                if (!AccessRules.Allows(actor, IncidentAction.ActivatePlan, at))
                    return Decided.Nothing<Outcome>(new Outcome.Denied(await work.Deny("warning.update", scope,
                        $"{actor.Login} may not update the warning of incident {incident.Number}: it lies outside what your roles cover.", incidentId, incident.Number)));
            }
            else
            {
                await work.Hold("warning:" + named.Series);
                scope = named.Source.Scope;
                if (!actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader && (scope == g.Scope || scope.StartsWith(g.Scope + "/", StringComparison.Ordinal))))
                    return Decided.Nothing<Outcome>(new Outcome.Denied(await work.Deny("warning.update", scope,
                        $"{actor.Login} may not update warning {identifier}: it lies outside what your roles cover.")));
            }
            var series = await PublicWarnings.SeriesOf(work.Query, named.Series, work.Cancellation);
            var live = series[^1];
            if (live.MsgType == PublicWarnings.CancelType)
                return Decided.Nothing<Outcome>(new Outcome.Refused("warning.cancelled", $"Warning {named.Series} was cancelled; issue a new one instead."));
            var text = live.Text with { Headline = headline ?? live.Text.Headline, Instruction = instruction ?? live.Text.Instruction };
            var effects = await warnings.Update(work, live, text, area: null, reason!);
            var id = ((PublicWarning)((StoreDocument)effects[0]).Document).Id;
            return Decided.With<Outcome>(effects, _ => new Outcome.Done(id));
        }, ct);
        return outcome switch
        {
            Outcome.Done d => TypedResults.Ok(new { identifier = d.Identifier, url = $"/warnings/cap/{d.Identifier}.xml" }),
            Outcome.Denied d => IncidentApi.Forbidden(d.Denial),
            Outcome.Refused r => TypedResults.Problem(statusCode: 422, title: "Refused by the rules", detail: r.Message,
                extensions: new Dictionary<string, object?> { ["code"] = r.Code }),
            _ => NotFound(),
        };

        static IResult NotFound() => TypedResults.Problem(statusCode: 404, title: "Unknown warning", detail: "There is no warning with that identifier.");
    }
}

public static class WarningsSetup
{
    public static WebApplicationBuilder AddWarnings(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<WarningOptions>(builder.Configuration.GetSection(WarningOptions.Section));
        builder.Services.AddSingleton<PublicWarnings>();
        builder.Services.ConfigureMarten(opts =>
            opts.Schema.For<PublicWarning>().Index(w => w.Sent).Index(w => w.Series).Index(w => w.Source.IncidentId));
        return builder;
    }
}
