using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Dispatch.Server.Pipeline;
using Marten;
using Npgsql;

namespace Dispatch.Server.Units.Positions;

/// <summary>
/// <c>GET /api/units/{id}/track?from=&amp;to=</c>: a unit's fixes in a time range, oldest first, from the position history.
/// <c>from</c> and <c>to</c> are ISO 8601 instants (with an offset or Z), from before to, at most <see cref="MaxWindow"/>
/// apart; whoever may see the unit (<see cref="AccessRules.MayRead(Actor, UnitScope)"/>) may read its track. At most
/// <see cref="MaxFixes"/> fixes are answered (<c>truncated</c> says when there were more: ask for a shorter range).
/// </summary>
public static class TrackApi
{
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(7);
    public const int MaxFixes = 50_000;

    public sealed record TrackFix(DateTimeOffset At, double Lat, double Lon, double Accuracy);

    public sealed record Track(Guid UnitId, string CallSign, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<TrackFix> Fixes, bool Truncated);

    public static async Task<IResult> Get(Guid id, string? from, string? to, HttpContext http, IQuerySession query, NpgsqlDataSource db,
        CommandPipeline pipeline, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var start = Instant(from, "from", errors);
        var end = Instant(to, "to", errors);
        if (errors.Count == 0 && start >= end) errors["to"] = ["Give a 'to' after 'from'."];
        if (errors.Count == 0 && end - start > MaxWindow) errors["to"] = [$"Ask for at most {MaxWindow.TotalDays:0} days at a time."];
        if (errors.Count > 0) return Results.ValidationProblem(errors);

        var actor = http.Actor();
        if (await query.LoadAsync<UnitRosterEntry>(id, ct) is not { } unit)
            return Results.Problem(statusCode: 404, title: "Unknown unit", detail: $"There is no unit {id}.");
        if (!AccessRules.MayRead(actor, unit.Scope()))
        {
            var denial = await pipeline.Deny(actor, null, "unit.track", unit.HomePath, $"{actor.Login} may not see units at {unit.HomePath}.", ct: ct);
            return Results.Problem(statusCode: 403, title: "Not allowed", detail: denial.Message,
                extensions: new Dictionary<string, object?> { ["code"] = denial.Code });
        }

        await using var command = db.CreateCommand($"""
            select reported_at, lat, lon, accuracy from {PositionTables.History}
            where unit_id = $1 and reported_at >= $2 and reported_at < $3
            order by reported_at limit {MaxFixes + 1}
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = start!.Value.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = end!.Value.UtcDateTime });
        var fixes = new List<TrackFix>();
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                fixes.Add(new TrackFix(reader.GetFieldValue<DateTimeOffset>(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetFloat(3)));
        var truncated = fixes.Count > MaxFixes;
        if (truncated) fixes.RemoveAt(fixes.Count - 1);
        return Results.Ok(new Track(id, unit.CallSign, start.Value, end.Value, fixes, truncated));
    }

    /// <summary>An ISO 8601 instant: with an offset or Z (a local time would mean something else on every server).</summary>
    static DateTimeOffset? Instant(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[field] = [$"Give '{field}' as an ISO 8601 instant, e.g. 2026-12-05T08:00:00Z."];
            return null;
        }
        var trimmed = text.Trim();
        var hasZone = trimmed.EndsWith('Z') || trimmed.EndsWith('z') || trimmed.LastIndexOfAny(['+', '-']) > trimmed.IndexOf('T');
        if (trimmed.Length > 40 || !hasZone || trimmed.IndexOf('T') < 0
            || !DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            errors[field] = [$"'{field}' is not an ISO 8601 instant with a time zone (e.g. 2026-12-05T08:00:00Z)."];
            return null;
        }
        return at;
    }
}
