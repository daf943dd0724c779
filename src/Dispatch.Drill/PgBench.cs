using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace Dispatch.Drill;

/// <summary>What one pgbench run gave: transactions a second, the mean and percentiles of its transactions (ms), failures.</summary>
public sealed record PgBenchResult(int Clients, double Tps, double MeanMs, double P50Ms, double P99Ms, long Transactions, long Failed);

/// <summary>
/// The baseline every figure is compared with: PostgreSQL's own single-row insert of a 311-byte JSON document, run by
/// pgbench on the same cluster (and database) as the server, in the same run. A table <c>public.pgbench_json</c> is
/// created if missing and emptied before and after, so the baseline neither grows the database nor depends on it.
/// </summary>
public static partial class PgBench
{
    /// <summary>A JSON document of exactly 311 bytes, shaped like a small event (the issue's "300-byte JSON row").</summary>
    public static string Document()
    {
        const string head = "{\"type\":\"incident_reported\",\"channel\":\"hotline\",\"lat\":31.230416,\"lon\":121.473701,\"category\":\"road-damage\"," +
                            "\"urgency\":2,\"address\":\"东湖区人民路 12 号\",\"description\":\"路面塌陷，约一米见方\",\"pad\":\"";
        var length = Encoding.UTF8.GetByteCount(head) + 2; // the pad's closing quote and brace
        return head + new string('x', 311 - length) + "\"}";
    }

    /// <summary>The script pgbench runs per transaction.</summary>
    public static string Script() => $"insert into pgbench_json (body) values ('{Document()}');\n";

    /// <summary>pgbench on PATH, else the newest under /usr/lib/postgresql/*/bin.</summary>
    public static string? Find()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(dir, "pgbench"))) return Path.Combine(dir, "pgbench");
        if (!Directory.Exists("/usr/lib/postgresql")) return null;
        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(d => Path.Combine(d, "bin", "pgbench")).Where(File.Exists)
            .OrderByDescending(p => int.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(p))), out var v) ? v : 0)
            .FirstOrDefault();
    }

    /// <summary>The libpq environment for the server's database, from its Npgsql connection string.</summary>
    public static Dictionary<string, string> LibpqEnvironment(string connectionString)
    {
        var c = new NpgsqlConnectionStringBuilder(connectionString);
        var env = new Dictionary<string, string>
        {
            ["PGHOST"] = c.Host ?? "localhost", ["PGPORT"] = c.Port.ToString(CultureInfo.InvariantCulture),
            ["PGDATABASE"] = c.Database ?? "postgres",
        };
        if (c.Username is { Length: > 0 } user) env["PGUSER"] = user;
        if (c.Password is { Length: > 0 } password) env["PGPASSWORD"] = password;
        return env;
    }

    public static async Task Prepare(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand(
            "create table if not exists public.pgbench_json (id bigserial primary key, body jsonb not null); truncate public.pgbench_json");
        await command.ExecuteNonQueryAsync();
    }

    public static async Task Clean(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("truncate public.pgbench_json");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>pgbench -n -c <paramref name="clients"/> -T <paramref name="duration"/>, with every transaction's latency logged for percentiles.</summary>
    public static async Task<PgBenchResult> Run(string pgbench, string connectionString, int clients, TimeSpan duration)
    {
        var folder = Directory.CreateTempSubdirectory("dispatch-pgbench").FullName;
        try
        {
            var script = Path.Combine(folder, "insert.sql");
            await File.WriteAllTextAsync(script, Script());
            var start = new ProcessStartInfo(pgbench)
            {
                WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", Math.Min(clients, 2).ToString(CultureInfo.InvariantCulture),
                "-T", Math.Max(1, (int)Math.Round(duration.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
                "-f", script, "-l", "--log-prefix", Path.Combine(folder, "tx"),
            }) start.ArgumentList.Add(arg);
            foreach (var (k, v) in LibpqEnvironment(connectionString)) start.Environment[k] = v;
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"pgbench exited {process.ExitCode}: {(await errors).Trim()} {(await output).Trim()}");
            var latencies = Directory.GetFiles(folder, "tx.*").SelectMany(File.ReadLines).Select(LoggedLatencyMs).OfType<double>().Order().ToList();
            return Parse(await output, clients, latencies);
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    /// <summary>pgbench's summary (tps, latency average, failures) with the logged latencies (sorted, ms) for the percentiles.</summary>
    public static PgBenchResult Parse(string output, int clients, IReadOnlyList<double> sortedLatencies)
    {
        var tps = Number(TpsLine().Match(output)) ?? throw new FormatException("pgbench printed no tps: " + output);
        var mean = Number(LatencyLine().Match(output)) ?? (sortedLatencies.Count > 0 ? sortedLatencies.Average() : double.NaN);
        var processed = (long)(Number(ProcessedLine().Match(output)) ?? sortedLatencies.Count);
        var failed = (long)(Number(FailedLine().Match(output)) ?? 0);
        return new(clients, tps, mean,
            sortedLatencies.Count > 0 ? Percentiles.Of(sortedLatencies, 0.5) : double.NaN,
            sortedLatencies.Count > 0 ? Percentiles.Of(sortedLatencies, 0.99) : double.NaN, processed, failed);
    }

    /// <summary>A line of pgbench's transaction log: <c>client_id transaction_no time_us script_no epoch epoch_us</c>; its latency in ms.</summary>
    public static double? LoggedLatencyMs(string line)
    {
        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 && long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var us) ? us / 1000.0 : null;
    }

    static double? Number(Match m) =>
        m.Success && double.TryParse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : null;

    [GeneratedRegex(@"^tps = ([0-9.]+) \(without initial connection time\)", RegexOptions.Multiline)]
    private static partial Regex TpsLine();
    [GeneratedRegex(@"^latency average = ([0-9.]+) ms", RegexOptions.Multiline)]
    private static partial Regex LatencyLine();
    [GeneratedRegex(@"^number of transactions actually processed: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex ProcessedLine();
    [GeneratedRegex(@"^number of failed transactions: ([0-9]+)", RegexOptions.Multiline)]
    private static partial Regex FailedLine();
}
