using System.Globalization;

namespace Dispatch.Drill;

/// <summary>A reading of a process from /proc: CPU time used so far (user + system) and resident memory.</summary>
public readonly record struct ProcessSample(TimeSpan Cpu, long RssKb, long Timestamp);

/// <summary>What a process used over a stage: CPU as a percentage of one core, resident memory at the start and the end.</summary>
public sealed record StageUsage(string Stage, TimeSpan Wall, double CpuPercent, long RssStartKb, long RssEndKb);

/// <summary>
/// The server's process on this machine, read from /proc (Linux): found by the port it listens on, or given by pid.
/// </summary>
public sealed class ServerProcess(int pid)
{
    public int Pid { get; } = pid;

    /// <summary>
    /// Clock ticks a second of /proc's times: USER_HZ, which Linux fixes at 100 for user space on every architecture
    /// .NET runs on (whatever the kernel's own HZ).
    /// </summary>
    const long TicksPerSecond = 100;

    public ProcessSample Sample() => new(
        Cpu(File.ReadAllText($"/proc/{Pid}/stat"), TicksPerSecond), Rss(File.ReadAllText($"/proc/{Pid}/status")), System.Diagnostics.Stopwatch.GetTimestamp());

    public static StageUsage Usage(string stage, ProcessSample start, ProcessSample end)
    {
        var wall = System.Diagnostics.Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp);
        return new(stage, wall, wall > TimeSpan.Zero ? (end.Cpu - start.Cpu) / wall * 100 : 0, start.RssKb, end.RssKb);
    }

    /// <summary>utime + stime of /proc/[pid]/stat (fields 14 and 15; the command name in brackets may hold spaces).</summary>
    public static TimeSpan Cpu(string stat, long ticksPerSecond)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state): utime is field 14, stime field 15.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / ticksPerSecond);
    }

    /// <summary>VmRSS of /proc/[pid]/status, in KB.</summary>
    public static long Rss(string status)
    {
        var line = status.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
                   ?? throw new FormatException("no VmRSS line");
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The process listening on TCP <paramref name="port"/> (IPv4 or IPv6), or null.</summary>
    public static ServerProcess? Listening(int port)
    {
        var inodes = new HashSet<string>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
            if (File.Exists(table)) inodes.UnionWith(ListeningInodes(File.ReadLines(table), port));
        if (inodes.Count == 0) return null;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                foreach (var fd in Directory.EnumerateFiles(Path.Combine(dir, "fd")))
                    if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                        && inodes.Contains(target["socket:[".Length..^1]))
                        return new ServerProcess(pid);
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
        }
        return null;
    }

    /// <summary>The socket inodes of the lines of /proc/net/tcp in state LISTEN (0A) on the port.</summary>
    public static IEnumerable<string> ListeningInodes(IEnumerable<string> lines, int port)
    {
        foreach (var line in lines.Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 10 || f[3] != "0A") continue;
            var local = f[1];
            if (int.Parse(local[(local.IndexOf(':') + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture) == port) yield return f[9];
        }
    }

    /// <summary>The machine's load averages (1, 5, 15 min) as /proc/loadavg gives them.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>The soft limit on open files of this process (each unit connection is one).</summary>
    public static long? OpenFilesLimit()
    {
        if (!File.Exists("/proc/self/limits")) return null;
        var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var parts = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: > 0 } && long.TryParse(parts[0], out var soft) ? soft : null;
    }
}
