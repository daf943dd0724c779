using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server;

/// <summary>
/// The server's own instruments, on one <see cref="Meter"/> named <see cref="Name"/> (what an OpenTelemetry or
/// dotnet-counters reader subscribes to). Static on purpose: one meter per process, created once.
/// </summary>
public static class DispatchMetrics
{
    public const string Name = "Dispatch";

    static readonly Meter Meter = new(Name);

    /// <summary>Every command offered to the pipeline, by where it came from and what became of it (ok, failed, shed).</summary>
    static readonly Counter<long> Commands = Meter.CreateCounter<long>("dispatch.commands", unit: "{command}",
        description: "Commands offered to the write pipeline, by via and outcome (ok: answered, refusals included; failed: an exception; shed: refused by the admission gate)");

    /// <summary>Commands the admission gate refused (also counted in <see cref="Commands"/> with outcome shed).</summary>
    static readonly Counter<long> Shed = Meter.CreateCounter<long>("dispatch.commands.shed", unit: "{command}",
        description: "Commands refused by the admission gate before any write (503 + Retry-After), by via");

    /// <summary>From offering to answer, waiting at the gate included: what the caller felt.</summary>
    static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("dispatch.command.duration", unit: "ms",
        description: "Time from offering a command to its answer (waiting at the admission gate included), by via and outcome");

    /// <summary>A command that was admitted has finished; <paramref name="started"/> is a <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public static void CommandDone(Via via, bool ok, long started)
    {
        var tags = new TagList { { "via", via.Name() }, { "outcome", ok ? "ok" : "failed" } };
        Commands.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }

    /// <summary>The admission gate refused a command.</summary>
    public static void CommandShed(Via via, long started)
    {
        var name = via.Name();
        Shed.Add(1, new KeyValuePair<string, object?>("via", name));
        var tags = new TagList { { "via", name }, { "outcome", "shed" } };
        Commands.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }
}
