using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using System.Text.Json;

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
        var api = app.MapGroup("/api").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/plans", List);
        api.MapGet("/plans/{code}/versions", Versions);
        api.MapPut("/plans/{code}", Revise);
        return app;
    }

    public sealed record VersionView(int Version, string By, DateTimeOffset At, string Changes, JsonElement Plan);

    /// <summary>A plan's stored versions, newest first: who changed what, when (dispatchers, leaders, administrators).</summary>
    static async Task<IResult> Versions(string code, HttpContext http, PlanVersions versions, CommandPipeline pipeline, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader) && !versions.MayEdit(actor))
            return IncidentApi.Forbidden(await pipeline.Deny(actor, null, "plan.versions", "", $"{actor.Login} may not read the plans' versions.", ct: ct));
        var list = PlanVersions.IsCode(code) ? await versions.Versions(code, ct) : [];
        if (list.Count == 0) return UnknownPlan();
        return TypedResults.Ok(list.Select(v => new VersionView(v.Number, v.By, v.At, v.Changes, JsonDocument.Parse(v.Definition).RootElement.Clone())).ToList());
    }

    /// <summary>
    /// <c>PUT /api/plans/{code}</c>, the body one plan in the file's shape: a new version (city-wide administrators).
    /// 400 names every fault, 409 when it was revised since the body's <c>version</c>, 422 when nothing changed.
    /// </summary>
    static async Task<IResult> Revise(string code, HttpContext http, PlanVersions versions, CancellationToken ct)
    {
        if (http.Request.ContentLength > PlanVersions.MaxDefinition)
            return TypedResults.Problem(statusCode: 413, title: "Too large", detail: $"A plan is at most {PlanVersions.MaxDefinition / 1024} KB of JSON.");
        if (!http.Request.HasJsonContentType())
            return TypedResults.Problem(statusCode: 415, title: "Send JSON", detail: "Send the plan as application/json.");
        string json;
        using (var reader = new StreamReader(http.Request.Body))
        {
            var buffer = new char[PlanVersions.MaxDefinition + 1];
            var read = await reader.ReadBlockAsync(buffer, ct);
            json = new string(buffer, 0, read);
        }
        return Answer(await versions.Revise(http.Actor(), Via.Api, code, json, ct));
    }

    /// <summary>The HTTP answer to a revision (the console's page shows the same outcomes).</summary>
    internal static IResult Answer(PlanVersions.Outcome outcome) => outcome switch
    {
        PlanVersions.Outcome.Revised r => TypedResults.Ok(new { r.Plan.Code, r.Plan.Version, r.Changes }),
        PlanVersions.Outcome.Invalid i => TypedResults.ValidationProblem(i.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        PlanVersions.Outcome.Denied d => IncidentApi.Forbidden(d.Denial),
        PlanVersions.Outcome.Conflict c => TypedResults.Problem(statusCode: 409, title: "The plan changed",
            detail: $"You edited version {c.Edited}; version {c.Current} is stored now. Start from it.",
            extensions: new Dictionary<string, object?> { ["code"] = "plan.changed", ["currentVersion"] = c.Current }),
        _ => TypedResults.Problem(statusCode: 422, title: "Refused by the rules", detail: "The plan is the same as its stored version.",
            extensions: new Dictionary<string, object?> { ["code"] = "plan.unchanged" }),
    };

    static IResult UnknownPlan() => TypedResults.Problem(statusCode: 404, title: "Unknown plan", detail: "There is no plan with that code.");

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
