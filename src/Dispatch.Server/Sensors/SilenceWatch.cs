using Dispatch.Domain.Sensors;
using Dispatch.Server.Live;
using Marten;
using Npgsql;

namespace Dispatch.Server.Sensors;

/// <summary>
/// Flags devices that went silent. It sleeps (on the injected clock) until the earliest moment a device in service runs
/// past its silence period — its last reading (or its registration) plus the period — then asks each due device through
/// the ordinary command path, which locks its stream and flags it at most once (<see cref="DeviceDecider"/>); a reading
/// clears the flag. With several nodes each silent device is flagged exactly once, and a node that was down catches up
/// when it starts.
/// </summary>
public sealed class SilenceWatch(IDocumentStore store, NpgsqlDataSource db, DeviceService devices, TimeProvider clock, ILogger<SilenceWatch> log)
    : BackgroundService
{
    public const string Login = "silence-watch";
    const int Batch = 200;
    /// <summary>With nothing due, the watch still looks this often (a change on another node is seen by then).</summary>
    internal static readonly TimeSpan LongestNap = TimeSpan.FromMinutes(5);

    readonly ClockedLoop _loop = new(clock, LongestNap, log, "silence watch");

    /// <summary>Raised after each round, with the clock's time of its last look (tests wait on it instead of sleeping).</summary>
    public event Action<DateTimeOffset>? RoundCompleted
    {
        add => _loop.RoundCompleted += value;
        remove => _loop.RoundCompleted -= value;
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        void Wake() => _loop.Wake();
        devices.Changed += Wake;
        try { await _loop.RunAsync((_, token) => CheckDue(token), ct); }
        finally { devices.Changed -= Wake; }
    }

    async Task<(DateTimeOffset? Next, DateTimeOffset LookedAt)> CheckDue(CancellationToken ct)
    {
        var unchanged = new HashSet<Guid>();
        while (true)
        {
            var now = clock.GetUtcNow();
            var (due, next) = await Due(now, ct);
            if (due.Count == 0 || due.All(unchanged.Contains)) return (due.Count == 0 ? next : now.AddSeconds(5), now);
            foreach (var id in due.Where(id => !unchanged.Contains(id)))
                if (await devices.CheckSilence(id, ct)) log.LogWarning("Device {Id} is silent past its period: flagged", id);
                else unchanged.Add(id);
            // Loop once more: the next due moment is computed afresh, and whatever stayed due is left for a later round.
        }
    }

    /// <summary>The devices in service, not flagged, whose silence period has run out; and else the next moment one will.</summary>
    async Task<(IReadOnlyList<Guid> Due, DateTimeOffset? Next)> Due(DateTimeOffset now, CancellationToken ct)
    {
        var table = store.Options.FindOrResolveDocumentType(typeof(Device)).TableName.QualifiedName;
        await using var command = db.CreateCommand($"""
            with running as (
                select d.id, coalesce(h.heard_at, (d.data ->> 'RegisteredAt')::timestamptz)
                    + make_interval(mins => (d.data -> 'Settings' ->> 'SilenceMinutes')::int) as due
                from {table} d left join {SensorTables.Heard} h on h.device_id = d.id
                where coalesce((d.data ->> 'Retired')::boolean, false) = false and d.data ->> 'SilentSince' is null)
            (select id, due from running where due <= $1 order by due limit {Batch})
            union all
            (select null, min(due) from running where due > $1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = now.ToUniversalTime(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        var due = new List<Guid>();
        DateTimeOffset? next = null;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (!reader.IsDBNull(0)) due.Add(reader.GetGuid(0));
            else if (!reader.IsDBNull(1)) next = new DateTimeOffset(reader.GetDateTime(1), TimeSpan.Zero);
        }
        return (due, next);
    }
}
