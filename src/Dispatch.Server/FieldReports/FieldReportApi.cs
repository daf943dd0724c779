using System.Text.Json;
using Dispatch.Contracts;
using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.FieldReports;

/// <summary>
/// The HTTP way for a device without the unit hub: <c>POST /api/field/reports</c> (a <see cref="FieldReport"/>) and
/// <c>GET /api/field/reports</c> (the reports this sign-in filed). The same write path and reading as the hub's
/// <see cref="UnitHub.Report"/> and <see cref="UnitHub.MyReports"/>; both for a field unit's own sign-in only (403, audited).
/// </summary>
public static class FieldReportApi
{
    const long MaxBody = 64 * 1024;

    public static IEndpointRouteBuilder MapFieldReportApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/field/reports").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapPost("", Report);
        api.MapGet("", Mine);
        return app;
    }

    static async Task<IResult> Report(HttpContext http, IncidentService incidents, Messages messages, CancellationToken ct)
    {
        if (http.Request.ContentLength > MaxBody)
            return TypedResults.Problem(statusCode: 413, title: "Too large", detail: $"A field report is at most {MaxBody / 1024} KB.");
        if (!http.Request.HasJsonContentType())
            return TypedResults.Problem(statusCode: 415, title: "Send JSON", detail: "Send the body as application/json.");
        FieldReportRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<FieldReportRequest>(http.Request.Body, BadInput.Json(http), ct);
        }
        catch (JsonException ex)
        {
            var (field, message) = BadInput.Explain(ex);
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
        }
        if (body is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a JSON object."] });
        return IncidentApi.ToResult(await incidents.Report(body.ToReport(), http.Actor(), Via.Api, ct), messages);
    }

    static async Task<IResult> Mine(HttpContext http, IQuerySession query, CommandPipeline pipeline, CancellationToken ct)
    {
        var actor = http.Actor();
        if (await FiledReports.Mine(query, actor, ct) is { } mine) return TypedResults.Ok(mine);
        var denial = await pipeline.Deny(actor, Via.Api, "field.reports", "", $"{actor.Login} is not a field unit's sign-in: it files no field reports.", ct: ct);
        return IncidentApi.Forbidden(denial);
    }
}

/// <summary>
/// The HTTP body of a field report: the fields of <see cref="FieldReport"/>, each optional so that a missing one is named
/// by the rules (a missing id, time or position), not an unreadable body.
/// </summary>
public sealed record FieldReportRequest(
    Guid? Id, DateTimeOffset? OccurredAt, string? Category, string? Description, double? Latitude, double? Longitude,
    double? Accuracy = null, bool? FixedOnSpot = null, string? Fix = null)
{
    public FieldReport ToReport() => new(Id ?? Guid.Empty, OccurredAt ?? default, Category ?? "", Description ?? "",
        Latitude ?? double.NaN, Longitude ?? double.NaN, Accuracy, FixedOnSpot ?? false, Fix);
}

/// <summary>The reports a field unit filed ("my reports"), newest first, each where it is in the loop now.</summary>
public static class FiledReports
{
    /// <summary>How many the list shows: a shift's worth and more.</summary>
    public const int Limit = 200;

    /// <summary>The reports <paramref name="actor"/> filed; null when the actor is not a field unit's own sign-in.</summary>
    public static async Task<IReadOnlyList<FiledReport>?> Mine(IQuerySession query, Actor actor, CancellationToken ct = default)
    {
        if (!actor.Has(Role.FieldUnit) || await query.SignedInAs(actor.Login, ct) is null) return null;
        // Only their own: the finder's sign-in is the filter, nothing the device sends.
        var details = await query.Query<IncidentDetail>().Where(d => d.FoundBy == actor.Login)
            .OrderByDescending(d => d.ReportedAt).Take(Limit).ToListAsync(ct);
        return [.. details.Select(d => new FiledReport(d.Id, d.Number, d.Category, d.Description, d.State.ToString(),
            d.OccurredAt ?? d.ReportedAt, d.Timeline.Count > 0 ? d.Timeline[^1].At : d.ReportedAt, d.FixedOnSpot))];
    }
}
