using System.IO.Compression;
using System.Text;
using Dispatch.Server.Incidents;
using Dispatch.Server.Units;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace Dispatch.Server.Rewind;

/// <summary>The keyframes' settings (<c>Dispatch:Rewind</c>, docs/configuration.md).</summary>
public sealed class RewindOptions
{
    public const string Section = "Dispatch:Rewind";

    /// <summary>Whether this node writes keyframes (one node of a cluster does at a time; reading them is always on).</summary>
    public bool Keyframes { get; set; } = true;
    /// <summary>A keyframe at least every this many events…</summary>
    public int EveryEvents { get; set; } = 10_000;
    /// <summary>…or every this long of record time, whichever comes first (if any event came meanwhile).</summary>
    public TimeSpan EveryMinutes { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>
    /// But never before this many events per entry it would hold (open cards, cards closed that day, units) have passed
    /// since the last one: writing and reading a keyframe costs about what replaying that many events does, so a huge board
    /// is not written every few minutes, and the events a rewind replays stay at most max(EveryEvents, this × entries).
    /// </summary>
    public double EventsPerEntry { get; set; } = 1.0;
    /// <summary>How often the keeper looks for new events.</summary>
    public TimeSpan CheckEvery { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>
    /// The share of one core the keeper may take while it folds and packs (it rests in between): its work is a burst a
    /// minute that would otherwise stall live pushes on a busy node. 1: no rest.
    /// </summary>
    public double Share { get; set; } = 0.25;
    /// <summary>
    /// How many rewinds (boards, rosters) a node builds at once; the others wait their turn. Why: a rewind is a burst of
    /// reads and folding that competes with live work for the same cores, and ten people scrubbing must not cost more
    /// than one (a scrubber skips the frames it waited through).
    /// </summary>
    public int Concurrent { get; set; } = 1;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (EveryEvents < 1) problems.Add($"EveryEvents must be at least 1; it is {EveryEvents}");
        if (EveryMinutes <= TimeSpan.Zero) problems.Add($"EveryMinutes must be a positive time span; it is '{EveryMinutes}'");
        if (EventsPerEntry is < 0 or > 1000 || double.IsNaN(EventsPerEntry)) problems.Add($"EventsPerEntry must be between 0 and 1000; it is {EventsPerEntry}");
        if (Concurrent is < 1 or > 64) problems.Add($"Concurrent must be between 1 and 64; it is {Concurrent}");
        if (CheckEvery < TimeSpan.FromSeconds(1)) problems.Add($"CheckEvery must be at least 00:00:01; it is '{CheckEvery}'");
        if (Share is <= 0 or > 1 || double.IsNaN(Share)) problems.Add($"Share must be above 0 and at most 1; it is {Share}");
        return problems;
    }
}

/// <summary>One keyframe's header: the last event it holds (sequence, record time) and the city day whose closed cards it keeps.</summary>
public sealed record Keyframe(long Sequence, DateTimeOffset At, DateTimeOffset DayStart, int Cards, int Units, long Bytes);

/// <summary>
/// Keyframes of the record (<c>dispatch.rewind_keyframes</c>): at intervals, everything a rewind needs to go on from there
/// instead of from the first event — the incident cards open then or closed since that city day's midnight, and the unit
/// roster lines (without the position history's overlay). Each is gzip'd JSON lines, written with the store's own
/// serializer (the one the live read models round-trip through), cards and units apart so a roster rewind does not
/// inflate the board. The bytes go in parts (<see cref="PartsTable"/>) of about <see cref="PartBytes"/>, each its own
/// short statement, and the header row last: one insert of a big city's board (tens of MB) held a PostgreSQL core for
/// a second and made every commit behind it wait. Keyframes written before the parts keep their bytes in the header.
/// Kept, not thinned: the size per keyframe is measured in docs/benchmarks.md ("Time travel").
/// Created idempotently at start, like <see cref="Units.Positions.PositionTables"/>.
/// </summary>
public sealed class Keyframes(NpgsqlDataSource db, IDocumentStore store)
{
    public const string Table = "dispatch.rewind_keyframes";
    public const string PartsTable = "dispatch.rewind_keyframe_parts";
    /// <summary>About how many packed bytes go in one part (one insert of its own, with a rest after it).</summary>
    const int PartBytes = 256 * 1024;
    /// <summary>The keeper's session lock: one writer in a cluster (any fixed number of our own, unlike the other locks here).</summary>
    public const long WriterLock = 0x5265_7769_6E64; // "Rewind"

