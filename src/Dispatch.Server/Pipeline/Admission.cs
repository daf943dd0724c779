using System.Threading.RateLimiting;
using Npgsql;

namespace Dispatch.Server.Pipeline;

/// <summary>The admission gate's settings, <c>Dispatch:Admission</c> (see docs/configuration.md).</summary>
public sealed class AdmissionOptions
{
    public const string Section = "Dispatch:Admission";

    /// <summary>Commands running at once. Default: 8 per core, between 16 and 32, and at most a third of the connection pool.</summary>
    public int? MaxConcurrentCommands { get; set; }

    /// <summary>Commands waiting for a turn. Default: sixteen times <see cref="MaxConcurrentCommands"/> (see <see cref="Admission.From"/>).</summary>
    public int? MaxQueuedCommands { get; set; }

    /// <summary>How long a command waits for a turn before it is refused.</summary>
    public int MaxWaitMs { get; set; } = 1000;

    /// <summary>What a refused caller is told to wait (<c>Retry-After</c>, seconds).</summary>
    public int RetryAfterSeconds { get; set; } = 1;
}

/// <summary>
/// The command pipeline was past its ceiling: this command was refused before anything was read or written, and may be
/// sent again after <see cref="RetryAfterSeconds"/>. The API answers 503 + <c>Retry-After</c>; the hubs, chat and the
/// console say the centre is busy.
/// </summary>
public sealed class OverloadedException(int retryAfterSeconds)
    : Exception($"The centre is busy; nothing was written. Try again in {retryAfterSeconds} s.")
{
    public const string Code = "overloaded";

    public int RetryAfterSeconds { get; } = retryAfterSeconds;

    /// <summary>
    /// Seconds to wait when <paramref name="ex"/> says the server is past its capacity (the gate refused, or the database
    /// connection pool ran dry or timed out); null for any other failure.
    /// </summary>
    public static int? RetryAfterOf(Exception ex) =>
        ex is OverloadedException overloaded ? overloaded.RetryAfterSeconds
        : TransientDatabase.IsBusy(ex) ? TransientDatabase.RetryAfterSeconds
        : null;
}

/// <summary>
/// The admission gate in front of <see cref="CommandPipeline.Run{T}"/>: at most N commands run at once and at most M wait,
/// each at most a set time; past that a command is refused at once (<see cref="OverloadedException"/>), before it takes a
/// database connection. Without it, a burst beyond the ceiling queued inside the connection pool until the pool's 15 s
/// time-out turned it into 500s, and sign-in and reads found no connection either; with it, the work accepted stays fast
/// and N stays well below the pool, leaving connections for reads and sign-in.
/// <para>
/// The platform's own writes (<see cref="Via.System"/>: the deadline watch, unit timers, the surge watch) are never shed:
/// they have a small allowance of their own (<see cref="SystemAllowance"/> at once) and wait for it as long as it takes,
/// so a flood of intakes can neither drop nor starve an escalation.
/// </para>
/// </summary>
public sealed class Admission : IDisposable
{
    /// <summary>System commands running at once, beside the N of everyone else's.</summary>
    public const int SystemAllowance = 4;

    readonly ConcurrencyLimiter _commands;
    readonly ConcurrencyLimiter _system;
    readonly TimeSpan _maxWait;

    public Admission(int maxConcurrent, int maxQueued, TimeSpan maxWait, int retryAfterSeconds)
    {
        if (maxConcurrent < 1 || maxQueued < 0 || maxWait < TimeSpan.Zero || retryAfterSeconds < 1)
            throw new InvalidOperationException($"{AdmissionOptions.Section} is invalid: MaxConcurrentCommands must be at least 1 (is {maxConcurrent}), " +
                $"MaxQueuedCommands at least 0 (is {maxQueued}), MaxWaitMs at least 0 (is {maxWait.TotalMilliseconds}), RetryAfterSeconds at least 1 (is {retryAfterSeconds}).");
        (MaxConcurrent, MaxQueued, _maxWait, RetryAfterSeconds) = (maxConcurrent, maxQueued, maxWait, retryAfterSeconds);
        _commands = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = maxConcurrent, QueueLimit = maxQueued, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _system = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = SystemAllowance, QueueLimit = int.MaxValue, QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
    }

