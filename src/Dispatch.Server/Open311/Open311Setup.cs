using System.Threading.RateLimiting;
using Dispatch.Server.Incidents;
using Marten;
using Microsoft.AspNetCore.RateLimiting;

namespace Dispatch.Server.Open311;

/// <summary>The <c>Dispatch:Open311</c> settings (docs/configuration.md, "Open311").</summary>
public sealed class Open311Options
{
    public const string Section = "Dispatch:Open311";

    /// <summary>How long after the resolution the citizen's one-time rating link works.</summary>
    public TimeSpan RatingLinkLifetime { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// The address citizens reach this server at (<c>https://12345.city.example</c>), for the status links in answers;
    /// unset, the request's own scheme and host (after the trusted proxies' forwarded headers).
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>Requests a minute from one address to /open311, /status and /rate (each page and call counts one).</summary>
    public int RequestsPerMinute { get; set; } = 60;
}

/// <summary>
/// Citizens online through Open311 GeoReport v2 (<see cref="GeoReport"/>): the client keys an administrator issues
/// (<see cref="Open311Clients"/>), the case each report opens (<see cref="CitizenCases"/>) and its public status and rating
/// pages (<see cref="StatusPages"/>).
/// </summary>
public static class Open311Setup
{
    public const string RatePolicy = "open311";

    public static WebApplicationBuilder AddOpen311(this WebApplicationBuilder builder)
    {
        builder.Services.Configure<Open311Options>(builder.Configuration.GetSection(Open311Options.Section));
        builder.Services.AddSingleton<Open311Clients>();
        builder.Services.AddSingleton<CitizenCases>();
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Schema.For<Open311Client>();
            opts.Schema.For<Open311Case>().UniqueIndex(c => c.StatusTokenHash).UniqueIndex(c => c.RatingTokenHash);
            // GET requests looks requests up by number (by requested time too: the situation screen indexes that already).
            opts.Schema.For<IncidentCard>().Index(c => c.Number);
        });
        var perMinute = Math.Max(1, builder.Configuration.GetValue($"{Open311Options.Section}:RequestsPerMinute", 60));
        builder.Services.Configure<RateLimiterOptions>(o =>
        {
            // Anonymous callers: per address, like sign-in.
            o.AddPolicy(RatePolicy, http => RateLimitPartition.GetTokenBucketLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = perMinute, TokensPerPeriod = perMinute, ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                    QueueLimit = 0, AutoReplenishment = true,
                }));
            // An Open311 client reads errors in the specification's format, also this one.
            var other = o.OnRejected;
            o.OnRejected = async (context, ct) =>
            {
                if (!context.HttpContext.Request.Path.StartsWithSegments(GeoReport.Root))
                {
                    if (other is not null) await other(context, ct);
                    return;
                }
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString();
                await GeoReportFormat.Errors(GeoReportFormat.Of(context.HttpContext.Request.Path), StatusCodes.Status429TooManyRequests,
                    [new(null, "Too many requests from this address: retry after the time given.")]).ExecuteAsync(context.HttpContext);
            };
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapOpen311(this IEndpointRouteBuilder app)
    {
        GeoReport.Map(app);
        Open311Clients.Map(app);
        StatusPages.Map(app);
        return app;
    }
}
