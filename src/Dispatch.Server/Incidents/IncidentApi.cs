using System.Text.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Dispatch.Server.Incidents;

/// <summary>
/// The JSON API every command goes through: intake, the lifecycle commands, the board and an incident with
/// its timeline. Errors are problem details: 400 names each bad field, 404 an unknown incident, 409 says what
/// changed since the caller's version, 422 gives the rule that refused the command.
/// </summary>
public static class IncidentApi
{
    const long MaxBody = 256 * 1024;

    public static IEndpointRouteBuilder MapIncidentApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").DisableAntiforgery();
        api.MapGet("/city", (CityCatalog city) => new
        {
            city.Name, TimeZone = city.TimeZone.Id, city.Categories, city.Departments,
        });
        api.MapPost("/incidents", Report);
        api.MapPost("/incidents/{id:guid}/{action}", Command);
        api.MapGet("/incidents/{id:guid}", Detail);
        api.MapGet("/incidents", ByCaller);
        api.MapGet("/board", Board);
        return app;
    }

    static async Task<IResult> Report(HttpContext http, IncidentService incidents, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<IntakeRequest>(http, ct);
        if (bad is not null) return bad;
        var key = http.Request.Headers["Idempotency-Key"].FirstOrDefault();
        var outcome = await incidents.Report(body!.ToForm(), Operator.Of(http), string.IsNullOrWhiteSpace(key) ? null : key, ct);
        return ToResult(outcome, messages);
    }

    static async Task<IResult> Command(Guid id, string action, HttpContext http, IncidentService incidents,
        CityCatalog city, JurisdictionTree jurisdictions, Messages messages, CancellationToken ct)
    {
        var (body, bad) = await ReadJson<CommandRequest>(http, ct, allowEmpty: true);
        if (bad is not null) return bad;
        var (command, errors) = IncidentCommandParser.Parse(action.ToLowerInvariant(), body ?? new CommandRequest(), Operator.Of(http), city, jurisdictions);
        if (command is null)
            return action is not null && !IncidentCommandParser.Actions.Contains(action.ToLowerInvariant())
                ? TypedResults.Problem(statusCode: 404, title: "Unknown action", detail: errors[0].Message)
                : Invalid(errors, messages);
        return ToResult(await incidents.Handle(id, command, body?.ExpectedVersion, ct), messages);
    }

    static async Task<IResult> Detail(Guid id, IQuerySession query, CancellationToken ct) =>
        await query.LoadAsync<IncidentDetail>(id, ct) is { } detail
            ? TypedResults.Ok(detail)
            : NotFound(id);

    /// <summary>Earlier incidents of a caller, newest first: repeat callers are common at a hotline.</summary>
    static async Task<IResult> ByCaller(string? callerPhone, IQuerySession query, CancellationToken ct)
    {
        var phone = PhoneNumber.Normalize(callerPhone);
        if (phone is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["callerPhone"] = ["Give the caller's phone number: an 11-digit mobile or a landline with area code."],
            });
        return TypedResults.Ok(await RepeatCaller.Find(query, phone, ct));
    }

    static async Task<IResult> Board(IQuerySession query, string? state, string? category, string? urgency, CancellationToken ct)
    {
        var cards = query.Query<IncidentCard>().Where(c => c.IsOpen);
        if (Enum.TryParse<IncidentState>(state, true, out var s)) cards = cards.Where(c => c.State == s);
        if (!string.IsNullOrWhiteSpace(category)) cards = cards.Where(c => c.Category == category);
        if (Enum.TryParse<Urgency>(urgency, true, out var u)) cards = cards.Where(c => c.Urgency == u);
        return TypedResults.Ok(await cards.OrderByDescending(c => c.Urgency).ThenBy(c => c.ReportedAt).ToListAsync(ct));
    }

    static IResult ToResult(CommandOutcome outcome, Messages messages) => outcome switch
    {
        CommandOutcome.Done { Created: true } d =>
            TypedResults.Created($"/api/incidents/{d.Id}", new { d.Id, d.Number, d.Version }),
        CommandOutcome.Done d => TypedResults.Ok(new { d.Id, d.Number, d.Version }),
        CommandOutcome.Invalid i => Invalid(i.Errors, messages),
        CommandOutcome.NotFound n => NotFound(n.Id),
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

    static IResult Invalid(IReadOnlyList<FieldError> errors, Messages messages) =>
        TypedResults.ValidationProblem(errors
            .GroupBy(e => e.Field)
            .ToDictionary(g => g.Key, g => g.Select(messages.Field).ToArray()));

    static ProblemHttpResult NotFound(Guid id) =>
        TypedResults.Problem(statusCode: 404, title: "Unknown incident", detail: $"There is no incident {id}.");

    /// <summary>
    /// Reads the body ourselves so that a malformed one is a 400 naming the field at fault
    /// (JSON path), not an anonymous binding failure.
    /// </summary>
    static async Task<(T? Body, IResult? Bad)> ReadJson<T>(HttpContext http, CancellationToken ct, bool allowEmpty = false)
        where T : class
    {
        if (http.Request.ContentLength > MaxBody)
            return (null, TypedResults.Problem(statusCode: 413, title: "Too large", detail: $"A request body is at most {MaxBody / 1024} KB."));
        if (allowEmpty && http.Request.ContentLength is null or 0 && !http.Request.Headers.TransferEncoding.Any())
            return (null, null);
        try
        {
            var body = await JsonSerializer.DeserializeAsync<T>(http.Request.Body, JsonSerializerOptions.Web, ct);
            return body is null && !allowEmpty
                ? (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] }))
                : (body, null);
        }
        catch (JsonException ex)
        {
            // A value of the wrong type names its field; broken JSON syntax (the reader's own error) is the body's.
            var brokenSyntax = ex.InnerException?.GetType().Name == "JsonReaderException";
            var field = brokenSyntax || string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [field] = [brokenSyntax ? "The body is not valid JSON." : "This value has the wrong type or format."],
            }));
        }
    }
}

/// <summary>Who is acting. Sign-in arrives with the jurisdiction issue; until then see <see cref="Of"/>.</summary>
public static class Operator
{
    public const string Header = "X-Dispatch-Operator";

    /// <summary>
    /// The signed-in user's name; before sign-in exists, the operator name the console or client declares in
    /// the <see cref="Header"/> header (trimmed, at most 50 characters), else "api".
    /// </summary>
    public static string Of(HttpContext http)
    {
        if (http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }) return name;
        var declared = http.Request.Headers[Header].FirstOrDefault()?.Trim();
        return Clean(declared) ?? "api";
    }

    public static string? Clean(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Any(char.IsControl) ? null : name.Length > 50 ? name[..50] : name.Trim();
}
