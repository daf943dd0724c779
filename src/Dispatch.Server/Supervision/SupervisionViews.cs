using Dispatch.Domain.Incidents;
using Dispatch.Domain.Supervision;
using Dispatch.Server.Incidents;
using JasperFx.Events;

namespace Dispatch.Server.Supervision;

/// <summary>
/// What the board card keeps of supervision and the centre's clocks: small, for the row's badges and for
/// <see cref="IncidentCard.NextCheckAt"/> (reply-bys still running, accept-by, callback-by; each gone once answered,
/// done or flagged, as the rules see them).
/// </summary>
public sealed record SupervisionFollow
{
    public static SupervisionFollow None { get; } = new();

    /// <summary>How many times it was supervised (督×2).</summary>
    public int Supervisions { get; init; }
    /// <summary>Reply-by times of requests waiting for an answer and not yet overdue.</summary>
    public IReadOnlyList<DateTimeOffset> RepliesDue { get; init; } = [];
    /// <summary>Requests whose reply is overdue and still unanswered.</summary>
    public int RepliesLate { get; init; }
    public DateTimeOffset? AcceptDue { get; init; }
    /// <summary>Flagged: still not accepted past its time.</summary>
    public bool AcceptLate { get; init; }
    public DateTimeOffset? CallbackDue { get; init; }
    /// <summary>Flagged: resolved and still not called back past its time.</summary>
    public bool CallbackLate { get; init; }
    /// <summary>Callback calls that did not reach the caller since the resolution.</summary>
    public int CallbackAttempts { get; init; }
    /// <summary>Closed without a callback: the caller could not be reached.</summary>
    public bool CallerNotReached { get; init; }

    /// <summary>The earliest of its running clocks (the deadline watch wakes for it).</summary>
    public DateTimeOffset? NextDue =>
        new[] { RepliesDue.Count == 0 ? (DateTimeOffset?)null : RepliesDue.Min(), AcceptDue, CallbackDue }.Where(d => d is not null).Min();

    public SupervisionFollow Evolve(object @event) => @event switch
    {
        IncidentReported r => this with { AcceptDue = r.AcceptBy },
        IncidentAccepted => this with { AcceptDue = null, AcceptLate = false },
        AcceptanceOverdue => this with { AcceptDue = null, AcceptLate = true },
        IncidentSupervised s => this with
        {
            Supervisions = Supervisions + 1, RepliesDue = s.ReplyBy is { } due ? [.. RepliesDue, due] : RepliesDue,
        },
        SupervisionAnswered => this with { RepliesDue = [], RepliesLate = 0 },
        SupervisionOverdue o => this with { RepliesDue = Without(RepliesDue, o.ReplyBy), RepliesLate = RepliesLate + 1 },
        IncidentResolved r => this with { CallbackDue = r.CallbackBy, CallbackLate = false, CallbackAttempts = 0 },
        CitizenCallbackRecorded => this with { CallbackDue = null, CallbackLate = false },
        CallbackOverdue => this with { CallbackDue = null, CallbackLate = true },
        CallbackAttempted => this with { CallbackAttempts = CallbackAttempts + 1 },
        IncidentReopened => this with { CallbackDue = null, CallbackLate = false, CallbackAttempts = 0, CallerNotReached = false },
        IncidentClosed c => this with { CallerNotReached = c.Reason == CloseReason.CallerNotReached },
        _ => this,
    };

    static IReadOnlyList<DateTimeOffset> Without(IReadOnlyList<DateTimeOffset> list, DateTimeOffset one)
    {
        var at = list.ToList().IndexOf(one);
        return at < 0 ? list : [.. list.Take(at), .. list.Skip(at + 1)];
    }
}

/// <summary>One supervision request as the drawer shows it: asked, reply by, answered (by whom) or overdue.</summary>
public sealed record SupervisionView(int Sequence, string Comment, string By, DateTimeOffset At, DateTimeOffset? ReplyBy)
{
    public string? Answer { get; init; }
    public string? AnsweredBy { get; init; }
    /// <summary>The department answered for; null when the commanding desk answered.</summary>
    public string? AnsweredFor { get; init; }
    public DateTimeOffset? AnsweredAt { get; init; }
    public DateTimeOffset? OverdueAt { get; init; }
}

