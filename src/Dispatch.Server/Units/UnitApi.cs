using System.Text.Json;
using Dispatch.Domain.Units;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Dispatch.Server.Units.Positions;
using Marten;

using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Units;

/// <summary>
/// Units over the JSON API: register, the roster in the caller's scope, and status and position commands. A refused
/// move is 422 with the rule's code and a message naming the unit and its status (a double booking names the
/// incident the unit is already on); outside the caller's jurisdiction it is 403.
/// </summary>
public static class UnitApi
{
    public sealed record RegisterRequest(string? CallSign, string? Department, string? Jurisdiction, List<string>? Capabilities, List<string>? Members,
        string? Login = null, string? Password = null);

    public sealed record MessageRequest(string? Text);

    const int MaxCommandBody = 64 * 1024;

    public sealed record UnitCommandRequest(Guid? IncidentId = null, double? Lat = null, double? Lon = null, double? Accuracy = null,
        DateTimeOffset? ReportedAt = null);

    public static WebApplicationBuilder AddUnits(this WebApplicationBuilder builder)
    {
        // Read (and so checked) now: a bad timer setting stops the server before it listens, naming the key.
        builder.Services.AddSingleton(UnitTimerSettings.From(builder.Configuration));
        builder.Services.AddSingleton<UnitTimerCheck>();
        builder.Services.AddSingleton<UnitService>();
        builder.Services.AddSingleton<UnitMailbox>();
        builder.Services.AddSingleton<UnitFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<UnitFeed>());
        builder.Services.AddSingleton<UnitRecommendations>();
        builder.AddPositions();
        return builder;
    }

    public static IEndpointRouteBuilder MapUnitApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/units").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("", Roster);
        api.MapPost("", Register);
        api.MapPost("/{id:guid}/messages", Message);
        api.MapGet("/{id:guid}/track", TrackApi.Get);
        api.MapPost("/{id:guid}/{action}", Command);
        app.MapGroup("/api/incidents").DisableAntiforgery().RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy)
            .MapGet("/{id:guid}/units", Recommend);
        app.MapHub<UnitHub>(UnitHub.Path);
        return app;
    }

    /// <summary>The units the caller may see; with <c>asOf</c>, as they stood then (<see cref="Rewind.PastApi"/>).</summary>
    static async Task<IResult> Roster(HttpContext http, IQuerySession query, UnitPositions positions, string? asOf, CancellationToken ct)
    {
        var actor = http.Actor();
        if (asOf is null) return Results.Ok(await UnitRosterQuery.InScope(query, actor, positions, ct));
        var (moment, refusal) = await Rewind.PastApi.Open(http, asOf, ct);
        return refusal ?? Results.Ok(await http.RequestServices.GetRequiredService<Rewind.PastViews>().UnitsAt(actor, moment, ct));
    }

    /// <summary>
    /// Units to send to an incident: available ones with the capability, nearest first, each with why; the rest apart
    /// with why not (busy, off duty, no such capability, position older than the cut-off).
    /// </summary>
    static async Task<IResult> Recommend(Guid id, string? capability, int? staleMinutes, HttpContext http, UnitRecommendations recommendations,
        CancellationToken ct)
    {
        if (staleMinutes is < 0)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["staleMinutes"] = ["Give the stale cut-off in minutes, zero or more."] });
        var stale = staleMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : (TimeSpan?)null;
        return await recommendations.For(http.Actor(), id, capability, stale, ct) switch
        {
            RecommendationResult.NotFound => Results.Problem(statusCode: 404, title: "Unknown incident", detail: $"There is no incident {id}."),
            RecommendationResult.Forbidden => Results.Problem(statusCode: 403, title: "Not allowed", detail: "This incident lies outside your jurisdiction."),
            RecommendationResult.NoLocation n => Results.Problem(statusCode: 422, title: "No location",
                detail: $"Incident {n.Card.Number} has no coordinates yet: locate it first.",
                extensions: new Dictionary<string, object?> { ["code"] = "recommend.no-location" }),
            RecommendationResult.Ranked { Recommendation: var recommendation } => Results.Ok(new
            {
                Proposed = recommendation.Proposed.Select(p => new
                {
                    p.Unit.Id, p.Unit.CallSign, p.Unit.Status, DistanceMeters = Math.Round(p.DistanceMeters),
                    PositionAgeSeconds = (long)p.PositionAge.TotalSeconds, p.Reason,
                }),
                LeftOut = recommendation.LeftOut.Select(l => new { l.Unit.Id, l.Unit.CallSign, l.Unit.Status, l.Kind, l.Reason }),
            }),
            var other => throw new ArgumentOutOfRangeException(nameof(other), other.GetType().Name),
        };
    }

    static async Task<IResult> Register(HttpContext http, RegisterRequest body, UnitService units, JurisdictionTree tree, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Jurisdiction) || tree.Find(body.Jurisdiction.Trim()) is not { } node)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["jurisdiction"] = [$"Unknown jurisdiction '{body.Jurisdiction}'."] });
        if (body.Password is not null && string.IsNullOrWhiteSpace(body.Login))
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["login"] = ["Give the login the unit signs in with, or leave out the password."] });
        var outcome = await units.Register(http.Actor(), new RegisterUnit(Guid.CreateVersion7(), body.CallSign?.Trim() ?? "",
            body.Department?.Trim() ?? "", node.Path, body.Capabilities ?? [], body.Members ?? [], "",
            string.IsNullOrWhiteSpace(body.Login) ? null : body.Login.Trim().ToLowerInvariant()), body.Password, Via.Api, ct);
        return ToResult(outcome, http);
    }

    static async Task<IResult> Command(Guid id, string action, HttpContext http, UnitService units, IQuerySession query, CancellationToken ct)
    {
        UnitCommandRequest body;
        try
        {
            // Empty means no Content-Length and no chunked body (a client streaming JSON sends no length).
            if (http.Request.ContentLength is null or 0 && !http.Request.Headers.TransferEncoding.Any())
                body = new UnitCommandRequest();
            else
            {
                // Read whole (a command body is small) so that invalid UTF-8 is refused: the JSON reader skips a field
                // the command does not read without decoding it, and would run the command on a body that is no JSON.
                if (http.Request.ContentLength > MaxCommandBody)
                    return Results.Problem(statusCode: 413, title: "Too large", detail: $"A unit command's body is at most {MaxCommandBody / 1024} KB.");
                using var buffer = new MemoryStream();
                await http.Request.Body.CopyToAsync(buffer, ct);
                var bytes = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
                if (buffer.Length > MaxCommandBody || !System.Text.Unicode.Utf8.IsValid(bytes.Span))
                    return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body is not valid JSON of the right shape."] });
                body = JsonSerializer.Deserialize<UnitCommandRequest>(bytes.Span, JsonSerializerOptions.Web) ?? new();
            }
        }
        catch (JsonException)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body is not valid JSON of the right shape."] });
        }
        UnitCommand? command = action switch
        {
            "on-duty" => new GoOnDuty(""),
            "off-duty" => new GoOffDuty(""),
            "en-route" => new ReportEnRoute(""),
            "accept-and-go" => new AcceptAndGo(""),
            "on-scene" => new ReportOnScene(""),
            "returning" => new StartReturning(""),
            "release" => new ReleaseUnit("", body.IncidentId),
            "position" => new ReportPosition(body.Lat ?? double.NaN, body.Lon ?? double.NaN, body.Accuracy ?? 0,
                body.ReportedAt ?? http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow(), ""),
            "dispatch" when body.IncidentId is { } incidentId && incidentId != Guid.Empty => new DispatchUnit(incidentId, "", ""),
            _ => null,
        };
        if (command is null)
            return action == "dispatch"
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["incidentId"] = ["Name an existing incident to send the unit to."] })
                : Results.Problem(statusCode: 404, title: "Unknown action", detail: $"Unknown unit action '{action}'.");
        return ToResult(await units.Handle(http.Actor(), id, command, Via.Api, ct), http);
    }

    /// <summary>Words from a dispatcher to a unit: kept and pushed like an assignment.</summary>
    static async Task<IResult> Message(Guid id, MessageRequest body, HttpContext http, UnitService units, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.Text) || body.Text.Length > UnitService.MaxMessageLength)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [$"Write a message of 1 to {UnitService.MaxMessageLength} characters."] });
        return ToResult(await units.Message(http.Actor(), id, body.Text.Trim(), Via.Api, ct), http);
    }

    static IResult ToResult(UnitOutcome outcome, HttpContext http) => outcome switch
    {
        UnitOutcome.Done d => Results.Ok(new { d.Id, d.Version }),
        UnitOutcome.NotFound n => Results.Problem(statusCode: 404, title: "Unknown unit", detail: $"There is no unit {n.Id}."),
        UnitOutcome.Invalid i => Results.ValidationProblem(i.Errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray())),
        UnitOutcome.Forbidden f => Results.Problem(statusCode: 403, title: "Not allowed", detail: f.Denial.Message,
            extensions: new Dictionary<string, object?> { ["code"] = f.Denial.Code }),
        // Past what the node can write (or the database did not take it): nothing was kept; try again shortly.
        UnitOutcome.Unavailable u => RetryLater(http, u),
        UnitOutcome.Refused r => Results.Problem(statusCode: 422, title: "Refused by the rules",
            detail: http.RequestServices.GetRequiredService<Messages>().Refusal(r.Refusal),
            extensions: new Dictionary<string, object?> { ["code"] = r.Refusal.Code }),
        _ => throw new ArgumentOutOfRangeException(nameof(outcome)),
    };

    static IResult RetryLater(HttpContext http, UnitOutcome.Unavailable u)
    {
        http.Response.Headers.RetryAfter = "1";
        return Results.Problem(statusCode: 503, title: "Busy", detail: u.Message, extensions: new Dictionary<string, object?> { ["code"] = u.Code });
    }
}
