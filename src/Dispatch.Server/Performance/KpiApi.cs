using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.City;
using Dispatch.Server.Identity;
using Dispatch.Server.Localization;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Performance;

/// <summary>
/// The performance review (考核问效): the KPI projection, its reader and its two endpoints.
/// <c>GET /api/kpis?from=&amp;to=&amp;by=&amp;daily=</c> answers rows as JSON; <c>GET /api/kpis.csv</c> with the same
/// query answers the same rows as a spreadsheet. Leaders and administrators only.
/// </summary>
public static class KpiApi
{
    public static WebApplicationBuilder AddPerformance(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<KpiReport>();
        // The projection needs the city's time zone for its days, so it is added once the catalog can be resolved.
        builder.Services.ConfigureMarten((services, opts) =>
        {
            opts.Projections.Add(new KpiProjection(services.GetRequiredService<CityCatalog>().TimeZone), ProjectionLifecycle.Async,
                KpiProjection.Name, async =>
                {
                    // A rebuild starts from empty rows and empty incident memories, or it would count twice.
                    async.DeleteViewTypeOnTeardown<KpiDay>();
                    async.DeleteViewTypeOnTeardown<KpiIncident>();
                });
            opts.Schema.For<KpiDay>().Index(r => r.DayNumber).Index(r => r.Path);
            opts.Schema.For<KpiIncident>();
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapPerformance(this IEndpointRouteBuilder app)
    {
        var kpis = app.MapGroup("/api").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        kpis.MapGet("/kpis", async (HttpContext http, KpiReport report, IStringLocalizer<Ui> text, string? from, string? to,
            string? by, bool? daily, CancellationToken ct) =>
        {
            var (_, rows, problem) = await Read(http, report, text, from, to, by, daily, ct);
            return problem ?? Results.Ok(rows);
        });
        kpis.MapGet("/kpis.csv", async (HttpContext http, KpiReport report, IStringLocalizer<Ui> text, string? from, string? to,
            string? by, bool? daily, CancellationToken ct) =>
        {
            var (query, rows, problem) = await Read(http, report, text, from, to, by, daily, ct);
            if (problem is not null || query is null) return problem ?? Results.BadRequest();
            var name = string.Create(CultureInfo.InvariantCulture,
                $"kpis-{query.By.ToString().ToLowerInvariant()}-{query.From:yyyy-MM-dd}-{query.To:yyyy-MM-dd}.csv");
            return Results.File(KpiCsv.Write(rows, query.Daily, text), "text/csv; charset=utf-8", name);
        });
        return app;
    }

    static async Task<(KpiQuery? Query, IReadOnlyList<KpiRow> Rows, IResult? Problem)> Read(HttpContext http, KpiReport report, IStringLocalizer<Ui> text,
        string? from, string? to, string? by, bool? daily, CancellationToken ct)
    {
        var actor = http.Actor();
        if (!AccessRules.MayReadKpis(actor))
        {
            // Like the audit trail: the attempt is itself on the trail.
            await AuditTrail.Write(http.RequestServices.GetRequiredService<IDocumentStore>(), http.RequestServices.GetRequiredService<TimeProvider>(),
                actor.Login, "kpis.read", "", "denied", allowed: false, ct: ct);
            return (null, [], Results.Problem(statusCode: 403, title: "Not allowed",
                detail: "Only leaders and administrators read the performance review."));
        }
        var (query, errors) = KpiQuery.Parse(from, to, by, daily ?? false, report.Today);
        if (query is null)
            return (null, [], Results.ValidationProblem(errors.GroupBy(e => e.Field)
                .ToDictionary(g => g.Key, g => g.Select(e => Message(e, text)).ToArray())));
        return (query, await report.Read(actor, query, CultureInfo.CurrentUICulture, ct), null);
    }

    /// <summary>A field error in the reader's language (the page uses the same keys).</summary>
    public static string Message(FieldError error, IStringLocalizer<Ui> text) =>
        text[$"kpi.field.{error.Code}", KpiQuery.MaxDays] is { ResourceNotFound: false } localized ? localized.Value : error.Message;
}
