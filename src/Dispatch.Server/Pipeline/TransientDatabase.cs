using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Dispatch.Server.Pipeline;

/// <summary>
/// A failure that says the database connection went away, not that the command was wrong: the server shutting down or
/// restarting (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), a connection failure (class 08), or
/// what Npgsql itself calls transient (a broken stream, a timeout while connecting). Looked for anywhere in the chain of
/// inner exceptions, since Marten wraps what Npgsql throws.
/// </summary>
public static class TransientDatabase
{
    /// <summary>How long a client is told to wait before trying again (<c>Retry-After</c>, seconds).</summary>
    public const int RetryAfterSeconds = 2;

    public static bool Is(Exception? ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is PostgresException pg)
                return pg.IsTransient || pg.SqlState is "57P01" or "57P02" or "57P03" || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
            if (e is NpgsqlException { IsTransient: true }) return true;
        }
        return false;
    }
}

/// <summary>
/// A transient database failure that reached the top (it happened again on the pipeline's retry, or outside the pipeline):
/// 503 with <c>Retry-After</c> as problem details, never a 500.
/// </summary>
public sealed class TransientDatabaseHandler(IProblemDetailsService problems, ILogger<TransientDatabaseHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!TransientDatabase.Is(exception)) return false;
        log.LogWarning(exception, "The database was unavailable for {Method} {Path}: answered 503", http.Request.Method, http.Request.Path);
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = TransientDatabase.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Database unavailable",
                Detail = "The database connection was lost; nothing was changed by this request's failed attempt. Try again shortly.",
                Extensions = { ["code"] = "database.unavailable" },
            },
        });
    }
}
