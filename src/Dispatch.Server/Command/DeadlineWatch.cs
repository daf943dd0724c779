using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Live;
using Marten;

namespace Dispatch.Server.Command;

/// <summary>
/// Escalates what runs out of time. It sleeps until the earliest running deadline among open incidents (on the
/// injected clock), or until a change brings an earlier one, then asks each due incident to check its deadlines
/// through the ordinary command path. That path locks the incident's stream and the rule fires at most once per
/// deadline, so with several nodes each overdue incident escalates exactly once; and since the deadlines are
/// stored with the incident, a server that was down catches up the moment it starts.
/// </summary>
public sealed class DeadlineWatch(
    IDocumentStore store, IncidentService incidents, IncidentChangeFeed feed, TimeProvider clock, JurisdictionTree tree,
    ILogger<DeadlineWatch> log) : BackgroundService
{
    public const string Login = "deadline-watch";
    const int Batch = 200;
    static readonly TimeSpan LongestNap = TimeSpan.FromHours(12);

    readonly Lock _gate = new();
    long _rounds;

    /// <summary>Rounds of checking completed so far (for health pages and tests: "has the watch looked since?").</summary>
    public long Rounds => Interlocked.Read(ref _rounds);

    /// <summary>
    /// Raised after each round of checking, with the clock's time of the round's last look (a round looks again after
    /// escalating, so it may have seen later than when it began).
    /// </summary>
    public event Action<DateTimeOffset>? RoundCompleted;
    TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    DateTimeOffset? _sleepingUntil;

    /// <summary>The watch acts as a city-wide dispatcher, recorded as <see cref="Login"/> on every escalation.</summary>
    Actor Watch => new(Login, "Deadline watch", [new Grant(Role.Dispatcher, tree.City.Path)]);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var changes = feed.Subscribe(card =>
        {
            // A new or moved deadline earlier than the one we sleep towards (or a possibly missed change) wakes us.
            if (card is null || card.NextCheckAt is { } at && (_sleepingUntil is not { } until || at < until)) Wake();
            return Task.CompletedTask;
        });
        while (!ct.IsCancellationRequested)
        {
            TaskCompletionSource wake;
            lock (_gate) wake = _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            DateTimeOffset? next;
            var lookedAt = clock.GetUtcNow();
            try
            {
                (next, lookedAt) = await CheckDue(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception ex)
            {
                log.LogError(ex, "The deadline watch failed a round; trying again shortly");
                next = clock.GetUtcNow().AddSeconds(5);
            }
            // Sleep towards an instant, not for a span: if the clock moves on meanwhile, a late start still wakes on time.
            var until = next ?? clock.GetUtcNow() + LongestNap;
            _sleepingUntil = until;
            Interlocked.Increment(ref _rounds);
            RoundCompleted?.Invoke(lookedAt);
            var nap = until - clock.GetUtcNow();
            if (nap <= TimeSpan.Zero) continue;
            try
            {
                var sleep = Task.Delay(nap < LongestNap ? nap : LongestNap, clock, ct);
                if (clock.GetUtcNow() >= until) continue; // the clock passed the instant while the timer was being set
                await Task.WhenAny(sleep, wake.Task);
            }
            catch (OperationCanceledException) { break; }
        }
    }

    void Wake()
    {
        lock (_gate) _wake.TrySetResult();
    }

    /// <summary>Checks every incident whose deadline has come; returns when the next one comes, and the time it last looked.</summary>
    async Task<(DateTimeOffset? Next, DateTimeOffset LookedAt)> CheckDue(CancellationToken ct)
    {
        while (true)
        {
            var now = clock.GetUtcNow();
            List<Guid> due;
            DateTimeOffset? next;
            await using (var query = store.QuerySession())
            {
                due = [.. await query.Query<IncidentCard>()
                    .Where(c => c.IsOpen && c.NextCheckAt != null && c.NextCheckAt <= now)
                    .OrderBy(c => c.NextCheckAt).Select(c => c.Id).Take(Batch).ToListAsync(ct)];
                next = due.Count > 0 ? null : (await query.Query<IncidentCard>()
                    .Where(c => c.IsOpen && c.NextCheckAt != null && c.NextCheckAt > now)
                    .OrderBy(c => c.NextCheckAt).Take(1).ToListAsync(ct)).FirstOrDefault()?.NextCheckAt;
            }
            if (due.Count == 0) return (next, now);
            foreach (var id in due)
            {
                var outcome = await incidents.Handle(Watch, id, new CheckDeadlines(Login), expectedVersion: null, ct);
                if (outcome is CommandOutcome.Done done) log.LogInformation("Deadline ran out on {Number}: escalated or recorded", done.Number);
            }
            if (due.Count < Batch) continue; // loop once more: the escalations set new deadlines, perhaps already due
        }
    }
}
