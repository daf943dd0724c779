using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Dispatch.Drill;

/// <summary>
/// What a server process on this machine costs, read from outside as an operator would: its resident memory and CPU
/// time (<c>/proc/PID</c>), and its managed heap after a full, blocking GC. The heap comes from <c>dotnet-gcdump</c>
/// (a .NET global tool: <c>dotnet tool install -g dotnet-gcdump</c>): taking a dump forces a gen-2 GC and walks what is
/// still alive, so the figure holds live objects only, and the dump itself says by type what they are. Linux only.
/// </summary>
public sealed partial class ServerProbe(int pid, string gcdump, string? dumps)
{
    static readonly double Tick = 100.0; // USER_HZ: clock ticks per second in /proc/PID/stat on Linux.

    public int Pid => pid;

    /// <summary>The process's resident set now, in bytes.</summary>
    public long Rss() => Status("VmRSS");

    /// <summary>CPU time (user + system) the process has used so far.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / Tick);
    }

    /// <summary>The machine's 1-minute load average and the memory it has available, for the record.</summary>
    public static (double Load, long Available) Machine()
    {
        var load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        var available = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        return (load, long.Parse(Digits().Match(available).Value, CultureInfo.InvariantCulture) * 1024);
    }

    /// <summary>The share of one core the process used over <paramref name="window"/> (100 % is one core busy).</summary>
    public async Task<double> CpuPercent(TimeSpan window, CancellationToken ct = default)
    {
        var before = CpuTime();
        var clock = Stopwatch.StartNew();
        await Task.Delay(window, ct);
        return (CpuTime() - before).TotalSeconds / clock.Elapsed.TotalSeconds * 100;
    }

    /// <summary>
    /// Forces a full GC in the server (through a gcdump) and answers the live managed heap in bytes, then the resident set
    /// after it. The dump is kept as <paramref name="name"/>.gcdump in the dumps folder when one was given.
    /// </summary>
    public async Task<(long Heap, long Objects, long Rss)> AfterFullGc(string name, CancellationToken ct = default)
    {
        var folder = dumps ?? Path.GetTempPath();
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, $"{name}.gcdump");
        await Tool(ct, "collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", file);
        var report = await Tool(ct, "report", file);
        if (dumps is null) File.Delete(file);
        var heap = HeapLine().Match(report);
        var objects = ObjectsLine().Match(report);
        if (!heap.Success) throw new InvalidOperationException($"dotnet-gcdump report gave no heap size:\n{report}");
        return (Number(heap.Groups[1].Value), objects.Success ? Number(objects.Groups[1].Value) : 0, Rss());
    }

    async Task<string> Tool(CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo(gcdump) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Cannot start {gcdump}.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{gcdump} {string.Join(' ', args)} failed: {await error}{await output}");
        return await output;
    }

    /// <summary>The dotnet-gcdump given (--gcdump), else the one found (<see cref="FindGcdump"/>).</summary>
    public static string Gcdump(string given) => given.Length > 0 ? given : FindGcdump();

    /// <summary>Where dotnet-gcdump is: on the PATH, else where <c>dotnet tool install -g</c> puts it.</summary>
    public static string FindGcdump()
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(folder, "dotnet-gcdump"))) return Path.Combine(folder, "dotnet-gcdump");
        var tools = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-gcdump");
        return File.Exists(tools) ? tools : throw new OptionException("dotnet-gcdump was not found: install it with `dotnet tool install -g dotnet-gcdump` or pass --gcdump PATH.");
    }

    long Status(string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(Digits().Match(line).Value, CultureInfo.InvariantCulture) * 1024;
    }

    static long Number(string text) => long.Parse(text.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture);

    public static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";
    public static string Kb(double bytes) => (bytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " KB";

    [GeneratedRegex(@"\d+")] private static partial Regex Digits();
    [GeneratedRegex(@"([\d,]+)\s+GC Heap bytes")] private static partial Regex HeapLine();
    [GeneratedRegex(@"([\d,]+)\s+GC Heap objects")] private static partial Regex ObjectsLine();
}
