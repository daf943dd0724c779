using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Rewind;

/// <summary>
/// <c>GET /api/incidents/{id}/review</c>: the after-action review of one incident as JSON, the same content as the page
/// (<see cref="IncidentReviewReport"/>). 403 for someone who may not open the past or (audited) may not read the incident,
/// 404 for no such incident.
/// </summary>
public static class ReviewApi
{
    public static IEndpointRouteBuilder MapReviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/incidents/{id:guid}/review", Get);
        return app;
    }

    static async Task<IResult> Get(Guid id, HttpContext http, IncidentReview review, CancellationToken ct) =>
        await review.Read(http.Actor(), id, Via.Api, ct: ct) switch
        {
            ReviewRead.Shown shown => TypedResults.Ok(shown.Report),
            ReviewRead.NotAllowed => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
                detail: "Only dispatchers, call-takers, leaders and department handlers may review an incident.",
                extensions: new Dictionary<string, object?> { ["code"] = "review.not-allowed" }),
            ReviewRead.NotFound { Denial: { } denial } => IncidentApi.Forbidden(denial),
            _ => TypedResults.Problem(statusCode: 404, title: "Unknown incident", detail: $"There is no incident {id}."),
        };
}
