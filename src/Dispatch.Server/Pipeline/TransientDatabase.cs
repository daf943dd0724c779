using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Dispatch.Server.Pipeline;

/// <summary>
/// A failure that says the database connection went away, not that the command was wrong: the server shutting down or
/// restarting (57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), a connection failure (class 08), or
/// what Npgsql itself calls transient (a broken stream). Looked for anywhere in the chain of inner exceptions, since
/// Marten wraps what Npgsql throws. A failure that says the server is busy (<see cref="IsBusy"/>) is not one of these:
/// deciding again on a new connection, or clearing the pool, would only add to the load.
/// </summary>
public static class TransientDatabase
{
    /// <summary>How long a client is told to wait before trying again (<c>Retry-After</c>, seconds).</summary>
    public const int RetryAfterSeconds = 2;

    const string PoolExhausted = "The connection pool has been exhausted";

    public static bool Is(Exception? ex)
    {
        if (IsBusy(ex)) return false;
        foreach (var e in Chain(ex))
        {
            if (e is PostgresException pg)
                return pg.IsTransient || pg.SqlState is "57P01" or "57P02" or "57P03" || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
            if (e is NpgsqlException { IsTransient: true }) return true;
        }
        return false;
    }

    /// <summary>
    /// The database side is past its capacity, not gone: no connection came from the pool within its time-out (Npgsql's
    /// "connection pool has been exhausted", with no inner exception, so not transient by Npgsql's own reckoning), a command
    /// timed out (a <see cref="TimeoutException"/> under an <see cref="NpgsqlException"/>, or 57014 from a statement time-out), or PostgreSQL has no room for
    /// another client (53300). Answered like a refused command: 503 + <c>Retry-After</c>.
    /// </summary>
    public static bool IsBusy(Exception? ex)
    {
        var fromNpgsql = false;
        foreach (var e in Chain(ex))
        {
            if (e is PostgresException pg) return pg.SqlState is "53300" or "57014";
            if (e is NpgsqlException && e.Message.StartsWith(PoolExhausted, StringComparison.Ordinal)) return true;
            fromNpgsql |= e is NpgsqlException;
            if (e is TimeoutException && fromNpgsql) return true;
        }
        return false;
    }

    /// <summary>The exception and its inner ones, depth first (every branch of an <see cref="AggregateException"/>).</summary>
    internal static IEnumerable<Exception> Chain(Exception? ex)
    {
        if (ex is null) yield break;
        yield return ex;
        if (ex is AggregateException aggregate)
            foreach (var e in aggregate.InnerExceptions.SelectMany(Chain)) yield return e;
        else
            foreach (var e in Chain(ex.InnerException)) yield return e;
    }
}

/// <summary>
/// A transient database failure that reached the top (it happened again on the pipeline's retry, or outside the pipeline),
/// a command the admission gate refused, or a database past its capacity (the pool ran dry, a time-out), on any route,
/// reads included: 503 with <c>Retry-After</c> as problem details (<c>code</c>: database.unavailable or overloaded), never a 500.
/// </summary>
public sealed class TransientDatabaseHandler(IProblemDetailsService problems, ILogger<TransientDatabaseHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        string title, detail, code;
        int retryAfter;
        if (OverloadedException.RetryAfterOf(exception) is { } seconds)
        {
            // Refused at the gate: expected past the ceiling, thousands a second, counted in the metrics (dispatch.commands.shed);
            // a line each would only add to the load. A pool run dry or a time-out is worth a warning.
            if (exception is OverloadedException)
                log.LogDebug("Overloaded: answered 503 to {Method} {Path}", http.Request.Method, http.Request.Path);
            else
                log.LogWarning("The database is over its capacity: answered 503 to {Method} {Path} ({Reason})", http.Request.Method, http.Request.Path, exception.Message);
            (title, code, retryAfter) = ("Overloaded", OverloadedException.Code, seconds);
            detail = $"The centre is busy; this request changed nothing. Try again in {seconds} s.";
        }
        else if (TransientDatabase.Is(exception))
        {
            log.LogWarning(exception, "The database was unavailable for {Method} {Path}: answered 503", http.Request.Method, http.Request.Path);
            (title, code, retryAfter) = ("Database unavailable", "database.unavailable", TransientDatabase.RetryAfterSeconds);
            detail = "The database connection was lost; nothing was changed by this request's failed attempt. Try again shortly.";
        }
        else return false;
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = detail,
                Extensions = { ["code"] = code, ["retryAfter"] = retryAfter },
            },
        });
    }
}
