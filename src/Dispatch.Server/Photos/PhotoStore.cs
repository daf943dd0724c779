using Dispatch.Domain.Incidents;
using Marten;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace Dispatch.Server.Photos;

/// <summary>A stored photo's bytes and what they are.</summary>
public sealed record StoredPhoto(Guid Id, Guid IncidentId, string ContentType, byte[] Bytes);

/// <summary>
/// The bytes of incident photos, one row per <see cref="IncidentPhotoAttached"/>, in a table of their own (events and
/// read models stay small). A row is written only in the transaction that appends its event (<see cref="Queue"/>).
/// </summary>
public sealed class PhotoStore(NpgsqlDataSource db)
{
    public const string TableName = "dispatch.incident_photos";

    /// <summary>The table, created and migrated by Marten with the rest of the schema.</summary>
    public static Table Table()
    {
        var table = new Table(TableName);
        table.AddColumn("id", "uuid").AsPrimaryKey();
        table.AddColumn("incident_id", "uuid").NotNull();
        table.AddColumn("content_type", "text").NotNull();
        table.AddColumn("size", "bigint").NotNull();
        table.AddColumn("bytes", "bytea").NotNull();
        table.AddColumn("by", "text").NotNull();
        table.AddColumn("at", "timestamptz").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_incident_photos_incident") { Columns = ["incident_id"] });
        return table;
    }

    /// <summary>
    /// Queues the row for the accepted event in the session that appends it: Marten sends it in the same transaction,
    /// so the photo exists exactly when its event does.
    /// </summary>
    public static void Queue(IDocumentSession session, IncidentPhotoAttached attached, byte[] bytes)
    {
        if (attached.Size != bytes.LongLength)
            throw new InvalidOperationException($"Photo {attached.PhotoId} is {bytes.LongLength} bytes, its event says {attached.Size}.");
        session.QueueSqlCommand(
            $"insert into {TableName} (id, incident_id, content_type, size, bytes, \"by\", at) values (?, ?, ?, ?, ?, ?, ?)",
            attached.PhotoId, attached.IncidentId, attached.ContentType, attached.Size, bytes, attached.By, attached.At.ToUniversalTime());
    }

    /// <summary>The photo, when it belongs to that incident (never another incident's through this one's URL).</summary>
    public async Task<StoredPhoto?> Find(Guid incidentId, Guid photoId, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"select content_type, bytes from {TableName} where id = $1 and incident_id = $2");
        command.Parameters.AddWithValue(photoId);
        command.Parameters.AddWithValue(incidentId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return new StoredPhoto(photoId, incidentId, reader.GetString(0), await reader.GetFieldValueAsync<byte[]>(1, ct));
    }
}
