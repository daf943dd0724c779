using System.Diagnostics;
using Dispatch.Server.Live;
using Npgsql;

namespace Dispatch.Server.Rewind;

/// <summary>
/// Writes the rewind keyframes (<see cref="Keyframes"/>): every <see cref="RewindOptions.EveryEvents"/> events or
/// <see cref="RewindOptions.EveryMinutes"/> of record time, whichever first, but not before as many events have passed
/// as the keyframe would hold entries (<see cref="RewindOptions.EventsPerEntry"/>). It goes on from the previous keyframe
/// and keeps the fold in memory between rounds, so it never refolds from the first event once there is one; on a store
/// with history and no keyframe, its first round is the backfill: one pass through the history, cutting keyframes as
/// it goes. Only events up to the daemon's high-water mark are folded (none below it can still commit), so a keyframe
/// never misses a slow transaction's event.
/// <para>
/// One writer in a cluster: a round runs under a session advisory lock (<see cref="Keyframes.WriterLock"/>); a node
/// that cannot take it skips the round, and a keyframe at a sequence already written is not written again. It wakes on
/// the injected clock (<see cref="ClockedLoop"/>), every <see cref="RewindOptions.CheckEvery"/>.
/// </para>
/// </summary>
public sealed class KeyframeKeeper(PastRecord past, Keyframes keyframes, NpgsqlDataSource db, RewindOptions options, TimeProvider clock,
    ILogger<KeyframeKeeper> log) : BackgroundService
{
    readonly ClockedLoop _loop = new(clock, options.CheckEvery, log, "keyframe keeper");
    RecordFold? _fold;
    /// <summary>The keyframe the fold went on from (or last wrote), its record time, and the fold's count of events then.</summary>
    long _frameSequence;
    DateTimeOffset? _frameAt;
    long _foldedAtFrame;
    long _written;

    /// <summary>Rounds completed so far, and keyframes this node wrote.</summary>
    public long Rounds => _loop.Rounds;
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Raised after each round, with the clock's time of its look (tests wait on it instead of sleeping).</summary>
    public event Action<DateTimeOffset>? RoundCompleted
    {
        add => _loop.RoundCompleted += value;
        remove => _loop.RoundCompleted -= value;
    }

    /// <summary>Looks now (a test that moved the clock, or an operator).</summary>
    public void Wake() => _loop.Wake();

    public override async Task StartAsync(CancellationToken ct)
    {
        await Keyframes.Ensure(db, ct);
        await base.StartAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken ct) => _loop.RunAsync(Round, ct);

    async Task<(DateTimeOffset? Next, DateTimeOffset LookedAt)> Round(DateTimeOffset now, CancellationToken ct)
    {
        await using var held = await db.OpenConnectionAsync(ct);
        await using (var take = new NpgsqlCommand($"select pg_try_advisory_lock({Keyframes.WriterLock})", held))
            if (await take.ExecuteScalarAsync(ct) is not true) return (now + options.CheckEvery, now);
        try
        {
            await Catch(now, ct);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"select pg_advisory_unlock({Keyframes.WriterLock})", held);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
        return (now + options.CheckEvery, now);
    }

    /// <summary>Folds the new events, cutting keyframes as they come due.</summary>
    async Task Catch(DateTimeOffset now, CancellationToken ct)
    {
        var latest = await keyframes.Latest(ct);
        if (_fold is null || (latest?.Sequence ?? 0) != _frameSequence)
        {
            // First round, or another node wrote meanwhile: go on from the newest keyframe (or, with none, from the start).
            _fold = latest is null
                ? new RecordFold(null, null, 0)
                : new RecordFold(await keyframes.Cards(latest, ct), await keyframes.Units(latest, ct), latest.Sequence);
            (_frameSequence, _frameAt, _foldedAtFrame) = (latest?.Sequence ?? 0, latest?.At, 0);
            if (latest is null) log.LogInformation("No rewind keyframe yet: folding the history once to write them");
        }
        var highWater = await HighWater(ct);
        // Small pages, each followed by a rest: a minute of a busy city's events is tens of thousands.
        var pace = new Pace(options.Share);
        var (started, folded) = (Stopwatch.GetTimestamp(), _fold.Folded);
        if (highWater > _fold.Sequence)
            await past.Replay(_fold, highWater, ct, async fold =>
            {
                await pace.Rest(ct);
                _frameAt ??= fold.FirstAt;
                var since = fold.Folded - _foldedAtFrame;
                if (since >= options.EveryEvents || fold.LastAt - _frameAt >= options.EveryMinutes)
                    await CutIfWorth(fold, now, pace, ct);
            }, Math.Min(options.EveryEvents, PageSize));
        // The time rule on the clock: events came, and the last keyframe is that old.
        if (_fold.Folded > _foldedAtFrame && now - (_frameAt ?? _fold.FirstAt) >= options.EveryMinutes) await CutIfWorth(_fold, now, pace, ct);
        if (_fold.Folded > folded)
            log.LogDebug("Keyframe keeper folded {Events} events in {Ms:0} ms, {Rested:0} ms of it resting", _fold.Folded - folded,
                Stopwatch.GetElapsedTime(started).TotalMilliseconds, pace.Rested.TotalMilliseconds);
    }

    /// <summary>Events read and folded between two rests.</summary>
    const int PageSize = 500;

    async Task CutIfWorth(RecordFold fold, DateTimeOffset now, Pace pace, CancellationToken ct)
    {
        var since = fold.Folded - _foldedAtFrame;
        if (since == 0 || since < options.EventsPerEntry * (fold.Cards.Count + fold.Units.Count)) return;
        var (started, rested) = (Stopwatch.GetTimestamp(), pace.Rested);
        var dayStart = past.MidnightBefore(fold.LastAt);
        fold.DropClosedBefore(dayStart);
        var wrote = await keyframes.Write(fold.Sequence, fold.LastAt, dayStart, fold.Cards.Values, fold.Units.Values, now, pace, ct);
        if (wrote) Interlocked.Increment(ref _written);
        (_frameSequence, _frameAt, _foldedAtFrame) = (fold.Sequence, fold.LastAt, fold.Folded);
        log.LogInformation("Rewind keyframe at event {Sequence} ({At:o}): {Cards} cards, {Units} units, after {Since} events; packed and written in {Ms:0} ms, {Rested:0} ms of it resting",
            fold.Sequence, fold.LastAt, fold.Cards.Count, fold.Units.Count, since, Stopwatch.GetElapsedTime(started).TotalMilliseconds,
            (pace.Rested - rested).TotalMilliseconds);
    }

    /// <summary>The daemon's high-water mark: every event at or below it has committed (or never will).</summary>
    async Task<long> HighWater(CancellationToken ct)
    {
        await using var command = db.CreateCommand("select last_seq_id from dispatch.mt_event_progression where name = 'HighWaterMark'");
        return await command.ExecuteScalarAsync(ct) is long mark ? mark : 0;
    }
}
