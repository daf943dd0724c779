using System.Collections.Concurrent;
using System.Text.Json;
using Marten;
using Npgsql;
using Weasel.Postgresql.Tables;

namespace Dispatch.Server.Units;

/// <summary>
/// Every message to a unit is kept until the unit acknowledges it, and delivered to each of its connections once and
/// in order. How:
/// <list type="bullet">
/// <item>A message is written in the transaction of the command that caused it (<see cref="Post"/>), numbered by an
/// upsert on the unit's counter row. That row stays locked until the commit, so a unit's messages commit in the order
/// of their numbers and a visible message never has an invisible one before it.</item>
/// <item>The same transaction queues a NOTIFY; every node pumps that unit's new messages to its own connections.</item>
/// <item>Each connection has a cursor (the last number sent to it); a new connection starts at zero and receives
/// every message not yet acknowledged. Sends to one unit's connections take turns, so nothing is sent twice to a
/// connection nor out of order, and a phone that was offline gets what it missed when it reconnects.</item>
/// </list>
/// A unit off duty receives nothing until it is back on duty; a unit that signs out is disconnected.
/// </summary>
public sealed class UnitMailbox(NpgsqlDataSource db, IDocumentStore store, TimeProvider clock, ILogger<UnitMailbox> log)
{
    public const string MessagesTable = "dispatch.unit_messages";
    public const string CountersTable = "dispatch.unit_mailboxes";
    public const string Channel = "dispatch_unit_messages";
    const string SignedOutPrefix = "signout:";

    readonly ConcurrentDictionary<Guid, Line> _lines = new();

    public static IEnumerable<Table> Tables()
    {
        var counters = new Table(CountersTable);
        counters.AddColumn("unit_id", "uuid").AsPrimaryKey();
        counters.AddColumn("last_seq", "bigint").NotNull();
        var messages = new Table(MessagesTable);
        messages.AddColumn("unit_id", "uuid").AsPrimaryKey();
        messages.AddColumn("seq", "bigint").AsPrimaryKey();
        messages.AddColumn("kind", "text").NotNull();
        messages.AddColumn("body", "jsonb").NotNull();
        messages.AddColumn("at", "timestamptz").NotNull();
        messages.AddColumn("acked_at", "timestamptz");
        return [counters, messages];
    }

    /// <summary>
    /// Queues a message to the unit in the session's transaction: it exists, and is pushed, only if the commit succeeds.
    /// The body is stored as its contract says (<see cref="UnitMessageBody"/>: versioned, enums as names).
    /// </summary>
    public static void Post(IDocumentSession session, Guid unitId, string kind, UnitMessageBody body, DateTimeOffset at)
    {
        if (kind != body.Kind) throw new ArgumentException($"A {body.Kind} body posted as {kind}.", nameof(kind));
        session.QueueSqlCommand(
            $"with next as (insert into {CountersTable} (unit_id, last_seq) values (?, 1) " +
            $"on conflict (unit_id) do update set last_seq = {CountersTable}.last_seq + 1 returning last_seq) " +
            $"insert into {MessagesTable} (unit_id, seq, kind, body, at) select ?, last_seq, ?, ?::jsonb, ? from next",
            unitId, unitId, kind, body.ToJson().GetRawText(), at);
        session.QueueSqlCommand($"NOTIFY {Channel}, '{unitId}'");
    }

    /// <summary>Queues a pump of the unit's messages without a new one (it came back on duty).</summary>
    public static void Wake(IDocumentSession session, Guid unitId) => session.QueueSqlCommand($"NOTIFY {Channel}, '{unitId}'");

