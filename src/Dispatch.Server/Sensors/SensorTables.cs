using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace Dispatch.Server.Sensors;

/// <summary>
/// Readings are telemetry, not events (as unit positions are): every accepted reading is a row of
/// <see cref="Readings"/> (a resent reading — same device, measure and time — is harmless), and <see cref="Heard"/>
/// keeps when each device last spoke, for the silence watch. Only alarms and recoveries become incident events.
/// Both tables are created and migrated by Marten with the rest of the schema.
/// </summary>
public static class SensorTables
{
    public const string Readings = "dispatch.sensor_readings";
    public const string Heard = "dispatch.sensor_heard";

    public static IEnumerable<Table> Tables()
    {
        var readings = new Table(Readings);
        readings.AddColumn("device_id", "uuid").AsPrimaryKey();
        readings.AddColumn("measure", "text").AsPrimaryKey();
        readings.AddColumn("read_at", "timestamptz").AsPrimaryKey();
        readings.AddColumn("value", "double precision").NotNull();
        readings.AddColumn("received_at", "timestamptz").NotNull();
        yield return readings;
        var heard = new Table(Heard);
        heard.AddColumn("device_id", "uuid").AsPrimaryKey();
        heard.AddColumn("heard_at", "timestamptz").NotNull();
        yield return heard;
    }

    /// <summary>One batch in one statement: its rows (one multi-row insert) and the device's last-heard time.</summary>
    public static async Task Write(NpgsqlDataSource db, Guid deviceId, IReadOnlyList<Domain.Sensors.Reading> batch, DateTimeOffset receivedAt,
        CancellationToken ct)
    {
        await using var command = db.CreateCommand($"""
            with rows as (
                insert into {Readings} (device_id, measure, read_at, value, received_at)
                select $1, m, t, v, $5 from unnest($2::text[], $3::timestamptz[], $4::float8[]) as r(m, t, v)
                on conflict do nothing)
            insert into {Heard} (device_id, heard_at) values ($1, $5)
            on conflict (device_id) do update set heard_at = greatest({Heard}.heard_at, excluded.heard_at)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.Measure).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.At.ToUniversalTime()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = batch.Select(r => r.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = receivedAt.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(ct);
    }

    public static async Task<DateTimeOffset?> LastHeard(NpgsqlDataSource db, Guid deviceId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select heard_at from {Heard} where device_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        return await command.ExecuteScalarAsync(ct) is DateTime at ? new DateTimeOffset(at, TimeSpan.Zero) : null;
    }

    /// <summary>How many readings are kept for a device (the registry's count, and tests).</summary>
    public static async Task<long> Count(NpgsqlDataSource db, Guid deviceId, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select count(*) from {Readings} where device_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = deviceId });
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }
}
