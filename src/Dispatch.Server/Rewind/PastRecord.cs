using Dispatch.Domain.Units;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Units;
using Dispatch.Server.Units.Positions;
using JasperFx.Events;
using Marten;
using Marten.Events;
using Npgsql;

namespace Dispatch.Server.Rewind;

/// <summary>
/// A past moment of the record: a time, and the last event the store had recorded at or before it (its sequence).
/// Rewinding to a moment folds the events up to that sequence, so two screens asked for the same moment agree even where
/// several events share a millisecond.
/// </summary>
public readonly record struct Moment(DateTimeOffset At, long Sequence)
{
    /// <summary>Before the first event: an empty city.</summary>
    public static Moment Before(DateTimeOffset at) => new(at, 0);
}

/// <summary>
/// The incident cards as they stood at a moment: the open ones (the board then), and those closed earlier on that day
/// in the city's time zone (the situation screen's day totals need them).
/// </summary>
public sealed record PastCards(Moment Moment, IReadOnlyList<IncidentCard> Open, IReadOnlyList<IncidentCard> ClosedThatDay);

/// <summary>The cards and the unit roster at one moment, from one fold (<see cref="PastRecord.StateAt"/>).</summary>
public sealed record PastState(PastCards Cards, IReadOnlyList<UnitRosterEntry> Units);

/// <summary>One incident step in the record: when, its sequence, which incident, and its event's name (<c>incident_assigned</c>).</summary>
public sealed record RecordedStep(long Sequence, DateTimeOffset At, Guid IncidentId, string Kind)
{
    public Moment Moment => new(At, Sequence);
}

/// <summary>
/// The city's record as it stood at any past moment, rebuilt from the events by the read models' own folds
/// (<see cref="IncidentCardProjection"/>, <see cref="IncidentDetailProjection"/>, <see cref="UnitRosterProjection"/>),
/// so a rewound card is exactly the card the live board held then. Unscoped: callers cut it for the person looking
/// exactly as the live views do (<see cref="IncidentReader.Sees"/>, <see cref="IncidentDetail.For"/>).
/// The time of an event is the store's record time (<c>mt_events.timestamp</c>), the moment it became part of the record.
/// <para>
/// A rewind starts from the nearest keyframe at or before the moment (<see cref="Keyframes"/>, written by
/// <see cref="KeyframeKeeper"/>) and folds only the events after it up to the moment's sequence (a range of the events'
/// primary key), so its cost follows the keyframe interval and the board's size, not the store's.
/// </para>
/// </summary>
public sealed class PastRecord(IDocumentStore store, NpgsqlDataSource db, CityCatalog city, Keyframes keyframes, RewindOptions options)
{
    // Rewinds take turns (RewindOptions.Concurrent says why).
    readonly SemaphoreSlim _turns = new(options.Concurrent, options.Concurrent);

    const int Page = 5_000;
    /// <summary>Record times follow the sequence to within a transaction's length: a moment's event is looked for this far past it.</summary>
    static readonly TimeSpan RecordTimeSlack = TimeSpan.FromMinutes(5);
    static readonly IncidentDetailProjection Details = new();

    /// <summary>The moment at <paramref name="at"/>: the last event recorded at or before it.</summary>
    public async Task<Moment> MomentAt(DateTimeOffset at, CancellationToken ct = default)
    {
        // Between two keyframes: an index range of the sequence, read backwards until the first event recorded by then.
        var (from, to) = await keyframes.Bounds(at, RecordTimeSlack, ct);
        var upTo = to ?? long.MaxValue;
        await using var query = store.QuerySession();
        var last = await query.Events.QueryAllRawEvents().Where(e => e.Sequence >= from && e.Sequence <= upTo && e.Timestamp <= at)
            .OrderByDescending(e => e.Sequence).Select(e => e.Sequence).Take(1).ToListAsync(ct);
        return new Moment(at, last.Count == 0 ? 0 : last[0]);
    }

