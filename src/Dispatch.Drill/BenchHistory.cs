using System.Diagnostics;
using Npgsql;

namespace Dispatch.Drill;

/// <summary>
/// <c>bench-history</c>: does a command cost more on a long stream? A unit's position report and an incident's progress
/// note, each on a fresh stream (about 10 events) and on one with <c>--history</c> more events, in the same run, warm,
/// interleaved one for one so both see the same machine. The long history is written straight into PostgreSQL (copies of
/// the stream's own last event: the fold, and so the state, is the same), because through the API 20,000 reports would
/// take minutes — and hours on a server that replays the stream per command, which is what this measures.
/// </summary>
public static class BenchHistory
{
    public const string Usage =
        "bench-history --database CONNECTION [--history 20000] [--count 300] [--warmup 50] [--url URL] [--login city.dispatcher]\n" +
        "          [--handler city.handler] [--password dispatch-demo] [--schema dispatch]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var database = o.String("--database", Environment.GetEnvironmentVariable("ConnectionStrings__Dispatch") ?? "");
        var history = o.Int("--history", 20_000, min: 1);
        var count = o.Int("--count", 300, min: 10);
        var warmup = o.Int("--warmup", 50, min: 0);
        var login = o.String("--login", "city.dispatcher");
        var handlerLogin = o.String("--handler", "city.handler");
        var password = o.String("--password", "dispatch-demo");
        var schema = o.String("--schema", "dispatch");
        o.RejectUnknown();
        if (database == "") throw new OptionException("--database: the console's PostgreSQL connection string (to write the long history).");

        using var dispatcher = await DispatchClient.SignIn(url, login, password, Units.Log);
        // The department's handler acknowledges and notes progress (a dispatcher may not).
        using var handler = await DispatchClient.SignIn(url, handlerLogin, password, Units.Log);
        var town = (await Fleet.Towns(dispatcher)).OrderBy(t => t.Code, StringComparer.Ordinal).First();
        var department = (await dispatcher.Departments()).First(d => d.AtTowns).Code;
        var run = DateTime.UtcNow.ToString("HHmmss");
        var start = town.RandomPoint(new Random(13));

        // Two units and two incidents, each about 10 events long.
        var units = new Dictionary<string, Guid>();
        var incidents = new Dictionary<string, Guid>();
        foreach (var which in new[] { "fresh", "long" })
        {
            var unit = (await dispatcher.Post("/api/units", new
            {
                callSign = $"史测-{run}-{which}", department, jurisdiction = town.Code, capabilities = new[] { "patrol" }, members = new[] { "史测" },
            })).GetProperty("id").GetGuid();
            await dispatcher.Unit(unit, "on-duty");
            var (incident, _) = await dispatcher.Report(new
            {
                channel = "hotline", callerName = "史测", callerPhone = $"139{Random.Shared.Next(10000000, 99999999)}", lat = start.Lat, lon = start.Lon,
                address = $"{town.Name}史测点 {which}", category = "road-damage", description = $"bench-history {run} {which}", urgency = 2,
            });
            await dispatcher.Incident(incident, "accept");
            await dispatcher.Incident(incident, "assign", new { department });
            await handler.Incident(incident, "acknowledge", new { department });
            (units[which], incidents[which]) = (unit, incident);
        }
        var moves = new Dictionary<Guid, int>();
        for (var i = 0; i < 8; i++)
            foreach (var which in units.Keys)
            {
                await Position(dispatcher, units[which], start, moves);
                await Note(handler, incidents[which], department, i);
            }

        var stopwatch = Stopwatch.StartNew();
        await using (var db = NpgsqlDataSource.Create(database))
        {
            await Copy(db, schema, units["long"], "unit_position_reported", history);
            await Copy(db, schema, incidents["long"], "incident_progress_noted", history);
        }
        Units.Log($"wrote {history} events into the long unit's and the long incident's streams in {stopwatch.Elapsed.TotalSeconds:F1} s");

