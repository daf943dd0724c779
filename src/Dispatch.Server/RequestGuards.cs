using Microsoft.AspNetCore.Http.Metadata;

namespace Dispatch.Server;

/// <summary>
/// Two checks every request passes, whatever endpoint it reaches: commands under <c>/api</c> speak JSON (415
/// otherwise), and browsers may open the hubs and the console's circuit only from an allowed origin (403 otherwise).
/// </summary>
public static class RequestGuards
{
    public const string AllowedOriginsKey = "Dispatch:AllowedOrigins";

    /// <summary>
    /// A POST, PUT, PATCH or DELETE under <c>/api</c> that has a body or a content type must say
    /// <c>application/json</c> (or <c>+json</c>): with the SameSite cookie this is what keeps another site's form from
    /// sending commands. Endpoints that take a form (the photo upload) are left to their own check.
    /// </summary>
    public static WebApplication UseJsonCommands(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            var request = http.Request;
            if (request.Path.StartsWithSegments("/api")
                && (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method))
                && (request.ContentType is not null || request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
                && !request.HasJsonContentType()
                && !TakesForm(http.GetEndpoint()))
            {
                await Results.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Send JSON",
                    detail: $"A command's body is JSON: send Content-Type: application/json (this request said '{request.ContentType}').")
                    .ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    static bool TakesForm(Endpoint? endpoint) =>
        endpoint?.Metadata.GetMetadata<IFormOptionsMetadata>() is not null
        || endpoint?.Metadata.GetMetadata<IAcceptsMetadata>()?.ContentTypes.Any(t => t.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase)) == true;

    /// <summary>
    /// Hub and circuit connections (<c>/hubs/…</c>, <c>/_blazor…</c>) from a browser must come from the request's own
    /// host or one of <c>Dispatch:AllowedOrigins</c> (a list, or one string split on commas or spaces: e.g.
    /// <c>https://wall.city.example</c>): 403 otherwise. Without an <c>Origin</c> header (the drill, scripts, .NET
    /// clients) they are let through: the cookie still decides who they are.
    /// </summary>
    public static WebApplication UseHubOrigins(this WebApplication app)
    {
        var section = app.Configuration.GetSection(AllowedOriginsKey);
        var allowed = (section.Value is { } one ? one.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : section.GetChildren().Select(c => c.Value ?? "").Where(v => v.Length > 0))
            .Select(o => Uri.TryCreate(o, UriKind.Absolute, out var uri) ? uri : null)
            .OfType<Uri>()
            .ToList();
        app.Use(async (http, next) =>
        {
            var path = http.Request.Path;
            if ((path.StartsWithSegments("/hubs") || path.StartsWithSegments("/_blazor"))
                && http.Request.Headers.Origin is { Count: > 0 } origin
                && !Allowed(origin.ToString(), http.Request, allowed))
            {
                app.Logger.LogWarning("Refused a connection to {Path} from origin {Origin}", path, origin.ToString());
                await Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Origin not allowed",
                    detail: $"Connections to {path} are accepted from this server's own pages and from {AllowedOriginsKey}.")
                    .ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }

    static bool Allowed(string origin, HttpRequest request, List<Uri> allowed)
    {
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var from) || from.Scheme is not ("http" or "https")) return false;
        // The same host (and port) the browser addressed: the console's own pages.
        var port = request.Host.Port ?? from.Port;
        if (string.Equals(from.Host, request.Host.Host, StringComparison.OrdinalIgnoreCase) && from.Port == port) return true;
        return allowed.Any(a => string.Equals(a.Scheme, from.Scheme, StringComparison.OrdinalIgnoreCase)
                                && string.Equals(a.Host, from.Host, StringComparison.OrdinalIgnoreCase) && a.Port == from.Port);
    }
}