/// <summary>What the drawer keeps of supervision and the callback: every request, the callback attempts and clocks.</summary>
public sealed record SupervisionRecord
{
    public static SupervisionRecord None { get; } = new();

    public IReadOnlyList<SupervisionView> Requests { get; init; } = [];
    public int CallbackAttempts { get; init; }
    public DateTimeOffset? CallbackDue { get; init; }
    public bool AcceptLate { get; init; }
    public bool CallbackLate { get; init; }
    public bool CallerNotReached { get; init; }

    /// <summary>Whether a request waits for its answer (the Answer action is offered).</summary>
    public bool Waiting => Requests.Any(r => r.AnsweredAt is null);

    public SupervisionRecord Evolve(object @event) => @event switch
    {
        IncidentAccepted => this with { AcceptLate = false },
        AcceptanceOverdue => this with { AcceptLate = true },
        IncidentSupervised s => this with
        {
            Requests = [.. Requests, new SupervisionView(s.Sequence > 0 ? s.Sequence : Requests.Count + 1, s.Comment, s.By, s.At, s.ReplyBy)],
        },
        SupervisionAnswered a => this with
        {
            Requests = [.. Requests.Select(r => r.AnsweredAt is null && r.Sequence <= a.Sequence
                ? r with { Answer = a.Text, AnsweredBy = a.By, AnsweredFor = a.Department, AnsweredAt = a.At } : r)],
        },
        SupervisionOverdue o => this with { Requests = [.. Requests.Select(r => r.Sequence == o.Sequence ? r with { OverdueAt = o.At } : r)] },
        IncidentResolved r => this with { CallbackDue = r.CallbackBy, CallbackLate = false, CallbackAttempts = 0 },
        CitizenCallbackRecorded => this with { CallbackDue = null, CallbackLate = false },
        CallbackOverdue => this with { CallbackLate = true },
        CallbackAttempted => this with { CallbackAttempts = CallbackAttempts + 1 },
        IncidentReopened => this with { CallbackDue = null, CallbackLate = false, CallbackAttempts = 0, CallerNotReached = false },
        IncidentClosed c => this with { CallerNotReached = c.Reason == CloseReason.CallerNotReached },
        _ => this,
    };

    /// <summary>How the supervision and clock events read on the timeline (null: not one of them).</summary>
    public static TimelineEntry? Entry(IEvent e) => e.Data switch
    {
        IncidentSupervised { ReplyBy: { } replyBy } s => new(e.Version, "Supervised", s.At, s.By, null,
            FormattableString.Invariant($"#{s.Sequence} · {s.Comment} · reply by {replyBy:O}"))
            { Sequence = s.Sequence, Reason = s.Comment, Due = replyBy },
        SupervisionAnswered a => new(e.Version, "SupervisionAnswered", a.At, a.By, a.Department, FormattableString.Invariant($"#{a.Sequence} · {a.Text}")),
        SupervisionOverdue o => new(e.Version, "SupervisionOverdue", o.At, o.By, o.Department,
            FormattableString.Invariant($"#{o.Sequence} · {o.ReplyBy:O}{(o.LeaderLevel is { } level ? " · " + level : "")}"))
            { Sequence = o.Sequence, Due = o.ReplyBy, Level = o.LeaderLevel },
        AcceptanceOverdue a => new(e.Version, "AcceptanceOverdue", a.At, a.By, null, a.Due.ToString("O")) { Due = a.Due },
        CallbackOverdue c => new(e.Version, "CallbackOverdue", c.At, c.By, null, c.Due.ToString("O")) { Due = c.Due },
        CallbackAttempted c => new(e.Version, "CallbackAttempted", c.At, c.By, null,
            FormattableString.Invariant($"#{c.Attempt}{(c.Note is null ? "" : " · " + c.Note)}")),
        IncidentClosed { Reason: CloseReason.CallerNotReached } c => new(e.Version, "ClosedCallerNotReached", c.At, c.By, null, null),
        _ => null,
    };
}
