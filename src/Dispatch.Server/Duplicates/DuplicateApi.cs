using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Marten;

namespace Dispatch.Server.Duplicates;

/// <summary>
/// Possible duplicates: for an incident already filed, and for a report still being typed at intake. Merging
/// itself is the "merge" command of <see cref="IncidentApi"/> (POST /api/incidents/{id}/merge).
/// </summary>
public static class DuplicateApi
{
    public static IEndpointRouteBuilder MapDuplicateApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/incidents/{id:guid}/duplicates", ForIncident);
        api.MapGet("/duplicates", WhileTyping);
        return app;
    }

    static async Task<IResult> ForIncident(Guid id, HttpContext http, IncidentReaders readers, DuplicateFinder finder, CancellationToken ct)
    {
        var read = await readers.For(http.Actor()).Detail(id, ct: ct);
        return read is IncidentRead.Shown { Detail: var detail }
            ? TypedResults.Ok(await finder.For(http.Actor(), detail, ct))
            : IncidentApi.ReadResult(read, id, _ => Results.Empty);
    }

    /// <summary>GET /api/duplicates?category=&amp;lat=&amp;lon=: what a report being typed may duplicate, as of now.</summary>
    static async Task<IResult> WhileTyping(string? category, double? lat, double? lon, HttpContext http, CityCatalog city,
        DuplicateFinder finder, TimeProvider clock, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!AccessRules.GrantsFor(actor, IncidentAction.Report).Any())
            return Forbidden(new Denial("access.denied", "Only call-takers and dispatchers look for possible duplicates of a report."));
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(category) || !city.CategoryCodes.Contains(category.Trim()))
            errors["category"] = ["Give the category code of the report."];
        if (lat is not { } la || double.IsNaN(la) || la is < -90 or > 90)
            errors["lat"] = ["Latitude must be between -90 and 90."];
        if (lon is not { } lo || double.IsNaN(lo) || lo is < -180 or > 180)
            errors["lon"] = ["Longitude must be between -180 and 180."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        return TypedResults.Ok(await finder.Find(actor, category!.Trim(), new GeoPoint(lat!.Value, lon!.Value), clock.GetUtcNow(), ct: ct));
    }

    static IResult Forbidden(Denial denial) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed", detail: denial.Message,
            extensions: new Dictionary<string, object?> { ["code"] = denial.Code });
}
