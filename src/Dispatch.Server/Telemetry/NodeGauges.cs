using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Units;
using Dispatch.Server.Units.Positions;
using Marten;
using Npgsql;

namespace Dispatch.Server.Telemetry;

/// <summary>
/// This node's gauges, read when a reader collects (a scrape), never on a command's path. In-memory ones (the admission
/// gate, the position queue) are read as they are; those that need the database (unit mailboxes, daemon lag) come from a
/// reading refreshed in the background at most every <see cref="Refresh"/>, so a scrape never waits on a query and a
/// scrape storm costs one query per interval.
/// <para>
/// The instruments are created once per process on <see cref="DispatchMetrics"/>' meter, which is never disposed, and
/// read every live node of the process (in production, one). Why not a meter per host, disposed with it: in a clean-clone
/// test run, a scrape lacked every one of a node's gauges for 30 s while other test servers started and stopped, and
/// OpenTelemetry has known trouble when one of several meters of a name is disposed (open-telemetry/opentelemetry-dotnet#6412).
/// Instruments that live as long as the process cannot go missing that way.
/// </para>
/// </summary>
public sealed class NodeGauges : IDisposable
{
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(15);

    /// <summary>How soon a failed first read is tried again (later failures wait a whole <see cref="Refresh"/>).</summary>
    static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1);

    static readonly Lock Gate = new();
    static NodeGauges[] _live = [];

    readonly Admission _admission;
    readonly PositionWriter _positions;
    readonly CachedReading<MailboxReading> _mailboxes;
    readonly CachedReading<DaemonReading[]> _daemon;

    public NodeGauges(Admission admission, PositionWriter positions, NpgsqlDataSource db, IDocumentStore store, ILogger<NodeGauges> log)
    {
        (_admission, _positions) = (admission, positions);
        var schema = store.Options.Events.DatabaseSchemaName;
        _mailboxes = new(() => ReadMailboxes(db), log, "unit mailboxes");
        _daemon = new(() => ReadDaemon(db, schema), log, "daemon progression");
        lock (Gate) _live = [.. _live, this];
    }

    public void Dispose()
    {
        lock (Gate) _live = [.. _live.Where(n => n != this)];
    }

    /// <summary>Each live node's measurements of one gauge.</summary>
    static IEnumerable<Measurement<T>> Each<T>(Func<NodeGauges, IEnumerable<Measurement<T>>> measure) where T : struct =>
        Volatile.Read(ref _live).SelectMany(measure);

    static IEnumerable<Measurement<T>> Each<T>(Func<NodeGauges, T> value) where T : struct =>
        Volatile.Read(ref _live).Select(n => new Measurement<T>(value(n)));

    static NodeGauges()
    {
        var meter = DispatchMetrics.Meter;
        meter.CreateObservableGauge("dispatch.admission.running", () => Each(n => n._admission.Running), unit: "{command}",
            description: "Commands running inside the admission gate now (system commands not counted)");
        meter.CreateObservableGauge("dispatch.admission.queued", () => Each(n => n._admission.Waiting), unit: "{command}",
            description: "Commands waiting at the admission gate for a turn now");
        meter.CreateObservableGauge("dispatch.admission.limit", () => Each(n => new[]
        {
            new Measurement<int>(n._admission.MaxConcurrent, new KeyValuePair<string, object?>("limit", "running")),
            new Measurement<int>(n._admission.MaxQueued, new KeyValuePair<string, object?>("limit", "queued")),
        }), unit: "{command}", description: "The admission gate's ceilings (Dispatch:Admission), to compare running and queued with");

        meter.CreateObservableGauge("dispatch.positions.queued", () => Each(n => n._positions.Queued), unit: "{fix}",
            description: "Position fixes waiting for the position writer's next batch on this node");
        meter.CreateObservableCounter("dispatch.positions.written", () => Each(n =>
        {
            var (kept, offDuty, failed, _, overloaded) = n._positions.Counts;
            return new[]
            {
                new Measurement<long>(kept, new KeyValuePair<string, object?>("outcome", "kept")),
                new Measurement<long>(offDuty, new KeyValuePair<string, object?>("outcome", "off-duty")),
                new Measurement<long>(failed, new KeyValuePair<string, object?>("outcome", "failed")),
                new Measurement<long>(overloaded, new KeyValuePair<string, object?>("outcome", "overloaded")),
            };
        }), unit: "{fix}", description: "Position fixes answered by this node since it started, by outcome");
        meter.CreateObservableCounter("dispatch.positions.flushes", () => Each(n => n._positions.Counts.Flushes), unit: "{batch}",
            description: "Position batches written by this node since it started");

        meter.CreateObservableGauge("dispatch.units.mailbox.depth", () => Each(n => One(n._mailboxes.Read(), m => m.Waiting)),
            unit: "{message}", description: "Messages to units not yet acknowledged, all units (held for off-duty units included); refreshed every 15 s");
        meter.CreateObservableGauge("dispatch.units.mailbox.oldest", () => Each(n => One(n._mailboxes.Read(), m => m.OldestSeconds)),
            unit: "s", description: "Age of the oldest message to a unit not yet acknowledged (0: none); refreshed every 15 s");

        meter.CreateObservableGauge("dispatch.daemon.lag.events", () => Each(n => ByProjection(n._daemon.Read(), d => (double)d.Events)), unit: "{event}",
            description: "Events appended but not yet processed, by projection (and the daemon's high-water mark); refreshed every 15 s");
        meter.CreateObservableGauge("dispatch.daemon.lag", () => Each(n => ByProjection(n._daemon.Read(), d => d.Seconds)), unit: "s",
            description: "Age of the oldest event a projection has not processed yet (0: caught up), by projection; refreshed every 15 s");
    }

    static IEnumerable<Measurement<TValue>> One<TValue>(MailboxReading? reading, Func<MailboxReading, TValue> value) where TValue : struct =>
        reading is null ? [] : [new Measurement<TValue>(value(reading))];

    static IEnumerable<Measurement<double>> ByProjection(DaemonReading[]? rows, Func<DaemonReading, double> value) =>
        rows is null ? [] : rows.Select(r => new Measurement<double>(value(r), new KeyValuePair<string, object?>("projection", r.Projection)));

    /// <summary>One scan of the unacknowledged messages (the table keeps acknowledged ones too: this is why it is cached).</summary>
    static async Task<MailboxReading> ReadMailboxes(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand(
            $"select count(*), coalesce(extract(epoch from clock_timestamp() - min(at)), 0)::float8 from {UnitMailbox.MessagesTable} where acked_at is null");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new MailboxReading(reader.GetInt64(0), Math.Max(0, reader.GetDouble(1)));
    }

    /// <summary>
    /// Each progression row (every async projection's shard, and the daemon's HighWaterMark) against the newest event: how
    /// many events it has still to process, and how old the first of them is (two index look-ups per row, on the database's
    /// own clock, so the nodes' clocks do not matter). Marten's allocation fence row is its bookkeeping, not progress.
    /// </summary>
    static async Task<DaemonReading[]> ReadDaemon(NpgsqlDataSource db, string schema)
    {
        await using var command = db.CreateCommand($"""
            select p.name, greatest(m.newest - p.last_seq_id, 0),
                   coalesce(extract(epoch from clock_timestamp() - (select e.timestamp from {schema}.mt_events e
                       where e.seq_id > p.last_seq_id order by e.seq_id limit 1)), 0)::float8
            from {schema}.mt_event_progression p, (select coalesce(max(seq_id), 0) as newest from {schema}.mt_events) m
            where p.name <> 'HighWaterAllocationFence'
            order by p.name
            """);
        var rows = new List<DaemonReading>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(new DaemonReading(reader.GetString(0), reader.GetInt64(1), Math.Max(0, reader.GetDouble(2))));
        return [.. rows];
    }

    sealed record MailboxReading(long Waiting, double OldestSeconds);

    sealed record DaemonReading(string Projection, long Events, double Seconds);

    /// <summary>
    /// The last value read, and a new read started (in the background, one at a time) when it is older than
    /// <see cref="Refresh"/>. Null until the first read has come back: a gauge then reports nothing rather than a false 0.
    /// A failed read keeps the last value and is logged at debug level (the health checks report the database).
    /// </summary>
    sealed class CachedReading<T>(Func<Task<T>> read, ILogger log, string what) where T : class
    {
        T? _value;
        long _readAt = long.MinValue;
        int _reading;

        public T? Read()
        {
            var readAt = Interlocked.Read(ref _readAt);
            if ((readAt == long.MinValue || Stopwatch.GetElapsedTime(readAt) >= Refresh) && Interlocked.CompareExchange(ref _reading, 1, 0) == 0)
                _ = Task.Run(ReadNow);
            return Volatile.Read(ref _value);
        }

        async Task ReadNow()
        {
            try
            {
                Volatile.Write(ref _value, await read());
                Interlocked.Exchange(ref _readAt, Stopwatch.GetTimestamp());
            }
            catch (Exception ex)
            {
                log.LogDebug(ex, "Could not read the {What} for the metrics", what);
                // Try again at the next scrape after a full interval, not at every scrape; before the first value, after a
                // second (one failed read at start-up must not leave the gauge out of scrapes for a whole interval).
                var backOff = Volatile.Read(ref _value) is null ? FirstRetry : Refresh;
                Interlocked.Exchange(ref _readAt, Stopwatch.GetTimestamp() - (long)((Refresh - backOff).TotalSeconds * Stopwatch.Frequency));
            }
            finally { Volatile.Write(ref _reading, 0); }
        }
    }
}
