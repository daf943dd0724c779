using System.Diagnostics;
using System.Threading.Channels;
using Dispatch.Domain.Units;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Dispatch.Server.Units.Positions;

/// <summary>A fix waiting for its batch: answered (<see cref="Answer"/>) only once the batch has committed, or failed.</summary>
public sealed class PendingFix(Guid unitId, string callSign, double lat, double lon, double accuracy, DateTimeOffset reportedAt,
    DateTimeOffset receivedAt)
{
    readonly TaskCompletionSource<FixAnswer> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Guid UnitId => unitId;
    public string CallSign => callSign;
    public UnitFix Fix { get; } = new(unitId, lat, lon, accuracy, reportedAt);
    public DateTimeOffset ReceivedAt => receivedAt;
    public Task<FixAnswer> Answer => _answer.Task;

    internal void Complete(FixAnswer answer) => _answer.TrySetResult(answer);
}

/// <summary>What became of a fix: kept (committed), refused because the unit was off duty at the commit, or not written.</summary>
public enum FixAnswer { Kept, OffDuty, Failed }

/// <summary>
/// The group commit of position fixes. Reports wait in a bounded queue (<c>Dispatch:Positions:QueueLimit</c>: full means
/// "overloaded", answered at once, never queued forever); one writer takes what has arrived, at most one batch every
/// <c>FlushMilliseconds</c> (sooner when <c>BatchRows</c> are waiting), and writes it in one transaction: the history rows
/// (one multi-row insert), each unit's latest row (one upsert, never back in time) and one notice per flush for the other
/// nodes. Only then is every report of the batch answered: a crash loses nothing that was answered as kept.
/// Whether the unit is on duty is read in that same statement from its roster line, so a fix is never kept after the
/// off-duty that was committed before it. After the commit the node's copy moves (<see cref="UnitPositions"/>), the pages
/// hear the moves once per flush, the fixes of travelling units go to the arrival watch (<see cref="ArrivalWatch"/>) and every
/// fix to the home-area fence (<see cref="AreaWatch"/>).
/// </summary>
public sealed class PositionWriter : BackgroundService
{
    /// <summary>The channel the flush's notice goes on: "node id:unit ids" (see <see cref="PositionListener"/>).</summary>
    public const string Channel = "dispatch_unit_positions";

    /// <summary>Ids per notice: a notice's payload must stay under 8,000 bytes (33 characters an id).</summary>
    const int IdsPerNotice = 200;

    readonly Channel<PendingFix> _queue;
    readonly NpgsqlDataSource _db;
    readonly PositionSettings _settings;
    readonly UnitPositions _positions;
    readonly ArrivalWatch _arrivals;
    readonly AreaWatch _areas;
    readonly TimeProvider _clock;
    readonly ILogger<PositionWriter> _log;
    readonly string _sql;
    long _kept, _refused, _failed, _flushes, _overloaded;

    public PositionWriter(NpgsqlDataSource db, IDocumentStore store, PositionSettings settings, UnitPositions positions, ArrivalWatch arrivals,
        AreaWatch areas, TimeProvider clock, ILogger<PositionWriter> log)
    {
        (_db, _settings, _positions, _arrivals, _areas, _clock, _log) = (db, settings, positions, arrivals, areas, clock, log);
        _queue = System.Threading.Channels.Channel.CreateBounded<PendingFix>(new BoundedChannelOptions(settings.QueueLimit)
        {
            SingleReader = true, FullMode = BoundedChannelFullMode.Wait,
        });
        var roster = store.Options.FindOrResolveDocumentType(typeof(UnitRosterEntry)).TableName.QualifiedName;
        // The roster line is Marten's document (jsonb): its status is the unit's status as of the last committed command.
        _sql = $"""
            with fixes as (
                select * from unnest($1::int[], $2::uuid[], $3::float8[], $4::float8[], $5::float4[], $6::timestamptz[], $7::timestamptz[])
                    as f(idx, unit_id, lat, lon, accuracy, reported_at, received_at)),
            tracked as (
                select f.*, r.data ->> 'Status' as status, r.data ->> 'IncidentId' as incident_id, r.data ->> 'HomePath' as home, r.data ->> 'OutsideHome' as outside
                from fixes f join {roster} r on r.id = f.unit_id
                where coalesce(r.data ->> 'Status', '0') not in ('0', 'OffDuty')),
            history as (
                insert into {PositionTables.History} (unit_id, reported_at, lat, lon, accuracy, received_at)
                select unit_id, reported_at, lat, lon, accuracy, received_at from tracked
                on conflict (unit_id, reported_at) do nothing),
            latest as (
                insert into {PositionTables.Latest} (unit_id, lat, lon, accuracy, reported_at, received_at)
                select distinct on (unit_id) unit_id, lat, lon, accuracy, reported_at, received_at from tracked
                order by unit_id, reported_at desc
                on conflict (unit_id) do update set lat = excluded.lat, lon = excluded.lon, accuracy = excluded.accuracy,
                    reported_at = excluded.reported_at, received_at = excluded.received_at
                where {PositionTables.Latest}.reported_at < excluded.reported_at)
            select idx, status, incident_id, home, outside from tracked
            """;
    }

