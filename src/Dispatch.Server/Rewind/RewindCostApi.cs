using System.Diagnostics;
using System.Globalization;
using Dispatch.Server.Identity;
using Npgsql;

namespace Dispatch.Server.Rewind;

/// <summary>What one rewind cost: each step's time, the events replayed from the keyframe, and the size of what it built.</summary>
public sealed record RewindCost(DateTimeOffset At, long Sequence, long StoreSequence, long? CardsKeyframe, long? UnitsKeyframe,
    long CardsReplayed, long UnitsReplayed, double MomentMs, double CardsMs, double UnitsMs, double DetailMs, int Open, int ClosedThatDay,
    int Units, int Keyframes, DateTimeOffset? FirstAt, DateTimeOffset? LastAt, long EventBytes, long KeyframeBytes);

/// <summary>
/// <c>GET /api/rewind/cost?at=</c>: rewinds the whole record to <c>at</c> (moment, cards, units, one incident's detail) and
/// answers what it cost, not what it found (no card, no name: timings and counts only) — for <c>Dispatch.Drill
/// bench-rewind</c> and for an operator wondering what a rewind costs on this store. Those who may rewind only.
/// </summary>
public static class RewindCostApi
{
    public static IEndpointRouteBuilder MapRewindCost(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/rewind").RequireActor().RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapGet("/cost", Cost);
        return app;
    }

    static async Task<IResult> Cost(HttpContext http, PastRecord past, Keyframes keyframes, NpgsqlDataSource db, string? at, CancellationToken ct)
    {
        if (!PastViews.MayRewind(http.Actor()))
            return Results.Problem(statusCode: 403, title: "Not allowed", detail: "Only the centres open the past.");
        if (!DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when)
            || when.Year is < 2000 or > 2200)
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["at"] = ["A time such as 2026-12-06T02:40:00Z."] });

        var clock = Stopwatch.StartNew();
        var moment = await past.MomentAt(when, ct);
        var momentMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var cards = await past.CardsAt(moment, ct);
        var cardsMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var units = await past.UnitsAt(moment, ct);
        var unitsMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        // A busy incident of the moment: the open card changed last (its stream is the one a reviewer opens).
        var detailMs = 0.0;
        if (cards.Open.MaxBy(c => c.UpdatedAt) is { } busy)
        {
            await past.DetailAt(busy.Id, moment, ct);
            detailMs = clock.Elapsed.TotalMilliseconds;
        }
        var cardsFrame = await keyframes.Nearest(moment.Sequence, past.MidnightBefore(moment.At), ct);
        var unitsFrame = await keyframes.Nearest(moment.Sequence, null, ct);
        // The store: its newest event, its first and last record times (each an end of the primary key), and sizes on disk.
        await using var store = db.CreateCommand($"""
            select coalesce(max(seq_id), 0), (select count(*) from {Keyframes.Table}),
                (select timestamp from dispatch.mt_events order by seq_id limit 1),
                (select timestamp from dispatch.mt_events order by seq_id desc limit 1),
                pg_total_relation_size('dispatch.mt_events'), pg_total_relation_size('{Keyframes.Table}')
            from dispatch.mt_events
            """);
        await using var reader = await store.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(i), DateTimeKind.Utc));
        return Results.Ok(new RewindCost(when, moment.Sequence, reader.GetInt64(0), cardsFrame?.Sequence, unitsFrame?.Sequence,
            moment.Sequence - (cardsFrame?.Sequence ?? 0), moment.Sequence - (unitsFrame?.Sequence ?? 0), momentMs, cardsMs, unitsMs, detailMs,
            cards.Open.Count, cards.ClosedThatDay.Count, units.Count, (int)reader.GetInt64(1), Time(2), Time(3), reader.GetInt64(4), reader.GetInt64(5)));
    }
}
