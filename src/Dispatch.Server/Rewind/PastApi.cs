using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Situation;

namespace Dispatch.Server.Rewind;

/// <summary>
/// The past over the read API (issue 20): <c>?asOf=</c> on the board, an incident, the units and the situation figures
/// answers what the live read answers, as it stood at that instant, for the person asking (<see cref="PastViews"/> holds
/// the scope rule). Every such answer says it is the past, so a client cannot take it for now: the headers
/// <c>Dispatch-Past: true</c>, <c>Dispatch-As-Of</c> and <c>Dispatch-Sequence</c> on all of them, and the fields
/// <c>past</c>, <c>asOf</c> and <c>sequence</c> beside the others where the answer is one object (an incident, the situation).
/// Also the live situation figures (<c>GET /api/situation</c>), the shape the past one has.
/// </summary>
public static class PastApi
{
    public const string AsOfField = "asOf";
    public const string PastHeader = "Dispatch-Past", AsOfHeader = "Dispatch-As-Of", SequenceHeader = "Dispatch-Sequence";

    /// <summary>
    /// No earlier moment is taken: this record did not exist then, and the city's day of an instant near the start of the
    /// calendar cannot be computed. Later instants before the first event are an empty past.
    /// </summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static IEndpointRouteBuilder MapPastApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/situation", Situation);
        return app;
    }

    /// <summary>A rewound request: the moment it asked for, or why it is refused.</summary>
    public readonly record struct Opened(Moment Moment, IResult? Refusal);

    /// <summary>
    /// Opens the past for one request: <paramref name="asOf"/> is an ISO 8601 instant with an offset, not in the future
    /// (400 naming <c>asOf</c>); the person may rewind (else 403, kept in the audit trail as a denied read is); then the
    /// moment, and the answer is marked as the past.
    /// </summary>
    public static async Task<Opened> Open(HttpContext http, string asOf, CancellationToken ct)
    {
        var services = http.RequestServices;
        var errors = new Dictionary<string, string[]>();
        if (Units.Positions.TrackApi.Instant(asOf, AsOfField, errors) is not { } at)
            return new(default, TypedResults.ValidationProblem(errors));
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        if (at > now)
            return new(default, Invalid($"'asOf' ({Show(at)}) is in the future: the record goes up to now ({Show(now)})."));
        if (at < Earliest)
            return new(default, Invalid($"'asOf' ({Show(at)}) is before {Show(Earliest)}, long before this record begins."));
        var actor = http.Actor();
        if (!PastViews.MayRewind(actor))
            return new(default, IncidentApi.Forbidden(await services.GetRequiredService<CommandPipeline>().Deny(actor, Via.Api, "rewind.read", "",
                $"{actor.Login} may not open the past: it is for the centres (dispatchers, call-takers, leaders, department handlers).", ct: ct)));
        var moment = await services.GetRequiredService<PastViews>().MomentAt(at.ToUniversalTime(), ct);
        http.Response.Headers[PastHeader] = "true";
        http.Response.Headers[AsOfHeader] = Show(moment.At);
        http.Response.Headers[SequenceHeader] = moment.Sequence.ToString(CultureInfo.InvariantCulture);
        return new(moment, null);
    }

    /// <summary>
    /// One object as the live read answers it, with <c>past</c>, <c>asOf</c> and <c>sequence</c> beside its fields (and
    /// <c>notRewound</c>, the fields left empty because they are not rebuilt for a past moment, where there are such).
    /// </summary>
    public static IResult Marked<T>(T value, Moment moment, HttpContext http, IReadOnlyList<string>? notRewound = null)
    {
        var json = Dispatch.Server.BadInput.Json(http);
        var node = JsonSerializer.SerializeToNode(value, json)!.AsObject();
        node["past"] = true;
        node["asOf"] = moment.At;
        node["sequence"] = moment.Sequence;
        if (notRewound is not null) node["notRewound"] = new JsonArray([.. notRewound.Select(n => (JsonNode?)n)]);
        return TypedResults.Json(node, json);
    }

    /// <summary>
    /// The situation figures of the person's scope (<see cref="SituationSetup.ScopeOf"/>: leaders and dispatchers), live
    /// or, with <c>asOf</c>, as they stood. Others get 403, audited.
    /// </summary>
    static async Task<IResult> Situation(HttpContext http, string? asOf, SituationFeed feed, PastViews past, CommandPipeline pipeline,
        CancellationToken ct)
    {
        var actor = http.Actor();
        if (SituationSetup.ScopeOf(actor) is not { } scope)
            return IncidentApi.Forbidden(await pipeline.Deny(actor, Via.Api, "situation.read", "",
                $"{actor.Login} may not read the situation figures: they are for leaders and dispatchers.", ct: ct));
        var culture = CultureInfo.CurrentUICulture;
        if (asOf is null) return TypedResults.Ok(feed.Picture(scope, culture));
        var (moment, refusal) = await Open(http, asOf, ct);
        return refusal ?? Marked(await past.SituationAt(scope, moment, culture, ct), moment, http, PastViews.SituationNotRewound);
    }

    static string Show(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    static IResult Invalid(string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [AsOfField] = [message] });
}
