using System.Diagnostics;

namespace Dispatch.Server.Storage;

/// <summary>
/// The embedded default: with no connection string configured, Dispatch runs
/// <c>deploy/local/postgres.sh ensure</c>, which installs PostgreSQL from Debian's packages if needed and
/// starts a local cluster in a data folder of its own (see docs/setup.md), and uses the connection string
/// it prints.
/// </summary>
public static class EmbeddedPostgres
{
    /// <summary>Set in the configuration when the server runs on the embedded cluster (the newcomer's local run).</summary>
    public const string InUseKey = "Dispatch:EmbeddedPostgres";

    public static string EnsureStarted()
    {
        var script = FindScript()
            ?? throw new InvalidOperationException(
                "No connection string 'ConnectionStrings:Dispatch' is configured and deploy/local/postgres.sh " +
                "was not found above " + AppContext.BaseDirectory + " to start the embedded PostgreSQL.");
        var start = new ProcessStartInfo("bash", [script, "ensure"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = false, // progress goes straight to the console
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var connection = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault();
        if (process.ExitCode != 0 || string.IsNullOrEmpty(connection))
            throw new InvalidOperationException($"{script} ensure failed (exit {process.ExitCode}); see its messages above.");
        return connection;
    }

    static string? FindScript()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", "local", "postgres.sh");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