    /// <summary>Tells every node to disconnect the sessions of <paramref name="login"/> (it signed out).</summary>
    public async Task SignOut(string login, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand("select pg_notify($1, $2)");
        command.Parameters.AddWithValue(Channel);
        command.Parameters.AddWithValue(SignedOutPrefix + login);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>A notice from <see cref="Channel"/> (any node's commit or sign-out).</summary>
    public Task OnNotice(string payload)
    {
        if (payload.StartsWith(SignedOutPrefix, StringComparison.Ordinal)) return SignedOut(payload[SignedOutPrefix.Length..]);
        return Guid.TryParse(payload, out var unitId) ? Pump(unitId) : Task.CompletedTask;
    }

    /// <summary>After the listener was away: pump every unit with connections here.</summary>
    public Task PumpAll() => Task.WhenAll(_lines.Keys.Select(Pump));

    /// <summary>
    /// Starts delivering to one connection of the unit: at once every message it has not acknowledged, then each new
    /// one. <paramref name="close"/> ends the connection (the unit signed out). Dispose to stop.
    /// </summary>
    public async Task<IAsyncDisposable> Subscribe(Guid unitId, string login, Func<IReadOnlyList<UnitMessage>, Task> deliver, Action close)
    {
        var line = _lines.GetOrAdd(unitId, _ => new Line());
        var subscriber = new Subscriber(login, deliver, close);
        await line.Gate.WaitAsync();
        try
        {
            line.Subscribers.Add(subscriber);
            await Deliver(unitId, line, [subscriber]);
        }
        finally { line.Gate.Release(); }
        return new Unsubscribe(async () =>
        {
            await line.Gate.WaitAsync();
            try { line.Subscribers.Remove(subscriber); }
            finally { line.Gate.Release(); }
        });
    }

    /// <summary>The unit has the message: it is not sent again, not even after a reconnect. False when unknown or already acknowledged.</summary>
    public async Task<bool> Ack(Guid unitId, long seq, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            $"update {MessagesTable} set acked_at = $3 where unit_id = $1 and seq = $2 and acked_at is null");
        command.Parameters.AddWithValue(unitId);
        command.Parameters.AddWithValue(seq);
        command.Parameters.AddWithValue(clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>The messages the unit has not acknowledged, oldest first.</summary>
    public async Task<IReadOnlyList<UnitMessage>> Unacknowledged(Guid unitId, long after = 0, CancellationToken ct = default)
    {
        await using var command = db.CreateCommand(
            $"select seq, kind, at, body::text from {MessagesTable} where unit_id = $1 and seq > $2 and acked_at is null order by seq");
        command.Parameters.AddWithValue(unitId);
        command.Parameters.AddWithValue(after);
        var messages = new List<UnitMessage>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var kind = reader.GetString(1);
            messages.Add(new(reader.GetInt64(0), kind, reader.GetFieldValue<DateTimeOffset>(2),
                AsSent(kind, JsonDocument.Parse(reader.GetString(3)).RootElement.Clone())));
        }
        return messages;
    }

    /// <summary>
    /// A stored body as it goes out. Bodies stored before the contracts were versioned (no "v") carry enums as numbers:
    /// they go out rewritten by their record (enums as names, "v": 1). Versioned bodies go out as stored, fields this
    /// node does not know included (a newer node may have written them).
    /// </summary>
    internal static JsonElement AsSent(string kind, JsonElement stored)
    {
        if (stored.ValueKind != JsonValueKind.Object || stored.TryGetProperty("v", out _)) return stored;
        return UnitMessageBody.Read(kind, stored) is var body and not UnknownMessage ? body.ToJson() : stored;
    }

    async Task Pump(Guid unitId)
    {
        if (!_lines.TryGetValue(unitId, out var line)) return;
        await line.Gate.WaitAsync();
        try { await Deliver(unitId, line, line.Subscribers); }
        catch (Exception ex) { log.LogWarning(ex, "Could not pump messages of unit {Unit}", unitId); }
        finally { line.Gate.Release(); }
    }

    /// <summary>Sends each subscriber what it has not been sent yet. Called only while holding the line's gate.</summary>
    async Task Deliver(Guid unitId, Line line, IReadOnlyCollection<Subscriber> subscribers)
    {
        if (subscribers.Count == 0) return;
        await using (var query = store.QuerySession())
        {
            if (await query.LoadAsync<UnitRosterEntry>(unitId) is not { } unit || unit.Status == Domain.Units.UnitStatus.OffDuty) return;
        }
        var pending = await Unacknowledged(unitId, subscribers.Min(s => s.Cursor));
        foreach (var subscriber in subscribers.ToList())
        {
            var batch = pending.Where(m => m.Seq > subscriber.Cursor).ToList();
            if (batch.Count == 0) continue;
            subscriber.Cursor = batch[^1].Seq;
            try { await subscriber.Deliver(batch); }
            catch (Exception ex)
            {
                // The connection is going away; what it missed is still unacknowledged and comes again on reconnect.
                log.LogDebug(ex, "Could not deliver {Count} messages to unit {Unit}", batch.Count, unitId);
            }
        }
    }

    async Task SignedOut(string login)
    {
        foreach (var line in _lines.Values)
        {
            await line.Gate.WaitAsync();
            try
            {
                foreach (var subscriber in line.Subscribers.Where(s => s.Login == login).ToList())
                {
                    line.Subscribers.Remove(subscriber);
                    subscriber.Close();
                }
            }
            finally { line.Gate.Release(); }
        }
    }

    sealed class Line
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public List<Subscriber> Subscribers { get; } = [];
    }

    sealed class Subscriber(string login, Func<IReadOnlyList<UnitMessage>, Task> deliver, Action close)
    {
        public string Login => login;
        public long Cursor { get; set; }
        public Func<IReadOnlyList<UnitMessage>, Task> Deliver => deliver;
        public Action Close => close;
    }

    sealed class Unsubscribe(Func<Task> dispose) : IAsyncDisposable
    {
        int _disposed;
        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) await dispose();
        }
    }
}
