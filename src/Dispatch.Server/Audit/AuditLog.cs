using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Marten;

namespace Dispatch.Server.Audit;

/// <summary>What an audit reader asks for; every part is optional.</summary>
public sealed record AuditFilter(string? User = null, string? Incident = null, DateTimeOffset? From = null, DateTimeOffset? To = null, int Limit = 200);

/// <summary>
/// Reading the audit trail: leaders and administrators, each in their own part of the city (a district leader
/// sees what happened in the district; city-wide readers also see sign-ins). Newest first.
/// </summary>
public sealed class AuditLog(IDocumentStore store)
{
    public const int MaxLimit = 1000;

    public async Task<IReadOnlyList<AuditEntry>> Read(Actor reader, AuditFilter filter, CancellationToken ct = default)
    {
        var scopes = reader.Grants.Where(g => g.Role is Role.Leader or Role.Admin).Select(g => g.Scope).Distinct().ToList();
        if (scopes.Count == 0) return [];
        var limit = Math.Clamp(filter.Limit, 1, MaxLimit);
        await using var query = store.QuerySession();
        var found = new List<AuditEntry>();
        // One query per scope (a reader holds one or two): each a plain prefix test PostgreSQL can use.
        foreach (var scope in scopes)
        {
            var entries = query.Query<AuditEntry>().AsQueryable();
            if (scope.Contains('/'))
            {
                var under = scope + "/";
                entries = entries.Where(e => e.Scope == scope || e.Scope.StartsWith(under));
            }
            if (filter.User is { Length: > 0 } user) entries = entries.Where(e => e.User == user.Trim().ToLowerInvariant());
            if (filter.Incident is { Length: > 0 } incident)
                entries = Guid.TryParse(incident, out var id)
                    ? entries.Where(e => e.IncidentId == id)
                    : entries.Where(e => e.Number == incident.Trim().TrimStart('#'));
            if (filter.From is { } from) entries = entries.Where(e => e.At >= from);
            if (filter.To is { } to) entries = entries.Where(e => e.At < to);
            found.AddRange(await entries.OrderByDescending(e => e.At).Take(limit).ToListAsync(ct));
        }
        return found.DistinctBy(e => e.Id).OrderByDescending(e => e.At).Take(limit).ToList();
    }
}

public static class AuditApi
{
    public static WebApplicationBuilder AddAudit(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditLog>();
        return builder;
    }

    public static IEndpointRouteBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/audit").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy)
            .MapGet("", async (HttpContext http, AuditLog log, string? user, string? incident, DateTimeOffset? from,
                DateTimeOffset? to, int? limit, CancellationToken ct) =>
            {
                var actor = http.Actor();
                if (!AccessRules.MayReadAudit(actor))
                {
                    await AuditTrail.Write(store: http.RequestServices.GetRequiredService<IDocumentStore>(),
                        clock: http.RequestServices.GetRequiredService<TimeProvider>(), actor.Login, "audit.read", "", "denied",
                        allowed: false, ct: ct);
                    return Results.Problem(statusCode: 403, title: "Not allowed", detail: "Only leaders and administrators read the audit trail.");
                }
                return Results.Ok(await log.Read(actor, new AuditFilter(user, incident, from, to, limit ?? 200), ct));
            });
        return app;
    }
}
