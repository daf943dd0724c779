using Npgsql;
using Weasel.Postgresql.Tables;

namespace Dispatch.Server.Incidents;

/// <summary>
/// Hands out the daily sequence behind incident numbers. One row per day, bumped with an atomic upsert, so
/// numbers stay unique however many intakes arrive at once and on however many nodes.
/// </summary>
public sealed class IncidentNumbers(NpgsqlDataSource db)
{
    public const string TableName = "dispatch.incident_numbers";

    /// <summary>The table, created and migrated by Marten with the rest of the schema.</summary>
    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn("day", "date").AsPrimaryKey();
        table.AddColumn("last", "bigint").NotNull();
        return table;
    }

    public async Task<string> Next(DateOnly localDay, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"insert into {TableName} (day, last) values ($1, 1) " +
            $"on conflict (day) do update set last = {TableName}.last + 1 returning last");
        command.Parameters.AddWithValue(localDay);
        var sequence = (long)(await command.ExecuteScalarAsync(ct))!;
        return Dispatch.Domain.Incidents.IncidentNumber.Format(localDay, sequence);
    }
}
