using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Plans;

/// <summary>
/// The plan library as dispatchers and leaders read it: <c>GET /api/plans</c>, and with <c>?incident={id}</c> the plans
/// that apply to that incident (what the console proposes), gravest first. Activating one is the incident action
/// <c>activate-plan</c> (<c>POST /api/incidents/{id}/activate-plan</c> with <c>{ plan, reason }</c>).
/// </summary>
public static class PlanApi
{
    public sealed record PlanTaskView(string Code, string What, string? Department, string? Capability, TimeSpan Within);

    public sealed record PlanView(
        string Code, int Version, string Name, string ResponseLevel, string Numeral, string CommandLevel, string Lead,
        IReadOnlyList<string> Assisting, IReadOnlyList<string> Categories, int MinUrgency, IReadOnlyList<string> Keywords,
        IReadOnlyList<string> Areas, IReadOnlyList<PlanTaskView> Tasks, bool HasWarning)
    {
        public static PlanView Of(ContingencyPlan p) => new(p.Code, p.Version, p.Name, p.Level.ToString(), p.Level.Numeral(),
            p.CommandLevel.ToString().ToLowerInvariant(), p.Lead, p.Assisting, p.When.Categories, (int)p.When.MinUrgency, p.When.Keywords,
            p.When.Areas, [.. p.Tasks.Select(t => new PlanTaskView(t.Code, t.What, t.Department, t.Capability, t.Within))], p.Warning is not null);
    }

    public static IEndpointRouteBuilder MapPlanApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy).MapGet("/plans", List);
        return app;
    }

    static async Task<IResult> List(Guid? incident, HttpContext http, PlanLibrary library, IncidentReaders readers, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not allowed",
                detail: "Only dispatchers and leaders use contingency plans.", extensions: new Dictionary<string, object?> { ["code"] = "access.denied" });
        if (incident is not { } id) return TypedResults.Ok(library.Plans.Select(PlanView.Of).ToList());
        var read = await readers.For(actor).Detail(id, ct: ct);
        return read is IncidentRead.Shown { Detail: var d }
            ? TypedResults.Ok(library.Matching(d.Category, d.Urgency, d.Description, d.Scope().Path).Select(PlanView.Of).ToList())
            : IncidentApi.ReadResult(read, id, _ => Results.Empty);
    }
}
