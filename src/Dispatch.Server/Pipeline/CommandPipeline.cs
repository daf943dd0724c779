using System.Diagnostics;
using Dispatch.Domain.Access;
using Dispatch.Server.Audit;
using Dispatch.Server.Chat;
using Dispatch.Server.Telemetry;
using Marten;

namespace Dispatch.Server.Pipeline;

/// <summary>What a write path decided: the effects to write (none: nothing is written) and its answer, given what was written.</summary>
public sealed record Decided<T>(IReadOnlyList<Effect> Effects, Func<Written, T> Answer);

public static class Decided
{
    /// <summary>Refused, denied, not found or nothing to do: the answer, and nothing written.</summary>
    public static Decided<T> Nothing<T>(T answer) => new([], _ => answer);

    public static Decided<T> With<T>(IReadOnlyList<Effect> effects, Func<Written, T> answer) => new(effects, answer);
}

/// <summary>
/// The one write path. Every write — from the API, the console, chat, a phone or a background watch — runs as one
/// <see cref="Work"/>: the write path locks the streams it touches (<see cref="Work"/> enforces one order: incidents, then
/// units, then surge pairs, then chat channels), checks access with the domain's rules, calls its pure decider and returns
/// typed <see cref="Effect"/>s; the pipeline writes them all in one transaction and answers after the commit. Pushes follow
/// the commit: the change notices are NOTIFYs inside the same transaction.
/// </summary>
/// <remarks>
/// In front of it stands the admission gate (<see cref="Admission"/>; none for the demo seed's own pipeline): past the
/// ceiling a command is refused before it is decided, with <see cref="OverloadedException"/>.
/// </remarks>
public sealed class CommandPipeline(IDocumentStore store, TimeProvider clock, ILogger<CommandPipeline> log, Admission? admission = null,
    GroupCommit? group = null)
{
    /// <summary>Who the platform's own writes are recorded as (the unit timers, the surge watch): no person decided them.</summary>
    public static readonly Actor System = new("system", "System", []);

    /// <summary>
    /// Runs one command. <paramref name="kind"/> names what it is for the metrics and traces (<c>incident.report</c>,
    /// <c>unit.dispatch</c>…): a literal from a fixed set, never built from input, so the series stay few.
    /// </summary>
    /// <param name="grouped">
    /// The command may share its transaction with others decided meanwhile (<see cref="GroupCommit"/>), when it locked
    /// nothing: a new report. Its effects still commit together or not at all.
    /// </param>
    public async Task<T> Run<T>(Actor actor, Via via, string kind, Func<Work, Task<Decided<T>>> decide, CancellationToken ct = default,
        bool grouped = false)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = CommandTrace.Start(kind, via);
        IDisposable? turn;
        try { turn = admission is null ? null : await admission.Enter(via, ct); }
        catch (OverloadedException)
        {
            DispatchMetrics.CommandShed(via, kind, started);
            CommandTrace.Shed(activity);
            throw;
        }
        using (turn)
        {
            var ok = false;
            try
            {
                var answer = await Attempt(actor, via, decide, grouped ? group : null, ct);
                ok = true;
                CommandTrace.Answered(activity, answer);
                return answer;
            }
            catch (Exception ex)
            {
                CommandTrace.Failed(activity, ex);
                throw;
            }
            finally { DispatchMetrics.CommandDone(via, kind, ok, started); }
        }
    }

    async Task<T> Attempt<T>(Actor actor, Via via, Func<Work, Task<Decided<T>>> decide, GroupCommit? group, CancellationToken ct)
    {
        var retriedTransient = false;
        for (var attempt = 0; ; attempt++)
        {
            await using var work = new Work(store.LightweightSession(), clock, this, actor, via, ct);
            var committing = false;
            try
            {
                var decided = await decide(work);
                if (decided.Effects.Count == 0) return decided.Answer(Written.Nothing);
                if (group is not null && work.LocksNothing)
                {
                    committing = true;
                    return decided.Answer(await group.Write(work, decided.Effects));
                }
                var written = await work.Write(decided.Effects);
                committing = true;
                await work.Commit();
                return decided.Answer(written);
            }
            // Two first messages raced to open the same channel's stream: nothing of this work was written; decide again.
            catch (Exception ex) when (attempt < 2 && work.PostsToChat && ChatLog.IsNewChannelRace(ex)) { }
            // The connection dropped (a database restart, a killed backend) while the work was still reading and deciding:
            // nothing of it can have been committed, so it is decided again, once, on a new connection. A failure once the
            // commit has begun is NOT retried: the commit may have reached the database before the connection went, and a
            // second attempt could write the command twice. That failure goes up, and the API answers 503 + Retry-After
            // (TransientDatabaseHandler); the client, which saw no answer, checks before resending.
            catch (Exception ex) when (!committing && !retriedTransient && TransientDatabase.Is(ex))
            {
                retriedTransient = true;
                log.LogWarning(ex, "Transient database failure before the commit ({Via}, {User}): deciding again on a new connection",
                    via.Name(), actor.Login);
                // The idle connections of the pool were most likely cut too: do not hand one of them to the retry (Npgsql
                // clears the pool itself on a shutdown error; this covers a bare broken stream). Best effort only.
                try { if (work.Connection is { } connection) Npgsql.NpgsqlConnection.ClearPool(connection); }
                catch (Exception clear) { log.LogDebug(clear, "Could not clear the connection pool"); }
            }
        }
    }

    /// <summary>
    /// An attempt outside the actor's rights: nothing of it is written; the attempt is logged and kept in the audit trail
    /// (on its own, since the work's transaction writes nothing).
    /// </summary>
    /// <paramref name="via"/>: null for a read, whose caller (page, API, push) the reader does not know.
    public async Task<Denial> Deny(Actor actor, Via? via, string action, string scope, string message, Guid? id = null, string? number = null,
        CancellationToken ct = default)
    {
        log.LogWarning("Denied {User} {Action} on {Number} at {Scope} via {Via}", actor.Login, action, number ?? "-", scope, via?.Name());
        await AuditTrail.Write(store, clock, actor.Login, action, scope, "denied", id, number, allowed: false, via: via?.Name(), ct: ct);
        return new Denial("access.denied", message);
    }
}