    /// <summary>Queues a fix; false when the queue is full (overloaded: answer so, at once).</summary>
    public bool TryQueue(PendingFix fix)
    {
        if (_queue.Writer.TryWrite(fix)) return true;
        Interlocked.Increment(ref _overloaded);
        return false;
    }

    /// <summary>Reports waiting for a batch now (not counting the batch being written).</summary>
    public int Queued => _queue.Reader.Count;

    /// <summary>Counts since start: kept, refused off duty at the commit, failed writes, flushes, refused as overloaded.</summary>
    public (long Kept, long OffDuty, long Failed, long Flushes, long Overloaded) Counts =>
        (Interlocked.Read(ref _kept), Interlocked.Read(ref _refused), Interlocked.Read(ref _failed), Interlocked.Read(ref _flushes),
            Interlocked.Read(ref _overloaded));

    public override async Task StartAsync(CancellationToken ct)
    {
        await PositionTables.Ensure(_db, _settings, _clock.GetUtcNow(), _log, ct);
        await _positions.LoadAll(ct);
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var batch = new List<PendingFix>(_settings.BatchRows);
        var sinceFlush = Stopwatch.StartNew();
        var partitionsChecked = Stopwatch.StartNew();
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ct))
            {
                // Group commit, timed on the machine's clock (not the domain's): at most one flush per interval, sooner when
                // a batch is full. When idle, the first report is written at once.
                Drain(batch);
                var wait = _settings.FlushEvery - sinceFlush.Elapsed;
                if (batch.Count < _settings.BatchRows && wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, ct);
                    Drain(batch);
                }
                sinceFlush.Restart();
                if (partitionsChecked.Elapsed > TimeSpan.FromHours(1))
                {
                    // New days ahead, old days dropped (retention); cheap and idempotent, so every node may do it.
                    try { await PositionTables.Ensure(_db, _settings, _clock.GetUtcNow(), _log, ct); partitionsChecked.Restart(); }
                    catch (Exception ex) when (ex is not OperationCanceledException) { _log.LogWarning(ex, "Could not maintain the position partitions"); }
                }
                await Flush(batch, ct);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        // Stopping: what is still queued is answered as not written (the devices resend).
        foreach (var pending in batch) pending.Complete(FixAnswer.Failed);
        while (_queue.Reader.TryRead(out var left)) left.Complete(FixAnswer.Failed);
    }

    void Drain(List<PendingFix> batch)
    {
        while (batch.Count < _settings.BatchRows && _queue.Reader.TryRead(out var pending)) batch.Add(pending);
    }

    async Task Flush(List<PendingFix> batch, CancellationToken ct)
    {
        if (batch.Count == 0) return;
        IReadOnlyList<(int Index, string? Status, string? IncidentId, string? Home, bool Outside)> tracked;
        try
        {
            tracked = await Write(batch, ct);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation && !ct.IsCancellationRequested)
        {
            // No partition for a fix's day (the clock passed the days made ahead): make them, and write the batch again.
            _log.LogWarning(ex, "A position fell outside the history's partitions; making them and writing the batch again");
            try
            {
                await PositionTables.Ensure(_db, _settings, _clock.GetUtcNow(), _log, ct);
                tracked = await Write(batch, ct);
            }
            catch (Exception again) when (again is not OperationCanceledException || !ct.IsCancellationRequested) { Fail(batch, again); return; }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested) { Fail(batch, ex); return; }

        Interlocked.Increment(ref _flushes);
        var kept = new bool[batch.Count];
        var travelling = new List<(PendingFix Fix, Guid IncidentId)>();
        var homes = new string?[batch.Count];
        var outside = new bool[batch.Count];
        foreach (var (index, status, incident, home, wasOutside) in tracked)
        {
            kept[index] = true;
            (homes[index], outside[index]) = (home, wasOutside);
            if (IsTravelling(status) && Guid.TryParse(incident, out var incidentId)) travelling.Add((batch[index], incidentId));
        }
        var fixes = new List<UnitFix>(tracked.Count);
        for (var i = 0; i < batch.Count; i++)
            if (kept[i]) fixes.Add(batch[i].Fix);
        // The node's copy first, so that a read right after the answer sees the fix.
        var moved = _positions.Take(fixes);
        for (var i = 0; i < batch.Count; i++) batch[i].Complete(kept[i] ? FixAnswer.Kept : FixAnswer.OffDuty);
        Interlocked.Add(ref _kept, fixes.Count);
        Interlocked.Add(ref _refused, batch.Count - fixes.Count);
        _positions.Publish(moved);
        _areas.Consider(Enumerable.Range(0, batch.Count).Where(i => kept[i]).Select(i => (batch[i].Fix, homes[i], outside[i])));
        if (travelling.Count > 0) _arrivals.Consider(travelling.Select(t => new ArrivalWatch.Candidate(t.Fix.Fix, t.IncidentId)).ToList());
    }

    void Fail(List<PendingFix> batch, Exception ex)
    {
        _log.LogError(ex, "Could not write {Count} position fixes; they are answered as not kept", batch.Count);
        Interlocked.Add(ref _failed, batch.Count);
        foreach (var pending in batch) pending.Complete(FixAnswer.Failed);
    }

    static bool IsTravelling(string? status) =>
        status is not null && (Enum.TryParse<UnitStatus>(status, out var parsed) && NearScene.Travelling(parsed));

    async Task<IReadOnlyList<(int, string?, string?, string?, bool)>> Write(List<PendingFix> batch, CancellationToken ct)
    {
        var n = batch.Count;
        var index = new int[n];
        var units = new Guid[n];
        var lats = new double[n];
        var lons = new double[n];
        var accuracies = new float[n];
        var reported = new DateTime[n];
        var received = new DateTime[n];
        for (var i = 0; i < n; i++)
        {
            var p = batch[i];
            (index[i], units[i], lats[i], lons[i], accuracies[i]) = (i, p.UnitId, p.Fix.Lat, p.Fix.Lon, (float)p.Fix.Accuracy);
            reported[i] = p.Fix.ReportedAt.UtcDateTime;
            received[i] = p.ReceivedAt.UtcDateTime;
        }
        await using var connection = await _db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var result = new List<(int, string?, string?, string?, bool)>(n);
        await using (var command = new NpgsqlCommand(_sql, connection, tx))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = index });
            command.Parameters.Add(new NpgsqlParameter { Value = units });
            command.Parameters.Add(new NpgsqlParameter { Value = lats });
            command.Parameters.Add(new NpgsqlParameter { Value = lons });
            command.Parameters.Add(new NpgsqlParameter { Value = accuracies });
            command.Parameters.Add(new NpgsqlParameter { Value = reported, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = received, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                result.Add((reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), !reader.IsDBNull(4) && reader.GetString(4) == "true"));
        }
        // One notice per flush (in pieces under the payload limit): the other nodes load these units' rows.
        var moved = result.Select(r => units[r.Item1]).Distinct().ToArray();
        if (moved.Length > 0)
        {
            var payloads = moved.Chunk(IdsPerNotice).Select(ids => _positions.Node + ":" + string.Join(',', ids.Select(id => id.ToString("N")))).ToArray();
            await using var notify = new NpgsqlCommand($"select pg_notify('{Channel}', p) from unnest($1::text[]) p", connection, tx);
            notify.Parameters.Add(new NpgsqlParameter { Value = payloads });
            await notify.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return result;
    }
}
