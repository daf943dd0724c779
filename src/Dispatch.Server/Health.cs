using System.Text.Json;
using Dispatch.Server.Live;
using Dispatch.Server.Storage;
using Dispatch.Server.Units.Positions;
using JasperFx.Events.Daemon;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace Dispatch.Server;

/// <summary>
/// What a load balancer asks a node. <c>/health/live</c>: the process answers (no dependency is checked, so a database
/// outage does not get every node restarted). <c>/health/ready</c>: the node can serve — the database answers, its schema is
/// in place, the change listeners hear other nodes — 200, or 503 when not. The projection daemon's state is reported too:
/// this node's role, and whether the async projections (the KPIs) keep up; a stalled daemon is Degraded, still 200, since
/// every command and board still works on this node. Both answer anyone, with check names and statuses only.
/// </summary>
public static class Health
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>How long the database may take to answer a readiness check.</summary>
    static readonly TimeSpan DatabaseTimeout = TimeSpan.FromSeconds(2);

    public static WebApplicationBuilder AddHealth(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DaemonCheck>();
        builder.Services.AddHealthChecks()
            .AddCheck<DatabaseCheck>("database", timeout: DatabaseTimeout)
            .AddCheck<SchemaCheck>("schema", timeout: DatabaseTimeout)
            .AddCheck<ListenerCheck>("listeners")
            .AddCheck<DaemonCheck>("daemon", timeout: DatabaseTimeout);
        return builder;
    }

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = Write }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions { ResponseWriter = Write }).AllowAnonymous();
        return app;
    }

    /// <summary>The overall status and each check's status and our own short description: never an exception's text.</summary>
    static Task Write(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        return http.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        }));
    }

    static async Task<T?> Scalar<T>(NpgsqlDataSource db, string sql, CancellationToken ct)
    {
        await using var command = db.CreateCommand(sql);
        return (T?)await command.ExecuteScalarAsync(ct);
    }

    sealed class DatabaseCheck(NpgsqlDataSource db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            try { return await Scalar<int>(db, "select 1", ct) == 1 ? HealthCheckResult.Healthy("reachable") : HealthCheckResult.Unhealthy("odd answer"); }
            catch (Exception e) { return HealthCheckResult.Unhealthy("unreachable", e); }
        }
    }

    /// <summary>The start-up migration's tables are there (a node started before it, or on a wrong or restored database, is not ready).</summary>
    sealed class SchemaCheck(NpgsqlDataSource db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            try
            {
                var ready = await Scalar<bool>(db,
                    $"select to_regclass('dispatch.mt_events') is not null and to_regclass('dispatch.mt_doc_incidentcard') is not null " +
                    $"and to_regclass('{SharedKeys.TableName}') is not null", ct);
                return ready ? HealthCheckResult.Healthy("ready") : HealthCheckResult.Unhealthy("missing tables");
            }
            catch (Exception e) { return HealthCheckResult.Unhealthy("unreachable", e); }
        }
    }

    /// <summary>Without its LISTEN connections a node misses other nodes' changes: its boards would go stale.</summary>
    sealed class ListenerCheck(IncidentChangeFeed incidents, PositionListener positions) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct) =>
            Task.FromResult((incidents.Listening, positions.Listening) switch
            {
                (true, true) => HealthCheckResult.Healthy("connected"),
                (false, _) => HealthCheckResult.Unhealthy("incident listener disconnected"),
                _ => HealthCheckResult.Unhealthy("position listener disconnected"),
            });
    }

    /// <summary>
    /// This node's part in the async daemon (leader, standby or disabled) and whether the async projections progress:
    /// behind the newest event and not moved for <see cref="StallAfter"/> (however many nodes there are) is Degraded.
    /// </summary>
    sealed class DaemonCheck(NpgsqlDataSource db, IConfiguration configuration, IServiceProvider services, TimeProvider clock) : IHealthCheck
    {
        /// <summary>Behind for this long without moving: stalled (no leader, or a failing projection).</summary>
        public TimeSpan StallAfter { get; } = TimeSpan.FromSeconds(configuration.GetValue("Dispatch:Health:DaemonStallSeconds", 30));

        readonly Lock _gate = new();
        long _position = -1;
        DateTimeOffset _movedAt;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
        {
            var role = Role();
            long newest, position;
            try
            {
                await using var command = db.CreateCommand(
                    "select (select coalesce(max(seq_id), 0) from dispatch.mt_events), " +
                    "(select coalesce(min(last_seq_id), 0) from dispatch.mt_event_progression where name <> 'HighWaterMark')");
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                (newest, position) = (reader.GetInt64(0), reader.GetInt64(1));
            }
            catch (Exception e) { return HealthCheckResult.Degraded($"{role}; progress unknown", e); }

            var now = clock.GetUtcNow();
            lock (_gate)
            {
                if (position != _position) (_position, _movedAt) = (position, now);
                if (position >= newest) return HealthCheckResult.Healthy($"{role}; caught up");
                return now - _movedAt < StallAfter
                    ? HealthCheckResult.Healthy($"{role}; {newest - position} events behind")
                    : HealthCheckResult.Degraded($"{role}; stalled {newest - position} events behind");
            }
        }

        string Role()
        {
            if (configuration.GetValue(StorageSetup.DaemonModeKey, StorageSetup.DefaultDaemonMode) == DaemonMode.Disabled) return "disabled";
            var daemon = services.GetService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>()?.DaemonForMainDatabase();
            return daemon?.CurrentAgents().Any(a => a.Status == JasperFx.AgentStatus.Running) == true ? "leader" : "standby";
        }
    }
}
