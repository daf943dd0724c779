using Npgsql;

namespace Dispatch.Drill;

/// <summary>
/// The harness's read-only look into the server's database (Marten's tables in <c>schema</c>), to count what the
/// server said it stored: a 2xx (or an accepted position) that is not there was lost.
/// </summary>
public sealed class BenchDatabase(NpgsqlDataSource db, string schema) : IAsyncDisposable
{
    public NpgsqlDataSource Source => db;

    /// <summary>How many of the incidents have a stream (their intake's events committed).</summary>
    public async Task<long> IncidentsFound(IReadOnlyCollection<Guid> ids)
    {
        if (ids.Count == 0) return 0;
        await using var command = db.CreateCommand($"select count(*) from {schema}.mt_streams where id = any($1)");
        command.Parameters.AddWithValue(ids.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Events, streams and units in the database: the size of the history the figures were measured on.</summary>
    public async Task<(long Events, long Streams)> Size()
    {
        await using var command = db.CreateCommand($"select (select count(*) from {schema}.mt_events), (select count(*) from {schema}.mt_streams)");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Stored positions of the units so far, and where they were counted: the telemetry table
    /// <c>unit_position_history</c> when the server has one (by its <c>unit_id</c> column if it has one, else all its
    /// rows), otherwise the <c>unit_position_reported</c> events of the units' streams.
    /// </summary>
    public async Task<(long Count, string Where)> StoredPositions(IReadOnlyCollection<Guid> units)
    {
        await using (var find = db.CreateCommand("""
            select n.nspname, exists (select 1 from information_schema.columns k
                                      where k.table_schema = n.nspname and k.table_name = c.relname and k.column_name = 'unit_id')
            from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relname = 'unit_position_history' and c.relkind in ('r', 'p')
            order by n.nspname = $1 desc limit 1
            """))
        {
            find.Parameters.AddWithValue(schema);
            await using var reader = await find.ExecuteReaderAsync();
            if (await reader.ReadAsync())
            {
                var (tableSchema, byUnit) = (reader.GetString(0), reader.GetBoolean(1));
                await reader.DisposeAsync();
                var table = $"\"{tableSchema}\".unit_position_history";
                await using var count = db.CreateCommand(byUnit ? $"select count(*) from {table} where unit_id = any($1)" : $"select count(*) from {table}");
                if (byUnit) count.Parameters.AddWithValue(units.ToArray());
                return ((long)(await count.ExecuteScalarAsync())!, byUnit ? $"rows of {table} for the units" : $"rows of {table}");
            }
        }
        await using var events = db.CreateCommand(
            $"select count(*) from {schema}.mt_events where type = 'unit_position_reported' and stream_id = any($1)");
        events.Parameters.AddWithValue(units.ToArray());
        return ((long)(await events.ExecuteScalarAsync())!, $"unit_position_reported events in {schema}.mt_events");
    }

    public ValueTask DisposeAsync() => db.DisposeAsync();
}