    /// <summary>Every incident card as it stood at the moment (open then, or closed earlier that day).</summary>
    public async Task<PastCards> CardsAt(Moment moment, CancellationToken ct = default)
    {
        var midnight = MidnightBefore(moment.At);
        // A keyframe of that day or before: it keeps the cards closed since its own midnight, so all those of this day.
        var fold = await Fold(await keyframes.Nearest(moment.Sequence, midnight, ct), moment, cards: true, units: false, ct);
        return Cards(fold, moment, midnight);
    }

    /// <summary>One incident's detail as it stood at the moment; null if it had not been reported yet.</summary>
    public async Task<IncidentDetail?> DetailAt(Guid id, Moment moment, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        IncidentDetail? detail = null;
        foreach (var e in await query.Events.FetchStreamAsync(id, token: ct))
        {
            if (e.Sequence > moment.Sequence) break;
            detail = Details.Evolve(detail, id, e);
        }
        return detail;
    }

    /// <summary>
    /// The unit roster as it stood at the moment, each unit at the last position it had reported by then (from the
    /// position history; a unit that had reported none keeps what its own events say).
    /// </summary>
    public async Task<IReadOnlyList<UnitRosterEntry>> UnitsAt(Moment moment, CancellationToken ct = default) =>
        await Placed((await UnitsFold(moment, ct)).Units, moment, ct);

    /// <summary>
    /// The roster's fold at the moment. It reads only the unit events after the keyframe (<see cref="RecordFold.Reads"/>):
    /// the incidents' and the chat's, most of the record, are never fetched for it.
    /// </summary>
    internal async Task<RecordFold> UnitsFold(Moment moment, CancellationToken ct) =>
        await Fold(await keyframes.Nearest(moment.Sequence, null, ct), moment, cards: false, units: true, ct);

    /// <summary>
    /// The cards and the units together from one fold, for a screen that shows both at a moment (the review's steps, the past
    /// map, the situation figures): one keyframe read and one pass over the events instead of two.
    /// </summary>
    public async Task<PastState> StateAt(Moment moment, CancellationToken ct = default)
    {
        var midnight = MidnightBefore(moment.At);
        var fold = await Fold(await keyframes.Nearest(moment.Sequence, midnight, ct), moment, cards: true, units: true, ct);
        return new PastState(Cards(fold, moment, midnight), await Placed(fold.Units, moment, ct));
    }

    /// <summary>Rewinds built since start (one fold each, from a keyframe to a moment): what a screen's moment costs, countable.</summary>
    public long Rewinds => Interlocked.Read(ref _rewinds);
    long _rewinds;

    /// <summary>Folds from the keyframe (or the first event) up to the moment, taking its turn.</summary>
    async Task<RecordFold> Fold(Keyframe? frame, Moment moment, bool cards, bool units, CancellationToken ct)
    {
        await _turns.WaitAsync(ct);
        try
        {
            Interlocked.Increment(ref _rewinds);
            var fold = new RecordFold(cards && frame is not null ? await keyframes.Cards(frame, ct) : null,
                units && frame is not null ? await keyframes.Units(frame, ct) : null, frame?.Sequence ?? 0, foldCards: cards, foldUnits: units);
            await Replay(fold, moment.Sequence, ct);
            return fold;
        }
        finally { _turns.Release(); }
    }

    static PastCards Cards(RecordFold fold, Moment moment, DateTimeOffset midnight)
    {
        // Oldest report first (a keyframe does not keep the order the cards were first folded in).
        var cards = fold.Cards.Values.OrderBy(c => c.ReportedAt).ThenBy(c => c.Id).ToList();
        return new PastCards(moment, [.. cards.Where(c => c.IsOpen)], [.. cards.Where(c => !c.IsOpen && c.UpdatedAt >= midnight)]);
    }