        var samples = new Dictionary<string, List<double>> { ["unit fresh"] = [], ["unit long"] = [], ["incident fresh"] = [], ["incident long"] = [] };
        for (var i = 0; i < warmup + count; i++)
            foreach (var which in units.Keys)
            {
                var took = await Timed(() => Position(dispatcher, units[which], start, moves));
                if (i >= warmup) samples[$"unit {which}"].Add(took);
                took = await Timed(() => Note(handler, incidents[which], department, i));
                if (i >= warmup) samples[$"incident {which}"].Add(took);
            }

        Console.WriteLine($"history {history} events, {count} commands each after {warmup} warm-up, interleaved");
        foreach (var (name, ms) in samples)
        {
            var sorted = ms.Order().ToList();
            Console.WriteLine($"{name,-15} mean {ms.Average():F2} ms, p50 {Percentiles.Of(sorted, 0.5):F2} ms, p99 {Percentiles.Of(sorted, 0.99):F2} ms, max {sorted[^1]:F1} ms");
        }
        foreach (var kind in new[] { "unit", "incident" })
        {
            var (fresh, longer) = (samples[$"{kind} fresh"], samples[$"{kind} long"]);
            Console.WriteLine($"{kind} long/fresh: mean ×{longer.Average() / fresh.Average():F2}, " +
                              $"p50 ×{Percentiles.Of(longer.Order().ToList(), 0.5) / Percentiles.Of(fresh.Order().ToList(), 0.5):F2}");
        }
        return 0;
    }

    static async Task<double> Timed(Func<Task> command)
    {
        var started = Stopwatch.GetTimestamp();
        await command();
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    /// <summary>About 65 m north, then back south: above the 25 m thinning, so every report is written.</summary>
    static Task Position(DispatchClient dispatcher, Guid unit, LatLon start, Dictionary<Guid, int> moves)
    {
        var n = moves[unit] = moves.GetValueOrDefault(unit) + 1;
        return dispatcher.Unit(unit, "position", new { lat = Math.Round(start.Lat + (n % 2) * 0.0006, 6), lon = start.Lon, accuracy = 10, reportedAt = DateTimeOffset.UtcNow });
    }

    static Task Note(DispatchClient dispatcher, Guid incident, string department, int n) =>
        dispatcher.Incident(incident, "progress", new { department, note = $"史测进展 {n}" });

    /// <summary>
    /// Appends <paramref name="count"/> copies of the stream's last event (which must be of <paramref name="type"/>) as
    /// Marten would: next global sequence numbers, the next versions, the stream's version moved on.
    /// </summary>
    static async Task Copy(NpgsqlDataSource db, string schema, Guid stream, string type, int count)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand($"""
            insert into {schema}.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived)
            select nextval('{schema}.mt_events_sequence'), gen_random_uuid(), e.stream_id, s.version + g, e.data, e.type, now(), e.tenant_id, e.mt_dotnet_type, false
            from {schema}.mt_streams s join {schema}.mt_events e on e.stream_id = s.id and e.version = s.version, generate_series(1, $2) g
            where s.id = $1 and e.type = $3
            order by g
            """, connection, tx);
        insert.Parameters.AddWithValue(stream);
        insert.Parameters.AddWithValue(count);
        insert.Parameters.AddWithValue(type);
        var inserted = await insert.ExecuteNonQueryAsync();
        if (inserted != count) throw new InvalidOperationException($"Stream {stream}: its last event is not a {type} ({inserted} copied).");
        await using var bump = new NpgsqlCommand($"update {schema}.mt_streams set version = version + $2, timestamp = now() where id = $1", connection, tx);
        bump.Parameters.AddWithValue(stream);
        bump.Parameters.AddWithValue(count);
        await bump.ExecuteNonQueryAsync();
        await tx.CommitAsync();
    }
}
