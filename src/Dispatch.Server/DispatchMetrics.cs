using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server;

/// <summary>
/// The server's own instruments, on one <see cref="Meter"/> named <see cref="Name"/> (what an OpenTelemetry or
/// dotnet-counters reader subscribes to). Static on purpose: one meter per process, created once. Every tag value is one
/// of a fixed set of literals (via, outcome, a command kind, a feed name): bounded series, no allocation per command.
/// The node's gauges (queues, mailboxes, daemon lag) are read from each live host: <see cref="Telemetry.NodeGauges"/>.
/// docs/operations.md lists every instrument.
/// </summary>
public static class DispatchMetrics
{
    public const string Name = "Dispatch";

    /// <summary>The process's one meter of ours (the node gauges add theirs to it: <see cref="Telemetry.NodeGauges"/>).</summary>
    internal static readonly Meter Meter = new(Name);

    /// <summary>Millisecond buckets for what a person waits on: 1 ms to 10 s, finer where the board should be.</summary>
    static readonly double[] LatencyBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

    static InstrumentAdvice<double> Buckets => new() { HistogramBucketBoundaries = LatencyBuckets };

    /// <summary>Every command offered to the pipeline, by kind, where it came from and what became of it (ok, failed, shed).</summary>
    static readonly Counter<long> Commands = Meter.CreateCounter<long>("dispatch.commands", unit: "{command}",
        description: "Commands offered to the write pipeline, by kind, via and outcome (ok: answered, refusals included; failed: an exception; shed: refused by the admission gate)");

    /// <summary>Commands the admission gate refused (also counted in <see cref="Commands"/> with outcome shed).</summary>
    static readonly Counter<long> Shed = Meter.CreateCounter<long>("dispatch.commands.shed", unit: "{command}",
        description: "Commands refused by the admission gate before any write (503 + Retry-After), by via and kind");

    /// <summary>From offering to answer, waiting at the gate included: what the caller felt.</summary>
    static readonly Histogram<double> Duration = Meter.CreateHistogram("dispatch.command.duration", unit: "ms",
        description: "Time from offering a command to its answer (waiting at the admission gate included), by kind, via and outcome",
        tags: null, advice: Buckets);

    /// <summary>From the commit (the notice's stamp) to this node hearing the NOTIFY.</summary>
    static readonly Histogram<double> ListenerLag = Meter.CreateHistogram("dispatch.listener.lag", unit: "ms",
        description: "Time from a command's commit to this node hearing its change notice (PostgreSQL NOTIFY), by feed",
        tags: null, advice: Buckets);

    /// <summary>From the commit to the change handed to every circuit and hub group of this node.</summary>
    static readonly Histogram<double> PushLatency = Meter.CreateHistogram("dispatch.push.latency", unit: "ms",
        description: "Time from a command's commit to its change pushed to this node's consoles (Blazor circuits and hub groups), by feed",
        tags: null, advice: Buckets);

    /// <summary>How many commands went in one group transaction (<see cref="Pipeline.GroupCommit"/>).</summary>
    static readonly Histogram<int> GroupSize = Meter.CreateHistogram("dispatch.command.group_size", unit: "{command}",
        description: "Commands written together in one group-commit transaction",
        tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    static readonly string[] ViaNames = Enum.GetValues<Via>().Select(v => v.Name()).ToArray();

    /// <summary>The via's tag value, without allocating.</summary>
    internal static string Tag(Via via) => (uint)via < (uint)ViaNames.Length ? ViaNames[(int)via] : "other";

    /// <summary>A command that was admitted has finished; <paramref name="started"/> is a <see cref="Stopwatch.GetTimestamp"/>.</summary>
    public static void CommandDone(Via via, string kind, bool ok, long started)
    {
        var tags = new TagList { { "kind", kind }, { "via", Tag(via) }, { "outcome", ok ? "ok" : "failed" } };
        Commands.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }

    /// <summary>A group-commit transaction took <paramref name="commands"/> commands.</summary>
    public static void GroupCommitted(int commands) => GroupSize.Record(commands);

    /// <summary>The admission gate (or the position queue) refused a command.</summary>
    public static void CommandShed(Via via, string kind, long started)
    {
        var name = Tag(via);
        Shed.Add(1, new KeyValuePair<string, object?>("via", name), new KeyValuePair<string, object?>("kind", kind));
        var tags = new TagList { { "kind", kind }, { "via", name }, { "outcome", "shed" } };
        Commands.Add(1, tags);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
    }

    /// <summary>A notice stamped at <paramref name="committedAtMs"/> (Unix ms, 0: not stamped) reached this node's listener.</summary>
    public static void NoticeHeard(string feed, long committedAtMs)
    {
        if (committedAtMs > 0 && ListenerLag.Enabled) ListenerLag.Record(SinceMs(committedAtMs), new KeyValuePair<string, object?>("feed", feed));
    }

    /// <summary>A change whose notice was stamped at <paramref name="committedAtMs"/> has been pushed to every subscriber here.</summary>
    public static void Pushed(string feed, long committedAtMs)
    {
        if (committedAtMs > 0 && PushLatency.Enabled) PushLatency.Record(SinceMs(committedAtMs), new KeyValuePair<string, object?>("feed", feed));
    }

    /// <summary>
    /// The stamp a change notice carries: the machine's wall clock in Unix ms, not the injected domain clock (a test that
    /// stops the domain's time must not stop this), taken as the commit is sent. Nodes of a cluster compare it with their
    /// own clocks: keep them in NTP sync (a skew shows up as lag; a negative difference counts as 0).
    /// </summary>
    public static long Stamp() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    static double SinceMs(long stampMs) => Math.Max(0, Stamp() - stampMs);
}
