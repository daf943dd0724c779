using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Incidents;

/// <summary>
/// The JSON API every command goes through: intake, the lifecycle commands, the board and an incident with
/// its timeline. Errors are problem details: 400 names each bad field, 404 an unknown incident, 409 says what
/// changed since the caller's version, 422 gives the rule that refused the command. Every endpoint needs a
/// signed-in user and checks role and jurisdiction: outside them it is 403, logged and kept in the audit trail.
/// </summary>
public static class IncidentApi
{
    const long MaxBody = 256 * 1024;

    public static IEndpointRouteBuilder MapIncidentApi(this IEndpointRouteBuilder app)
    {
        // The API authenticates by the same cookie as the console. The cookie is SameSite=Strict and commands must be
        // JSON (a cross-site form cannot send that without the browser asking first), so no anti-forgery token is needed.
        var api = app.MapGroup("/api").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/city", (CityCatalog city) => new
        {
            city.Name, TimeZone = city.TimeZone.Id, city.Categories,
            // With the levels each department has offices at, so a client can tell whom a town can assign.
            Departments = city.Departments.Select(d => new
            {
                d.Code, d.Zh, d.En,
                Levels = new[] { JurisdictionKind.City, JurisdictionKind.District, JurisdictionKind.Town }
                    .Where(level => city.IsDepartmentAt(d.Code, level)).Select(level => level.ToString().ToLowerInvariant()),
            }),
        });
        api.MapPost("/incidents", Report);
        api.MapPost("/incidents/{id:guid}/{action}", Command);
        api.MapGet("/incidents/{id:guid}", Detail);
        api.MapPost("/incidents/{id:guid}/caller/reveal", RevealCaller);
        api.MapGet("/incidents", ByCaller);
        api.MapGet("/board", Board);
        return app;
    }

    static async Task<IResult> Report(HttpContext http, IncidentService incidents, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<IntakeRequest>(http, ct);
        if (bad is not null) return bad;
        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        var outcome = await incidents.Report(body!.ToForm(), http.Actor(), string.IsNullOrWhiteSpace(key) ? null : key, Via.Api, ct);
        return ToResult(outcome, messages);
    }

    static async Task<IResult> Command(Guid id, string action, HttpContext http, IncidentService incidents,
        CityCatalog city, JurisdictionTree jurisdictions, Plans.PlanLibrary plans, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<CommandRequest>(http, ct, allowEmpty: true);
        if (bad is not null) return bad;
        var (command, errors) = IncidentCommandParser.Parse(action.ToLowerInvariant(), body ?? new CommandRequest(), http.Actor().Login, city, jurisdictions, plans);
        if (command is null)
            return action is not null && !IncidentCommandParser.Actions.Contains(action.ToLowerInvariant())
                ? TypedResults.Problem(statusCode: 404, title: "Unknown action", detail: errors[0].Message)
                : Invalid(errors, messages);
        return ToResult(await incidents.Handle(http.Actor(), id, command, body?.ExpectedVersion, Via.Api, ct), messages);
    }

    /// <summary>
    /// One incident with its timeline; with <c>asOf</c>, as it stood then (<see cref="Rewind.PastApi"/>). The past answers as
    /// the live read does: 403 (audited) where it then lay outside the reader's rights; 404 where it was not reported yet.
    /// </summary>
    static async Task<IResult> Detail(Guid id, string? asOf, HttpContext http, IncidentReaders readers, CancellationToken ct)
    {
        if (asOf is null) return ReadResult(await readers.For(http.Actor()).Detail(id, ct: ct), id, detail => TypedResults.Ok(detail));
        var (moment, refusal) = await Rewind.PastApi.Open(http, asOf, ct);
        if (refusal is not null) return refusal;
        return await http.RequestServices.GetRequiredService<Rewind.PastViews>().Detail(http.Actor(), id, moment, Via.Api, ct: ct) switch
        {
            IncidentRead.Shown then => Rewind.PastApi.Marked(then.Detail, moment, http),
            IncidentRead.Denied { Denial: { } denial } => Forbidden(denial),
            _ => TypedResults.Problem(statusCode: 404, title: "Unknown incident", detail: $"There was no incident {id} at that moment."),
        };
    }

    /// <summary>How a read of one incident answers over HTTP: 404 unknown, 403 (audited) outside the reader's rights.</summary>
    internal static IResult ReadResult(IncidentRead read, Guid id, Func<IncidentDetail, IResult> shown) => read switch
    {
        IncidentRead.Shown s => shown(s.Detail),
        IncidentRead.Denied { Denial: { } denial } => Forbidden(denial),
        _ => NotFound(id),
    };

    public sealed record RevealRequest(string? Reason);

    /// <summary>
    /// The caller's name and phone, unmasked, for a stated reason: an explicit act, kept in the audit trail with
    /// who, when and why.
    /// </summary>
    static async Task<IResult> RevealCaller(Guid id, HttpContext http, IncidentService incidents, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<RevealRequest>(http, ct);
        if (bad is not null) return bad;
        if (string.IsNullOrWhiteSpace(body!.Reason) || body.Reason.Length > 200)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["reason"] = ["Say why you need the caller's details (at most 200 characters)."],
            });
        return await incidents.RevealCaller(http.Actor(), id, body.Reason.Trim(), Via.Api, ct) switch
        {
            RevealOutcome.Revealed r => TypedResults.Ok(new { r.CallerName, r.CallerPhone, r.Callers }),
            RevealOutcome.NotFound => NotFound(id),
            RevealOutcome.Forbidden f => Forbidden(f.Denial),
            _ => throw new InvalidOperationException(),
        };
    }

    /// <summary>Earlier incidents of a caller, newest first: repeat callers are common at a hotline.</summary>
    static async Task<IResult> ByCaller(string? callerPhone, HttpContext http, IQuerySession query, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!actor.Has(Role.CallTaker) && !actor.Has(Role.Dispatcher))
            return Forbidden(new Denial("access.denied", "Only call-takers and dispatchers look up a caller's earlier incidents."));
        var phone = PhoneNumber.Normalize(callerPhone);
        if (phone is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["callerPhone"] = ["Give the caller's phone number: an 11-digit mobile or a landline with area code."],
            });
        return TypedResults.Ok(await RepeatCaller.Find(query, phone, actor, ct));
    }

    /// <summary>
    /// The open incidents the caller may see, most urgent and oldest first; with <c>asOf</c>, the board as it stood then
    /// (<see cref="Rewind.PastApi"/>: marked as the past by its headers).
    /// </summary>
    static async Task<IResult> Board(HttpContext http, IncidentReaders readers, string? state, string? category, string? urgency, string? asOf,
        CancellationToken ct)
    {
        // A filter that is not one of the names is a 400 naming it, not silently no filter.
        IncidentState? s = null;
        Urgency? u = null;
        if (!string.IsNullOrWhiteSpace(state))
            if (Enum.TryParse<IncidentState>(state, true, out var parsed) && Enum.IsDefined(parsed)) s = parsed;
            else return Filter("state", $"Filter by one of: {string.Join(", ", Enum.GetNames<IncidentState>())}.");
        if (!string.IsNullOrWhiteSpace(urgency))
            if (Enum.TryParse<Urgency>(urgency, true, out var level) && Enum.IsDefined(level)) u = level;
            else return Filter("urgency", $"Filter by one of: {string.Join(", ", Enum.GetNames<Urgency>())}.");
        IReadOnlyList<IncidentCard> cards;
        if (asOf is null) cards = await readers.For(http.Actor()).Board(ct);
        else
        {
            var (moment, refusal) = await Rewind.PastApi.Open(http, asOf, ct);
            if (refusal is not null) return refusal;
            cards = await http.RequestServices.GetRequiredService<Rewind.PastViews>().BoardAt(http.Actor(), moment, ct);
        }
        IEnumerable<IncidentCard> shown = cards;
        if (s is { } st) shown = shown.Where(c => c.State == st);
        if (!string.IsNullOrWhiteSpace(category)) shown = shown.Where(c => c.Category == category);
        if (u is { } ur) shown = shown.Where(c => c.Urgency == ur);
        return TypedResults.Ok(shown.OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ToList());

        static IResult Filter(string field, string message) =>
            TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
    }

    internal static ProblemHttpResult Forbidden(Denial denial) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: denial.Message,
            extensions: new Dictionary<string, object?> { ["code"] = denial.Code });

    internal static IResult ToResult(CommandOutcome outcome, Messages messages) => outcome switch
    {
        CommandOutcome.Done { Created: true } d =>
            TypedResults.Created($"/api/incidents/{d.Id}", new { d.Id, d.Number, d.Version }),
        CommandOutcome.Done d => TypedResults.Ok(new { d.Id, d.Number, d.Version }),
        CommandOutcome.Invalid i => Invalid(i.Errors, messages),
        CommandOutcome.NotFound n => NotFound(n.Id),
        CommandOutcome.Forbidden f => Forbidden(f.Denial),
        CommandOutcome.Refused r => TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity, title: "Refused by the rules",
            detail: messages.Refusal(r.Refusal),
            extensions: new Dictionary<string, object?> { ["code"] = r.Refusal.Code }),
        CommandOutcome.Conflict c => TypedResults.Problem(
            statusCode: StatusCodes.Status409Conflict, title: "The incident changed",
            detail: messages.Conflict(c),
            extensions: new Dictionary<string, object?>
            {
                ["expectedVersion"] = c.ExpectedVersion, ["actualVersion"] = c.ActualVersion, ["changes"] = c.Changes,
            }),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    internal static IResult Invalid(IReadOnlyList<FieldError> errors, Messages messages) =>
        TypedResults.ValidationProblem(errors
            .GroupBy(e => e.Field)
            .ToDictionary(g => g.Key, g => g.Select(messages.Field).ToArray()));

    static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: 404, title: "Unknown incident", detail: $"There is no incident {id}.");

    /// <summary>
    /// Reads the body ourselves so that a malformed one is a 400 naming the field at fault
    /// (JSON path), not an anonymous binding failure.
    /// </summary>
    internal static async Task<(T? Body, IResult? Bad)> ReadJson<T>(HttpContext http, CancellationToken ct, bool allowEmpty = false)
        where T : class
    {
        if (http.Request.ContentLength > MaxBody)
            return (null, TypedResults.Problem(statusCode: 413, title: "Too large", detail: $"A request body is at most {MaxBody / 1024} KB."));
        if (allowEmpty && http.Request.ContentLength is null or 0 && !http.Request.Headers.TransferEncoding.Any())
            return (null, null);
        if (!http.Request.HasJsonContentType())
            return (null, TypedResults.Problem(statusCode: 415, title: "Send JSON", detail: "Send the body as application/json."));
        try
        {
            // The HTTP JSON options: the same rules as a body the framework binds (no control characters in text).
            var body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, BadInput.Json(http), ct);
            return body is null && !allowEmpty
                ? (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] }))
                : (body, null);
        }
        catch (JsonException ex)
        {
            var (field, message) = BadInput.Explain(ex);
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }));
        }
    }
}