    /// <summary>The folded roster lines (moved in place), each at its last fix by the moment, by call sign.</summary>
    async Task<IReadOnlyList<UnitRosterEntry>> Placed(Dictionary<Guid, UnitRosterEntry> units, Moment moment, CancellationToken ct)
    {
        foreach (var (unit, fix) in await PositionsAt(moment.At, ct))
            if (units.TryGetValue(unit, out var entry))
                units[unit] = entry with { Lat = fix.Lat, Lon = fix.Lon, Accuracy = fix.Accuracy, PositionAt = fix.At };
        return [.. units.Values.OrderBy(u => u.CallSign, StringComparer.Ordinal).ThenBy(u => u.Id)];
    }

    /// <summary>Each unit's last fix reported and received by <paramref name="at"/> (within the day before it).</summary>
    async Task<Dictionary<Guid, (double Lat, double Lon, double Accuracy, DateTimeOffset At)>> PositionsAt(DateTimeOffset at, CancellationToken ct)
    {
        var found = new Dictionary<Guid, (double, double, double, DateTimeOffset)>();
        await using var command = db.CreateCommand($"""
            select distinct on (unit_id) unit_id, lat, lon, accuracy, reported_at from {PositionTables.History}
            where reported_at <= $1 and reported_at > $2 and received_at <= $1
            order by unit_id, reported_at desc
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = at.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = at.UtcDateTime.AddDays(-1) });
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found[reader.GetGuid(0)] = (reader.GetDouble(1), reader.GetDouble(2), reader.GetFloat(3),
                new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc)));
        return found;
    }

    /// <summary>
    /// The incident steps recorded in a window, oldest first, with the sequence of each (a scrubber steps from one to the
    /// next, and rewinds to <c>new Moment(step.At, step.Sequence)</c>). Unscoped, like everything here.
    /// </summary>
    public async Task<IReadOnlyList<RecordedStep>> StepsBetween(DateTimeOffset from, DateTimeOffset to, int limit = 10_000, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        var events = await query.Events.QueryAllRawEvents().Where(e => e.Timestamp >= from && e.Timestamp <= to)
            .OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        return [.. events.Where(e => e.Data is Domain.Incidents.IIncidentEvent)
            .Select(e => new RecordedStep(e.Sequence, e.Timestamp, e.StreamId, e.EventTypeName))];
    }

    /// <summary>The start of the city's day that holds <paramref name="at"/>.</summary>
    public DateTimeOffset MidnightBefore(DateTimeOffset at)
    {
        var local = city.ToLocal(at);
        var midnight = local.Date;
        return new DateTimeOffset(midnight, city.TimeZone.GetUtcOffset(midnight)).ToUniversalTime();
    }

    /// <summary>
    /// Folds the events after the fold's own sequence up to <paramref name="sequence"/>, oldest first, a page at a time;
    /// only those of the types the fold reads (<see cref="RecordFold.Reads"/>), filtered by the store (<c>mt_events.type</c>).
    /// </summary>
    internal async Task Replay(RecordFold fold, long sequence, CancellationToken ct, Func<RecordFold, Task>? afterPage = null, int pageSize = Page)
    {
        await using var query = store.QuerySession();
        var types = fold.Reads?.ToArray();
        while (fold.Sequence < sequence)
        {
            var from = fold.Sequence;
            var events = query.Events.QueryAllRawEvents().Where(e => e.Sequence > from && e.Sequence <= sequence);
            if (types is not null) events = events.Where(e => e.EventTypesAre(types));
            var page = await events.OrderBy(e => e.Sequence).Take(pageSize).ToListAsync(ct);
            if (page.Count == 0) return;
            await fold.Apply(page, store, db, ct);
            if (afterPage is not null) await afterPage(fold);
            // A short page was the last of the range (a filtered fold stops short of the sequence: nothing it reads is left).
            if (page.Count < pageSize) return;
        }
    }
}
