using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Supervision;

/// <summary>One supervision request (督办) on an incident: numbered, with the time the handling side must answer by.</summary>
public sealed record SupervisionRequest(int Sequence, string By, DateTimeOffset At, DateTimeOffset? ReplyBy, CommandLevel? LeaderLevel,
    bool Answered = false, bool Overdue = false)
{
    /// <summary>Still waiting for its answer and not yet recorded as overdue: its reply-by is a running clock.</summary>
    public bool Waiting => !Answered && !Overdue;
}

/// <summary>
/// The clocks on the centre's own steps, as facts of the stream: accept by (from the report), call back by (from the
/// resolution), whether each was flagged, and the callback calls that did not reach the caller since the resolution.
/// </summary>
public sealed record CentreClocks(DateTimeOffset? AcceptBy = null, bool AcceptFlagged = false, DateTimeOffset? CallbackBy = null,
    bool CallbackFlagged = false, int CallbackAttempts = 0)
{
    public static CentreClocks None { get; } = new();
}

/// <summary>
/// Supervision that follows up, pure like the rest of the loop: a request with a reply-by time, the answer, the
/// overdue reply (recorded once, command moved up to the supervising leader's level), the centre's own clocks
/// (unaccepted report, missing callback: each flagged once), and closing when the caller cannot be reached.
/// </summary>
public static class SupervisionRules
{
    /// <summary>The reply time when the leader names none and the server gives none (the server's default is configured).</summary>
    public static readonly TimeSpan DefaultReplyWithin = TimeSpan.FromHours(4);

    /// <summary>Callback calls that must fail before an incident may close as "caller not reached", unless configured.</summary>
    public const int DefaultAttemptsBeforeClosing = 3;

    public static Incident Evolve(Incident state, object @event) => @event switch
    {
        IncidentSupervised s => state with
        {
            Supervised = true,
            Supervisions = [.. state.Supervisions,
                new SupervisionRequest(s.Sequence > 0 ? s.Sequence : state.Supervisions.Count + 1, s.By, s.At, s.ReplyBy, s.LeaderLevel)],
        },
        SupervisionAnswered a => state with
        {
            Supervisions = [.. state.Supervisions.Select(r => !r.Answered && r.Sequence <= a.Sequence ? r with { Answered = true } : r)],
        },
        SupervisionOverdue o => state with
        {
            Supervisions = [.. state.Supervisions.Select(r => r.Sequence == o.Sequence ? r with { Overdue = true } : r)],
        },
        AcceptanceOverdue => state with { Clocks = state.Clocks with { AcceptFlagged = true } },
        CallbackOverdue => state with { Clocks = state.Clocks with { CallbackFlagged = true } },
        CallbackAttempted => state with { Clocks = state.Clocks with { CallbackAttempts = state.Clocks.CallbackAttempts + 1 } },
        _ => state,
    };

