using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;

namespace Dispatch.Drill;

/// <summary>
/// <c>settle</c>: brings a benchmark database back to what a city's store looks like — a long history, a board of a few
/// thousand open matters — by cancelling (as duplicates, through the API, like a dispatcher would) every open incident
/// but the newest <c>--keep-open</c>. Why: the intake drills only report, so each run leaves its calls open, and a board
/// of 200,000 open incidents is no city's; what the server does per change with the open board (the node's shared copy,
/// the situation ledger, each board's list) is then measured on a size it never meets, and runs stop being comparable.
/// </summary>
public static class Settle
{
    public const string Usage =
        "settle --database CONNECTION [--keep-open 2000] [--parallel 8] [--url URL] [--login city.dispatcher] [--password dispatch-demo] [--schema dispatch]";

    public static async Task<int> Run(Options o)
    {
        var url = o.Url();
        var database = o.String("--database", Environment.GetEnvironmentVariable("ConnectionStrings__Dispatch") ?? "");
        var keep = o.Int("--keep-open", 2000, min: 0);
        var parallel = o.Int("--parallel", 8, min: 1);
        var login = o.String("--login", "city.dispatcher");
        var password = o.String("--password", "dispatch-demo");
        var schema = o.String("--schema", "dispatch");
        o.RejectUnknown();
        if (database == "") throw new OptionException("--database: the console's PostgreSQL connection string (to find the open incidents).");

        var surplus = await Surplus(database, schema, keep);
        Units.Log($"settle: {surplus.Count} open incidents beyond the newest {keep} to cancel as duplicates");
        if (surplus.Count == 0) return 0;

        using var dispatcher = await DispatchClient.SignIn(url, login, password, Units.Log);
        int next = -1, cancelled = 0, refused = 0, shed = 0;
        var failed = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        using var progress = new Timer(_ => Units.Log($"settle: {Volatile.Read(ref cancelled)} cancelled, {Volatile.Read(ref refused)} refused, " +
            $"{Volatile.Read(ref shed)} retried after 503, of {surplus.Count} ({Volatile.Read(ref cancelled) / Math.Max(1, clock.Elapsed.TotalSeconds):0}/s)"),
            null, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10));

        await Task.WhenAll(Enumerable.Range(0, parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < surplus.Count)
            {
                while (true)
                {
                    using var response = await dispatcher.Http.PostAsJsonAsync($"/api/incidents/{surplus[i]}/cancel",
                        new { reason = "duplicate", note = "benchmark history settled (Dispatch.Drill settle)" }, DispatchClient.Json);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        Interlocked.Increment(ref shed);
                        await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                        continue;
                    }
                    if (response.IsSuccessStatusCode) Interlocked.Increment(ref cancelled);
                    // Closed meanwhile, or a state a duplicate cannot be cancelled from: left as it is.
                    else if (response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity) Interlocked.Increment(ref refused);
                    else failed.AddOrUpdate(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
                    break;
                }
            }
        }));
        Units.Log($"settle: {cancelled} cancelled, {refused} refused, {shed} retried after 503 in {clock.Elapsed.TotalSeconds:0} s" +
                  (failed.IsEmpty ? "" : "; failed: " + string.Join(", ", failed.Select(f => $"{f.Value}× {f.Key}"))));
        return failed.IsEmpty ? 0 : 1;
    }

    static async Task<List<Guid>> Surplus(string database, string schema, int keep)
    {
        await using var db = NpgsqlDataSource.Create(database);
        await using var command = db.CreateCommand(
            $"select id from {schema}.mt_doc_incidentcard where (data->>'IsOpen')::boolean order by data->>'ReportedAt' desc offset $1");
        command.Parameters.AddWithValue(keep);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }
}
