using Dispatch.Domain.Access;
using Dispatch.Server.Pipeline;
using Marten;
using Npgsql;

namespace Dispatch.Server.Units.Positions;

/// <summary>What reading a track came to: the track, no such unit, a range out of bounds, or a refusal (audited).</summary>
public abstract record TrackRead
{
    public sealed record Found(TrackApi.Track Track) : TrackRead;
    public sealed record Unknown : TrackRead;
    public sealed record BadRange(string Field, string Message) : TrackRead;
    public sealed record Refused(Denial Denial) : TrackRead;
}

/// <summary>
/// A unit's fixes in a time range, oldest first, from the position history: the one reader behind the track API and the
/// map's replay, so both answer the same and refuse the same (whoever may see the unit may read its track).
/// </summary>
public sealed class UnitTracks(IDocumentStore store, NpgsqlDataSource db, CommandPipeline pipeline)
{
    public async Task<TrackRead> Read(Actor actor, Guid id, DateTimeOffset from, DateTimeOffset to, Via via, CancellationToken ct = default)
    {
        if (from >= to) return new TrackRead.BadRange("to", "Give a 'to' after 'from'.");
        if (to - from > TrackApi.MaxWindow) return new TrackRead.BadRange("to", $"Ask for at most {TrackApi.MaxWindow.TotalDays:0} days at a time.");

        UnitRosterEntry? unit;
        await using (var query = store.QuerySession())
            unit = await query.LoadAsync<UnitRosterEntry>(id, ct);
        if (unit is null) return new TrackRead.Unknown();
        if (!AccessRules.MayRead(actor, unit.Scope()))
            return new TrackRead.Refused(await pipeline.Deny(actor, via, "unit.track", unit.HomePath,
                $"{actor.Login} may not see units at {unit.HomePath}.", ct: ct));

        await using var command = db.CreateCommand($"""
            select reported_at, lat, lon, accuracy from {PositionTables.History}
            where unit_id = $1 and reported_at >= $2 and reported_at < $3
            order by reported_at limit {TrackApi.MaxFixes + 1}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = from.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = to.UtcDateTime });
        var fixes = new List<TrackApi.TrackFix>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                fixes.Add(new TrackApi.TrackFix(reader.GetFieldValue<DateTimeOffset>(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetFloat(3)));
        var truncated = fixes.Count > TrackApi.MaxFixes;
        if (truncated) fixes.RemoveAt(fixes.Count - 1);
        return new TrackRead.Found(new TrackApi.Track(id, unit.CallSign, from, to, fixes, truncated));
    }
}
