using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Live;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.Command;

/// <summary>
/// Escalates what runs out of time. It sleeps until the earliest running deadline among open incidents (on the
/// injected clock), or until a change brings an earlier one, then asks each due incident to check its deadlines
/// through the ordinary command path. That path locks the incident's stream and the rule fires at most once per
/// deadline, so with several nodes each overdue incident escalates exactly once; and since the deadlines are
/// stored with the incident, a server that was down catches up the moment it starts.
/// <para>
/// It watches the units' status timers the same way (a unit dispatched and not en route, or on scene, for too long):
/// a card's <see cref="IncidentCard.NextCheckAt"/> is the earlier of its deadline and its first unit timer, so one
/// indexed query finds both, and a due incident is asked both questions, each under the stream's lock, each a no-op
/// when its part is not due (<see cref="UnitTimerCheck"/>).
/// </para>
/// <para>
/// A running contingency plan's task deadlines are in <see cref="IncidentCard.NextCheckAt"/> too: a due incident is also
/// asked to check its plan's tasks (<see cref="CheckPlanTasks"/>), which records each late task overdue once, under the
/// same lock, so two nodes record it once between them.
/// </para>
/// </summary>
public sealed class DeadlineWatch(
    IDocumentStore store, IncidentService incidents, UnitTimerCheck units, IncidentChangeFeed feed, TimeProvider clock, JurisdictionTree tree,
    ILogger<DeadlineWatch> log) : BackgroundService
{
    public const string Login = "deadline-watch";
    const int Batch = 200;
    /// <summary>With nothing due, the watch still looks this often.</summary>
    internal static readonly TimeSpan LongestNap = TimeSpan.FromHours(12);

    readonly ClockedLoop _loop = new(clock, LongestNap, log, "deadline watch");

    /// <summary>Rounds of checking completed so far (for health pages and tests: "has the watch looked since?").</summary>
    public long Rounds => _loop.Rounds;

    /// <summary>
    /// Raised after each round of checking, with the clock's time of the round's last look (a round looks again after
    /// escalating, so it may have seen later than when it began).
    /// </summary>
    public event Action<DateTimeOffset>? RoundCompleted
    {
        add => _loop.RoundCompleted += value;
        remove => _loop.RoundCompleted -= value;
    }

    /// <summary>The watch acts as a city-wide dispatcher, recorded as <see cref="Login"/> on every escalation.</summary>
    Actor Watch => new(Login, "Deadline watch", [new Grant(Role.Dispatcher, tree.City.Path)]);

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        using var changes = feed.Subscribe(card =>
        {
            // A new or moved deadline earlier than the one we sleep towards (or a possibly missed change) wakes us.
            if (card is null || card.NextCheckAt is { } at && (_loop.SleepingUntil is not { } until || at < until)) _loop.Wake();
            return Task.CompletedTask;
        });
        await _loop.RunAsync((_, token) => CheckDue(token), ct);
    }

    /// <summary>Checks every incident whose deadline or unit timer has come; returns when the next one comes, and the time it last looked.</summary>
    async Task<(DateTimeOffset? Next, DateTimeOffset LookedAt)> CheckDue(CancellationToken ct)
    {
        // Incidents found due that neither check changed: normally none (another node was first, and its commit moved
        // the card on). Should a card ever say due while its stream says nothing is, we must not spin on it.
        var unchanged = new HashSet<Guid>();
        while (true)
        {
            var now = clock.GetUtcNow();
            List<Due> due;
            DateTimeOffset? next;
            await using (var query = store.QuerySession())
            {
                due = [.. await query.Query<IncidentCard>()
                    .Where(c => c.IsOpen && c.NextCheckAt != null && c.NextCheckAt <= now)
                    .OrderBy(c => c.NextCheckAt).Select(c => new Due { Id = c.Id, PlanDue = c.Plan!.NextDue }).Take(Batch).ToListAsync(ct)];
                next = due.Count > 0 ? null : (await query.Query<IncidentCard>()
                    .Where(c => c.IsOpen && c.NextCheckAt != null && c.NextCheckAt > now)
                    .OrderBy(c => c.NextCheckAt).Take(1).ToListAsync(ct)).FirstOrDefault()?.NextCheckAt;
            }
            if (due.Count == 0) return (next, now);
            if (due.All(d => unchanged.Contains(d.Id)))
            {
                log.LogWarning("Incidents {Ids} are due by their cards but nothing is due on their streams; looking again shortly", due.Select(d => d.Id));
                return (now.AddSeconds(5), now);
            }
            foreach (var (id, planDue) in due.Select(d => (d.Id, d.PlanDue)))
            {
                var outcome = await incidents.Handle(Watch, id, new CheckDeadlines(Login), expectedVersion: null, Pipeline.Via.System, ct);
                if (outcome is CommandOutcome.Done done) log.LogInformation("Deadline ran out on {Number}: escalated or recorded", done.Number);
                // Only a plan whose next task is due is asked (most due incidents are a deadline or a unit timer).
                var tasks = planDue <= now
                    ? await incidents.Handle(Watch, id, new CheckPlanTasks(Login), expectedVersion: null, Pipeline.Via.System, ct)
                    : null;
                if (tasks is CommandOutcome.Done late) log.LogInformation("Plan tasks ran out on {Number}: recorded overdue", late.Number);
                var flagged = await units.Run(id, ct);
                if (outcome is not CommandOutcome.Done && tasks is not CommandOutcome.Done && flagged.Count == 0) unchanged.Add(id);
            }
            if (due.Count < Batch) continue; // loop once more: the escalations set new deadlines, perhaps already due
        }
    }

    /// <summary>A due card: its id, and its running plan's next task deadline, if it has one.</summary>
    sealed class Due
    {
        public Guid Id { get; set; }
        public DateTimeOffset? PlanDue { get; set; }
    }
}
