namespace Dispatch.Server;

/// <summary>
/// Response headers every page and API answer carries: no framing (clickjacking), no content sniffing, no
/// referrer leaking incident ids, and a content security policy that allows only our own scripts and the
/// Blazor circuit's WebSocket. MudBlazor sets inline styles, hence style-src 'unsafe-inline'; no inline scripts.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>
    /// Antiforgery would add its own X-Frame-Options (SAMEORIGIN) beside our DENY: one is enough. No <c>Server</c> header:
    /// it tells only an attacker what runs here.
    /// </summary>
    public static WebApplicationBuilder AddSecurityHeaders(this WebApplicationBuilder builder)
    {
        builder.Services.AddAntiforgery(o => o.SuppressXFrameOptionsHeader = true);
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        return builder;
    }

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        // A configured tile server (Dispatch:Map:TileUrl) is the one other place images may come from.
        var policy = app.Services.GetService<Map.MapSettings>()?.TileOrigin is { } tiles
            ? ContentSecurityPolicy.Replace("img-src 'self' data:;", $"img-src 'self' data: {tiles};")
            : ContentSecurityPolicy;
        // Set as the answer starts, not before the rest runs: the exception handler clears the headers of a failed
        // request before it writes its problem, and an error answer needs them as much as any other.
        app.Use((context, next) =>
        {
            context.Response.OnStarting(static state =>
            {
                var (response, policy) = ((HttpResponse, string))state;
                var headers = response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                headers.ContentSecurityPolicy = policy;
                return Task.CompletedTask;
            }, (context.Response, policy));
            return next(context);
        });
        return app;
    }
}