    public static Decision Supervise(Incident i, SuperviseIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Comment))
            return Decision.Refuse("supervise.no-comment", "Write what the supervision of incident {0} asks for.", i.Number);
        if (c.ReplyWithin is { } within && within <= TimeSpan.Zero)
            return Decision.Refuse("supervise.reply-within", "Give incident {0}'s handlers some time to answer.", i.Number);
        return i.IsOpen
            ? Decision.Accept(new IncidentSupervised(i.Id, c.Comment.Trim(), c.By, now,
                now + (c.ReplyWithin ?? DefaultReplyWithin), i.Supervisions.Count + 1, c.LeaderLevel))
            : Decision.Refuse("supervise.closed", "Incident {0} is already {1}.", i.Number, i.State);
    }

    public static Decision Answer(Incident i, AnswerSupervision c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Text))
            return Decision.Refuse("answer.no-text", "Write the answer to the supervision of incident {0}.", i.Number);
        if (c.Department is { } department && department != i.LeadDepartment)
            return Decision.Refuse("answer.wrong-department",
                "The supervision of incident {0} is answered by its lead department ({1}), not {2}.", i.Number, i.LeadDepartment ?? "-", department);
        var waiting = i.Supervisions.Where(r => !r.Answered).Select(r => r.Sequence).DefaultIfEmpty(0).Max();
        return waiting == 0
            ? Decision.Refuse("answer.nothing-asked", "No supervision of incident {0} is waiting for an answer.", i.Number)
            : Decision.Accept(new SupervisionAnswered(i.Id, waiting, c.Department, c.Text.Trim(), c.By, now));
    }

    public static Decision Attempt(Incident i, RecordCallbackAttempt c, DateTimeOffset now)
    {
        if (i.State != IncidentState.Resolved)
            return Decision.Refuse("attempt.not-resolved",
                "The citizen is called back after incident {0} is resolved; it is {1}.", i.Number, i.State);
        if (!i.CallerHasPhone)
            return Decision.Refuse("attempt.no-phone", "The caller of incident {0} left no number to call back.", i.Number);
        return i.CallbackRecorded
            ? Decision.Refuse("attempt.reached", "The callback of incident {0} is already recorded.", i.Number)
            : Decision.Accept(new CallbackAttempted(i.Id, i.Clocks.CallbackAttempts + 1, Reached: false,
                string.IsNullOrWhiteSpace(c.Note) ? null : c.Note.Trim(), c.By, now));
    }

    /// <summary>Closing a resolved incident whose caller could not be reached: after the configured number of failed calls.</summary>
    public static Decision CloseUnreached(Incident i, CloseIncident c, DateTimeOffset now)
    {
        if (!i.CallerHasPhone || i.CallbackRecorded)
            return Decision.Refuse("close.not-unreached",
                "Incident {0} needs no \"caller not reached\": there is no callback to make.", i.Number);
        return i.Clocks.CallbackAttempts < c.AttemptsNeeded
            ? Decision.Refuse("close.attempts",
                "Incident {0} closes as \"caller not reached\" after {1} callback attempts; {2} made so far.",
                i.Number, c.AttemptsNeeded, i.Clocks.CallbackAttempts)
            : Decision.Accept(new IncidentClosed(i.Id, c.By, now, CloseReason.CallerNotReached));
    }

    /// <summary>
    /// What the clock finds due (asked inside <see cref="CheckDeadlines"/>, after the running deadline): supervision replies
    /// past their time, each recorded once, command moved up to the highest of their leaders' levels when it sits lower
    /// and the work is not over; a report still unaccepted and a resolved incident still without its callback, each once.
    /// </summary>
    public static IReadOnlyList<object> Due(Incident i, string by, DateTimeOffset now)
    {
        var events = new List<object>();
        var late = i.Supervisions.Where(r => r.Waiting && r.ReplyBy is { } due && due <= now).ToList();
        foreach (var r in late) events.Add(new SupervisionOverdue(i.Id, r.Sequence, r.ReplyBy!.Value, i.LeadDepartment, r.LeaderLevel, by, now));
        if (late.Select(r => r.LeaderLevel).Max() is { } level && level > i.Level && !i.State.IsFinished())
        {
            var first = late[0];
            events.Add(IncidentDecider.Escalated(i, level,
                FormattableString.Invariant($"supervision #{first.Sequence} not answered by {first.ReplyBy!.Value.UtcDateTime:yyyy-MM-dd HH:mm} UTC"),
                automatic: true, by, now));
        }
        if (i is { State: IncidentState.Reported, Clocks: { AcceptBy: { } accept, AcceptFlagged: false } } && accept <= now)
            events.Add(new AcceptanceOverdue(i.Id, accept, by, now));
        if (i is { State: IncidentState.Resolved, CallerHasPhone: true, CallbackRecorded: false, Clocks: { CallbackBy: { } callback, CallbackFlagged: false } }
            && callback <= now)
            events.Add(new CallbackOverdue(i.Id, callback, by, now));
        return events;
    }

    /// <summary>When the clock should look at the incident for these checks next (null: nothing running).</summary>
    public static DateTimeOffset? NextDue(Incident i)
    {
        DateTimeOffset? next = i.Supervisions.Where(r => r.Waiting).Select(r => r.ReplyBy).Min();
        if (i is { State: IncidentState.Reported, Clocks: { AcceptBy: { } accept, AcceptFlagged: false } } && (next is null || accept < next)) next = accept;
        if (i is { State: IncidentState.Resolved, CallerHasPhone: true, CallbackRecorded: false, Clocks: { CallbackBy: { } callback, CallbackFlagged: false } }
            && (next is null || callback < next)) next = callback;
        return next;
    }
}
