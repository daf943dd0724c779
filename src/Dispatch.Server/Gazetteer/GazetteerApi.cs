using Dispatch.Domain;
using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Gazetteer;

/// <summary>
/// <c>GET /api/gazetteer?q=人民路128[&amp;limit=8]</c>: the places a typed address may mean, best first, each with the text
/// for the address field, its town and district and its coordinates (docs/gazetteer.md). For those who take reports
/// (call-takers and dispatchers): any desk takes a report wherever it lies, so the whole city's places, not only the
/// desk's jurisdiction. Others get 403.
/// </summary>
public static class GazetteerApi
{
    public static IEndpointRouteBuilder MapGazetteerApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/gazetteer").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy)
            .MapGet("", Search);
        return app;
    }

    static IResult Search(string? q, int? limit, HttpContext http, GazetteerIndex gazetteer)
    {
        if (!AccessRules.MayTakeReports(http.Actor()))
            return IncidentApi.Forbidden(new Denial("access.denied", "Only call-takers and dispatchers look up addresses."));
        if (string.IsNullOrWhiteSpace(q) || q.Length > GazetteerIndex.MaxQuery || FreeText.Problem(q) is not null)
            return Bad("q", $"Give the address to look up: 1 to {GazetteerIndex.MaxQuery} characters of plain text.");
        if (limit is < 1 or > GazetteerIndex.MaxLimit)
            return Bad("limit", $"The limit is 1 to {GazetteerIndex.MaxLimit}.");
        return TypedResults.Ok(gazetteer.Search(q, limit ?? GazetteerIndex.DefaultLimit).Select(m => new
        {
            m.Name, Kind = m.Kind.ToString().ToLowerInvariant(), m.Number, m.Label, m.Address,
            m.Town, m.TownName, m.DistrictName, m.At.Lat, m.At.Lon,
        }));
    }

    static IResult Bad(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}

public static class GazetteerSetup
{
    /// <summary>Where the demo city's gazetteer ships, under the content root.</summary>
    public const string DemoFile = "Demo/gazetteer.json";

    /// <summary>
    /// The gazetteer, loaded (and so checked against the jurisdiction tree) at start-up: the file named by
    /// <c>Dispatch:Gazetteer:File</c>; else, for the demo city (no <c>Dispatch:Jurisdictions:File</c>), the demo's own; else
    /// none — a real city has no gazetteer until it names its file, and the address field then proposes nothing.
    /// </summary>
    public static WebApplicationBuilder AddGazetteer(this WebApplicationBuilder builder)
    {
        var configured = builder.Configuration["Dispatch:Gazetteer:File"];
        var demo = string.IsNullOrWhiteSpace(builder.Configuration["Dispatch:Jurisdictions:File"]);
        var file = !string.IsNullOrWhiteSpace(configured) ? configured
            : demo ? Path.Combine(builder.Environment.ContentRootPath, DemoFile)
            : null;
        builder.Services.AddSingleton(sp => file is null
            ? GazetteerIndex.Empty
            : GazetteerFile.Load(file, sp.GetRequiredService<Jurisdictions.JurisdictionTree>()));
        builder.Services.AddHostedService<LoadedAtStart>();
        return builder;
    }

    /// <summary>Asks for the gazetteer as the host starts, so a bad file stops start-up rather than the first lookup.</summary>
    sealed class LoadedAtStart(GazetteerIndex gazetteer, ILogger<GazetteerIndex> log) : IHostedService
    {
        public Task StartAsync(CancellationToken ct)
        {
            log.LogInformation("Gazetteer: {Count} places", gazetteer.Places.Count);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
    }
}
