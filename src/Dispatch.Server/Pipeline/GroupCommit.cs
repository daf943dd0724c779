using System.Threading.Channels;
using Marten;
using Npgsql;

namespace Dispatch.Server.Pipeline;

public sealed class GroupCommitOptions
{
    public const string Section = "Dispatch:GroupCommit";

    /// <summary>Whether reports that lock nothing are committed together (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The most commands written in one transaction.</summary>
    public int MostPerCommit { get; set; } = 32;

    /// <summary>How many group transactions may be in flight at once.</summary>
    public int Writers { get; set; } = 2;
}

/// <summary>
/// Group commit for commands that lock nothing (a new report starts its own streams): while a transaction is being
/// committed, the commands decided meanwhile wait and then go together in the next one — one BEGIN, one batch and one
/// COMMIT (one WAL flush) for all of them, each answered after that commit. Every command's effects still stand or fall
/// in one transaction; none waits for a timer, only for the commit before it.
/// </summary>
/// <remarks>
/// When a group fails inside PostgreSQL (a duplicate idempotency key, a constraint), nothing of it was committed: each
/// command is then written alone, so one bad command fails only itself. When the connection fails or times out, the
/// commit may have reached the database, so no command is written again: each gets the failure (503 + Retry-After),
/// exactly as a single command would.
/// </remarks>
public sealed class GroupCommit : IDisposable
{
    readonly IDocumentStore _store;
    readonly ILogger _log;
    readonly int _most;
    readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new() { SingleWriter = false });

    public GroupCommit(IDocumentStore store, ILogger<GroupCommit> log, GroupCommitOptions options)
    {
        if (options.MostPerCommit < 1 || options.Writers < 1)
            throw new InvalidOperationException($"{GroupCommitOptions.Section} is invalid: MostPerCommit and Writers must be at least 1.");
        (_store, _log, _most) = (store, log, options.MostPerCommit);
        // Each writer waits on the queue without holding a thread until there is something to commit.
        for (var i = 0; i < options.Writers; i++) _ = Task.Run(Writer);
    }

    public static GroupCommitOptions Options(IConfiguration configuration) =>
        configuration.GetSection(GroupCommitOptions.Section).Get<GroupCommitOptions>() ?? new();

    sealed record Pending(Work Work, IReadOnlyList<Effect> Effects, TaskCompletionSource<Written> Done);

    /// <summary>Writes the work's effects in the next group transaction; answers (or fails) after its commit.</summary>
    internal Task<Written> Write(Work work, IReadOnlyList<Effect> effects)
    {
        var pending = new Pending(work, effects, new(TaskCreationOptions.RunContinuationsAsynchronously));
        // Closed only when the node is shutting down: nothing is queued after that.
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(GroupCommit));
        return pending.Done.Task;
    }

    /// <summary>The writers finish what was queued, then stop.</summary>
    public void Dispose() => _queue.Writer.TryComplete();

    async Task Writer()
    {
        var group = new List<Pending>(_most);
        while (await _queue.Reader.WaitToReadAsync())
        {
            group.Clear();
            while (group.Count < _most && _queue.Reader.TryRead(out var pending)) group.Add(pending);
            if (group.Count == 0) continue;
            DispatchMetrics.GroupCommitted(group.Count);
            try { await Commit(group); }
            catch (Exception ex) { foreach (var pending in group) pending.Done.TrySetException(ex); }
        }
    }

    async Task Commit(List<Pending> group)
    {
        if (group.Count > 1)
        {
            try
            {
                var written = await Together(group);
                for (var i = 0; i < group.Count; i++) group[i].Done.TrySetResult(written[i]);
                return;
            }
            catch (Exception ex) when (RolledBack(ex))
            {
                _log.LogDebug(ex, "A group of {Count} commands was refused by the database; writing each alone", group.Count);
            }
        }
        foreach (var pending in group)
        {
            try { pending.Done.TrySetResult((await Together([pending]))[0]); }
            catch (Exception ex) { pending.Done.TrySetException(ex); }
        }
    }

    async Task<Written[]> Together(IReadOnlyList<Pending> group)
    {
        await using var session = _store.LightweightSession();
        var written = new Written[group.Count];
        for (var i = 0; i < group.Count; i++) written[i] = await group[i].Work.WriteInto(session, group[i].Effects);
        await session.SaveChangesAsync(CancellationToken.None);
        return written;
    }

    /// <summary>
    /// The database refused the group and rolled it back: an error PostgreSQL raised itself (not a lost connection, a
    /// time-out or a full server), or a failure before anything was sent.
    /// </summary>
    static bool RolledBack(Exception ex)
    {
        if (TransientDatabase.Is(ex) || TransientDatabase.IsBusy(ex)) return false;
        foreach (var e in TransientDatabase.Chain(ex))
        {
            if (e is PostgresException) return true;
            if (e is NpgsqlException or IOException or TimeoutException or OperationCanceledException) return false;
        }
        return true;
    }
}