    static readonly string Create = $"""
        create table if not exists {Table} (
            sequence bigint primary key,
            at timestamptz not null,
            day_start timestamptz not null,
            card_count int not null,
            unit_count int not null,
            cards bytea not null,
            units bytea not null,
            written_at timestamptz not null);
        create index if not exists rewind_keyframes_at on {Table} (at);
        create table if not exists {PartsTable} (
            sequence bigint not null,
            what text not null,
            part int not null,
            bytes bytea not null,
            primary key (sequence, what, part));
        """;

    readonly ISerializer _json = store.Options.Serializer();

    public static async Task Ensure(NpgsqlDataSource db, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("select pg_advisory_xact_lock(hashtext('dispatch.rewind_keyframes'))", connection, tx))
            await take.ExecuteNonQueryAsync(ct);
        await using (var create = new NpgsqlCommand(Create, connection, tx))
            await create.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    static readonly string Columns = "sequence, at, day_start, card_count, unit_count, (octet_length(cards) + octet_length(units) + " +
        $"coalesce((select sum(octet_length(p.bytes)) from {PartsTable} p where p.sequence = {Table}.sequence), 0))::bigint";

    /// <summary>The newest keyframe at or before <paramref name="sequence"/> whose day started by <paramref name="dayStart"/> (cards rewinds need its closed cards to cover their day).</summary>
    public Task<Keyframe?> Nearest(long sequence, DateTimeOffset? dayStart, CancellationToken ct) =>
        One($"select {Columns} from {Table} where sequence <= $1 and day_start <= $2 order by sequence desc limit 1",
            ct, sequence, (dayStart ?? DateTimeOffset.MaxValue.AddDays(-1)).UtcDateTime);

    public Task<Keyframe?> Latest(CancellationToken ct) => One($"select {Columns} from {Table} order by sequence desc limit 1", ct);

    /// <summary>
    /// The sequences a moment at <paramref name="at"/> lies between: the last keyframe recorded at or before it (the moment's
    /// event is that one or later) and the first recorded well after it (record times follow the sequence to within a
    /// transaction's length; <paramref name="slack"/> covers that). Null where there is none.
    /// </summary>
    public async Task<(long From, long? To)> Bounds(DateTimeOffset at, TimeSpan slack, CancellationToken ct)
    {
        var before = await One($"select {Columns} from {Table} where at <= $1 order by at desc limit 1", ct, at.UtcDateTime);
        var after = await One($"select {Columns} from {Table} where at > $1 order by at limit 1", ct, (at + slack).UtcDateTime);
        return (before?.Sequence ?? 0, after?.Sequence);
    }

    public async Task<IReadOnlyList<Keyframe>> All(CancellationToken ct)
    {
        await using var command = db.CreateCommand($"select {Columns} from {Table} order by sequence");
        return await Read(command, ct);
    }

    public async Task<Dictionary<Guid, IncidentCard>> Cards(Keyframe frame, CancellationToken ct) =>
        (await Decoded<IncidentCard>(frame.Sequence, "cards", ct)).ToDictionary(c => c.Id);

    public async Task<Dictionary<Guid, UnitRosterEntry>> Units(Keyframe frame, CancellationToken ct) =>
        (await Decoded<UnitRosterEntry>(frame.Sequence, "units", ct)).ToDictionary(u => u.Id);

    // The last keyframes read, decoded. Why: a scrubber asks for the same keyframe frame after frame, and reading and
    // decoding a board of thousands of cards costs more than replaying the events after it. Cards and roster lines are
    // immutable records, so every caller shares them and gets a dictionary of its own.
    const int DecodedKept = 4;
    readonly Lock _decodedGate = new();
    readonly List<(long Sequence, string Column, object Lines)> _decoded = [];

    async Task<IReadOnlyList<T>> Decoded<T>(long sequence, string column, CancellationToken ct)
    {
        lock (_decodedGate)
            foreach (var kept in _decoded)
                if (kept.Sequence == sequence && kept.Column == column) return (IReadOnlyList<T>)kept.Lines;
        var lines = await Lines<T>(sequence, column, ct);
        lock (_decodedGate)
        {
            _decoded.Add((sequence, column, lines));
            if (_decoded.Count > DecodedKept) _decoded.RemoveAt(0);
        }
        return lines;
    }

