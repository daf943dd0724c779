using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Dispatch.Server.Pipeline;

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

    public static async Task<IResult> Get(Guid id, string? from, string? to, HttpContext http, UnitTracks tracks, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var start = Instant(from, "from", errors);
        var end = Instant(to, "to", errors);
        if (errors.Count > 0) return Results.ValidationProblem(errors);

        return await tracks.Read(http.Actor(), id, start!.Value, end!.Value, Via.Api, ct) switch
        {
            TrackRead.Found found => Results.Ok(found.Track),
            TrackRead.BadRange bad => Results.ValidationProblem(new Dictionary<string, string[]> { [bad.Field] = [bad.Message] }),
            TrackRead.Refused refused => Results.Problem(statusCode: 403, title: "Not allowed", detail: refused.Denial.Message,
                extensions: new Dictionary<string, object?> { ["code"] = refused.Denial.Code }),
            _ => Results.Problem(statusCode: 404, title: "Unknown unit", detail: $"There is no unit {id}."),
        };
    }

    /// <summary>An ISO 8601 instant: with an offset or Z (a local time would mean something else on every server).</summary>
    internal static DateTimeOffset? Instant(string? text, string field, Dictionary<string, string[]> errors)
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