    /// <summary>
    /// The gate as configured; the defaults are sized to the cores and to the connection string's pool. The queue holds
    /// sixteen commands per turn (256 on two cores, about half a second of reports at this machine's ceiling), so that a
    /// stall of a few hundred milliseconds (a collection, a checkpoint) is waited out, not refused: with four per turn it
    /// refused 0.2 % of the reports of a 500/s step that the node then kept up with (docs/benchmarks.md, twelfth session).
    /// The wait (<see cref="AdmissionOptions.MaxWaitMs"/>) still bounds what anyone waits past the ceiling.
    /// </summary>
    public static Admission From(IConfiguration configuration)
    {
        var options = configuration.GetSection(AdmissionOptions.Section).Get<AdmissionOptions>() ?? new();
        var concurrent = options.MaxConcurrentCommands ?? DefaultConcurrency(configuration.GetConnectionString("Dispatch"));
        return new Admission(concurrent, options.MaxQueuedCommands ?? 16 * concurrent, TimeSpan.FromMilliseconds(options.MaxWaitMs),
            options.RetryAfterSeconds);
    }

    /// <summary>
    /// 8 per core, between 16 and 32: PostgreSQL on the same few cores gains nothing from more writers at once, and a few
    /// more than the cores keep it busy while others wait on a commit. At most a third of the pool (a command may hold two
    /// connections: its own and a look-up's), so reads and sign-in always find one.
    /// </summary>
    static int DefaultConcurrency(string? connectionString)
    {
        var byCores = Math.Clamp(8 * Environment.ProcessorCount, 16, 32);
        int pool;
        try { pool = new NpgsqlConnectionStringBuilder(connectionString ?? "").MaxPoolSize; }
        catch (ArgumentException) { pool = 100; }
        return Math.Max(1, Math.Min(byCores, pool / 3));
    }

    public int MaxConcurrent { get; }
    public int MaxQueued { get; }
    public int RetryAfterSeconds { get; }

    /// <summary>Commands running now (system ones not counted).</summary>
    public int Running => MaxConcurrent - (int)_commands.GetStatistics()!.CurrentAvailablePermits;

    /// <summary>Commands waiting for a turn now (system ones not counted).</summary>
    public int Waiting => (int)_commands.GetStatistics()!.CurrentQueuedCount;

    /// <summary>Every turn taken and the queue full: a command offered now would be refused at once.</summary>
    public bool Full => Waiting >= MaxQueued && Running >= MaxConcurrent;

    /// <summary>
    /// A turn for one command: dispose it when the command is done. Throws <see cref="OverloadedException"/> when there is
    /// no turn within the wait (or no room to wait); a system command always gets one, in its turn.
    /// </summary>
    public async ValueTask<IDisposable> Enter(Via via, CancellationToken ct)
    {
        if (via == Via.System) return await _system.AcquireAsync(1, ct);
        var now = _commands.AttemptAcquire();
        if (now.IsAcquired) return now;
        now.Dispose();
        // Real time, not the injected clock: this is how long a caller waits, whatever the domain's clock says (tests
        // that stop the clock must not stop the gate).
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(_maxWait);
        RateLimitLease? lease = null;
        try { lease = await _commands.AcquireAsync(1, wait.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { }
        if (lease is { IsAcquired: true }) return lease;
        lease?.Dispose(); // no room in the queue (counted as shed by the pipeline, which knows the command's kind)
        throw new OverloadedException(RetryAfterSeconds);
    }

    public void Dispose()
    {
        _commands.Dispose();
        _system.Dispose();
    }
}