    /// <summary>
    /// Writes a keyframe unless one at that sequence exists (a second writer's is the same fold: keep the first). The caller
    /// holds <see cref="WriterLock"/>, so no one else writes parts meanwhile; parts left by a writer that stopped halfway
    /// (no header) are dropped first. The header goes in last: a keyframe is read only once all its parts are there.
    /// </summary>
    public async Task<bool> Write(long sequence, DateTimeOffset at, DateTimeOffset dayStart, IReadOnlyCollection<IncidentCard> cards,
        IReadOnlyCollection<UnitRosterEntry> units, DateTimeOffset now, Pace pace, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using (var exists = new NpgsqlCommand($"select exists (select 1 from {Table} where sequence = $1)", connection) { Parameters = { new() { Value = sequence } } })
            if ((bool)(await exists.ExecuteScalarAsync(ct))!) return false;
        await using (var orphans = new NpgsqlCommand($"delete from {PartsTable} where sequence = $1", connection) { Parameters = { new() { Value = sequence } } })
            await orphans.ExecuteNonQueryAsync(ct);

        await Pack(connection, sequence, "cards", cards, pace, ct);
        await Pack(connection, sequence, "units", units, pace, ct);

        await using var command = new NpgsqlCommand($"""
            insert into {Table} (sequence, at, day_start, card_count, unit_count, cards, units, written_at)
            values ($1, $2, $3, $4, $5, ''::bytea, ''::bytea, $6) on conflict (sequence) do nothing
            """, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        command.Parameters.Add(new NpgsqlParameter { Value = at.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = dayStart.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter { Value = cards.Count });
        command.Parameters.Add(new NpgsqlParameter { Value = units.Count });
        command.Parameters.Add(new NpgsqlParameter { Value = now.UtcDateTime });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>How many lines are packed between two rests of the pace (a board of 50,000 cards packs in 200 steps).</summary>
    const int PackStep = 250;

    /// <summary>Packs <paramref name="items"/> as gzip'd JSON lines into parts of about <see cref="PartBytes"/>, resting between steps.</summary>
    async Task Pack<T>(NpgsqlConnection connection, long sequence, string what, IEnumerable<T> items, Pace pace, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var part = 0;
        async Task Flush()
        {
            await using var insert = new NpgsqlCommand($"insert into {PartsTable} (sequence, what, part, bytes) values ($1, $2, $3, $4)", connection);
            insert.Parameters.Add(new NpgsqlParameter { Value = sequence });
            insert.Parameters.Add(new NpgsqlParameter { Value = what });
            insert.Parameters.Add(new NpgsqlParameter { Value = part++ });
            insert.Parameters.Add(new NpgsqlParameter { Value = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), NpgsqlDbType = NpgsqlDbType.Bytea });
            await insert.ExecuteNonQueryAsync(ct);
            buffer.SetLength(0);
        }
        await using (var zip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        await using (var writer = new StreamWriter(zip, new UTF8Encoding(false)))
        {
            var n = 0;
            foreach (var item in items)
            {
                writer.WriteLine(_json.ToCleanJson(item!)); // one line each: JSON escapes newlines inside strings
                if (++n % PackStep != 0) continue;
                if (buffer.Length >= PartBytes) await Flush();
                await pace.Rest(ct);
            }
        }
        await Flush(); // the rest, with gzip's trailer (an empty list is one part too)
    }

    async Task<List<T>> Lines<T>(long sequence, string column, CancellationToken ct)
    {
        // The parts in order are one gzip stream; a keyframe from before the parts has its bytes in the header.
        await using var command = db.CreateCommand(
            $"select coalesce((select string_agg(p.bytes, ''::bytea order by p.part) from {PartsTable} p where p.sequence = $1 and p.what = '{column}'), " +
            $"(select {column} from {Table} where sequence = $1))");
        command.Parameters.Add(new NpgsqlParameter { Value = sequence });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        var found = new List<T>();
        if (!await reader.ReadAsync(ct) || await reader.IsDBNullAsync(0, ct)) return found;
        await using var zip = new GZipStream(await reader.GetStreamAsync(0, ct), CompressionMode.Decompress);
        using var lines = new StreamReader(zip, Encoding.UTF8);
        while (await lines.ReadLineAsync(ct) is { } line)
        {
            using var one = new MemoryStream(Encoding.UTF8.GetBytes(line));
            found.Add(_json.FromJson<T>(one));
        }
        return found;
    }

    async Task<Keyframe?> One(string sql, CancellationToken ct, params object[] values)
    {
        await using var command = db.CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return (await Read(command, ct)).FirstOrDefault();
    }

    static async Task<IReadOnlyList<Keyframe>> Read(NpgsqlCommand command, CancellationToken ct)
    {
        var found = new List<Keyframe>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found.Add(new Keyframe(reader.GetInt64(0), Utc(reader.GetDateTime(1)), Utc(reader.GetDateTime(2)), reader.GetInt32(3),
                reader.GetInt32(4), reader.GetInt64(5)));
        return found;
    }

    static DateTimeOffset Utc(DateTime at) => new(DateTime.SpecifyKind(at, DateTimeKind.Utc));
}
