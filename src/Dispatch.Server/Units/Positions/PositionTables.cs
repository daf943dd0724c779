using System.Globalization;
using Npgsql;

namespace Dispatch.Server.Units.Positions;

/// <summary>
/// Where positions are kept: <see cref="Latest"/>, one row per unit (where it is now, upserted with each batch), and
/// <see cref="History"/>, every accepted fix, built for a year of data: partitioned by day of the fix (UTC), the days ahead
/// created before they are needed and the days past <c>Dispatch:Positions:RetentionDays</c> dropped whole (a drop, not a
/// delete: no bloat, no vacuum). Its unique index (unit, fix time) serves a unit's track for a time range and makes a
/// resent fix harmless. Created idempotently at start, after Marten's schema (same schema, <c>dispatch</c>).
/// Measured size: docs/benchmarks.md ("Position history: size per million fixes").
/// </summary>
public static class PositionTables
{
    public const string Latest = "dispatch.unit_positions";
    public const string History = "dispatch.unit_position_history";
    const string HistoryName = "unit_position_history";

    static readonly string Create = $"""
        create table if not exists {Latest} (
            unit_id uuid primary key,
            lat double precision not null,
            lon double precision not null,
            accuracy real not null,
            reported_at timestamptz not null,
            received_at timestamptz not null);
        create table if not exists {History} (
            unit_id uuid not null,
            reported_at timestamptz not null,
            lat double precision not null,
            lon double precision not null,
            accuracy real not null,
            received_at timestamptz not null
        ) partition by range (reported_at);
        create unique index if not exists unit_position_history_track on {History} (unit_id, reported_at);
        """;

    /// <summary>The tables, then the partitions from yesterday to <see cref="PositionSettings.DaysAhead"/> days ahead, then retention.</summary>
    public static async Task Ensure(NpgsqlDataSource db, PositionSettings settings, DateTimeOffset now, ILogger log, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        // Two nodes starting at once take turns: concurrent CREATE ... PARTITION OF of the same day would collide in the catalog.
        await Execute(connection, tx, "select pg_advisory_xact_lock(hashtext('dispatch.unit_position_history'))", ct);
        await Execute(connection, tx, Create, ct);
        var today = Day(now);
        // A fix may be up to a day old (PositionFix.MaxFixAge) and a little ahead of the clock: yesterday to some days ahead.
        for (var day = today.AddDays(-1); day <= today.AddDays(settings.DaysAhead); day = day.AddDays(1))
            await Execute(connection, tx,
                $"create table if not exists dispatch.{Partition(day)} partition of {History} for values from ('{Stamp(day)}') to ('{Stamp(day.AddDays(1))}')", ct);
        var dropped = new List<string>();
        foreach (var (name, day) in await Partitions(connection, tx, ct))
        {
            if (day >= today.AddDays(-settings.RetentionDays)) continue;
            await Execute(connection, tx, $"drop table if exists dispatch.{name}", ct);
            dropped.Add(name);
        }
        await tx.CommitAsync(ct);
        if (dropped.Count > 0)
            log.LogInformation("Dropped {Count} position history partitions older than {Days} days: {Names}", dropped.Count, settings.RetentionDays,
                string.Join(", ", dropped));
    }

    /// <summary>The history's partitions by day.</summary>
    public static async Task<IReadOnlyList<(string Name, DateOnly Day)>> Partitions(NpgsqlConnection connection, NpgsqlTransaction? tx, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand("""
            select c.relname from pg_inherits i
            join pg_class c on c.oid = i.inhrelid
            join pg_class p on p.oid = i.inhparent
            join pg_namespace n on n.oid = p.relnamespace
            where n.nspname = 'dispatch' and p.relname = 'unit_position_history'
            """, connection, tx);
        var found = new List<(string, DateOnly)>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var name = reader.GetString(0);
            if (DateOnly.TryParseExact(name[(HistoryName.Length + 1)..], "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                found.Add((name, day));
        }
        return found;
    }

    public static string Partition(DateOnly day) => $"{HistoryName}_{day:yyyyMMdd}";

    static DateOnly Day(DateTimeOffset at) => DateOnly.FromDateTime(at.UtcDateTime);

    static string Stamp(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + " 00:00:00+00";

    static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }
}
