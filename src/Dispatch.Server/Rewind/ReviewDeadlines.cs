using Dispatch.Domain.Incidents;
using Dispatch.Domain.Supervision;
using Dispatch.Server.Plans;

namespace Dispatch.Server.Rewind;

/// <summary>How a deadline went: done in time, done late, never done by its end, still running, or stopped before its time.</summary>
public enum DeadlineVerdict { OnTime, Late, Missed, Running, Stopped }

/// <summary>
/// One deadline against what happened: which clock (<see cref="Kind"/>: accept, acknowledge, resolve, callback, reply, task),
/// for whom or what (<see cref="Subject"/>: a department, "#2" for a supervision request, a plan task's text), why it ran
/// (<see cref="Cause"/>: reported, assigned, escalated:Town:District, resolved, supervised, plan), when it started and was due, when it was done or stopped,
/// and the verdict with its margin in whole minutes (on time by, late by, missed by, or left while running).
/// </summary>
public sealed record ReviewDeadline(string Kind, string? Subject, string Cause, DateTimeOffset Started, DateTimeOffset Due,
    DateTimeOffset? DoneAt, DateTimeOffset? EndedAt, DeadlineVerdict Verdict, int Minutes);

/// <summary>
/// The deadlines of an incident read off its events, pure: each clock starts where the rules start it (the report's
/// accept-by, an assignment's acknowledge-by and resolve-by, an escalation's new ones, a resolution's callback-by, a
/// supervision's reply-by) and ends at the step that does it, or at the step that stops it (a return, a reassignment, a
/// reopening, the close). <c>now</c> judges the clocks still running.
/// </summary>
public static class ReviewDeadlines
{
    public static IReadOnlyList<ReviewDeadline> From(IEnumerable<object> events, DateTimeOffset now)
    {
        var open = new List<Clock>();
        var done = new List<ReviewDeadline>();
        string? lead = null;

        void Start(string kind, string? subject, string cause, DateTimeOffset at, DateTimeOffset? due)
        {
            if (kind != "reply") End(kind, at);
            if (due is { } d) open.Add(new Clock(kind, subject, cause, at, d));
        }
        void Finish(Func<Clock, bool> which, DateTimeOffset at, bool did)
        {
            foreach (var clock in open.Where(which).ToList())
            {
                open.Remove(clock);
                done.Add(Judge(clock, did ? at : null, did ? null : at, now));
            }
        }
        void Done(string kind, DateTimeOffset at) => Finish(c => c.Kind == kind, at, did: true);
        void End(string kind, DateTimeOffset at) => Finish(c => c.Kind == kind, at, did: false);
        void EndAll(DateTimeOffset at) => Finish(_ => true, at, did: false);

        foreach (var e in events)
        {
            switch (e)
            {
                case IncidentReported r:
                    Start("accept", null, "reported", r.At, r.AcceptBy);
                    break;
                case IncidentAccepted a:
                    Done("accept", a.At);
                    break;
                case IncidentAssigned a:
                    lead = a.Department;
                    Start("acknowledge", a.Department, "assigned", a.At, a.AcknowledgeBy);
                    Start("resolve", a.Department, "assigned", a.At, a.ResolveBy);
                    break;
                case IncidentAcknowledged k when k.Department == lead:
                    Done("acknowledge", k.At);
                    break;
                case IncidentEscalated x:
                    var cause = $"escalated:{x.From}:{x.To}";
                    if (x.AcknowledgeBy is not null) Start("acknowledge", lead, cause, x.At, x.AcknowledgeBy);
                    if (x.ResolveBy is not null) Start("resolve", lead, cause, x.At, x.ResolveBy);
                    break;
                case IncidentReturned r when r.Department == lead:
                    lead = null;
                    End("acknowledge", r.At);
                    End("resolve", r.At);
                    break;
                case IncidentResolved r:
                    Done("resolve", r.At);
                    End("acknowledge", r.At);
                    Start("callback", null, "resolved", r.At, r.CallbackBy);
                    break;
                case CitizenCallbackRecorded c:
                    Done("callback", c.At);
                    break;
                case IncidentSupervised s:
                    Start("reply", $"#{(s.Sequence > 0 ? s.Sequence : open.Count(c => c.Kind == "reply") + 1)}", "supervised", s.At, s.ReplyBy);
                    break;
                case SupervisionAnswered a:
                    // One answer answers every request still waiting up to its number (as SupervisionRecord reads it).
                    Finish(c => c.Kind == "reply" && int.TryParse(c.Subject?.TrimStart('#'), out var n) && n <= a.Sequence, a.At, did: true);
                    break;
                case IncidentReopened r:
                    EndAll(r.At);
                    break;
                case IncidentClosed or IncidentCancelled or IncidentMergedInto:
                    EndAll(((IIncidentEvent)e).At);
                    break;
            }
        }
        done.AddRange(open.Select(c => Judge(c, null, null, now)));
        return [.. done.OrderBy(d => d.Started).ThenBy(d => d.Due)];
    }

    /// <summary>The plan's tasks against their deadlines; a task not done stops when the plan stood down or the incident finished.</summary>
    public static IReadOnlyList<ReviewDeadline> Tasks(PlanDetail? plan, DateTimeOffset? finishedAt, DateTimeOffset now) =>
        plan is null
            ? []
            : [.. plan.Tasks.Select(t => Judge(new Clock("task", t.What, "plan", plan.ActivatedAt, t.Due),
                t.CompletedAt, t.CompletedAt is null ? plan.StoodDownAt ?? finishedAt : null, now))];

    static ReviewDeadline Judge(Clock c, DateTimeOffset? doneAt, DateTimeOffset? endedAt, DateTimeOffset now)
    {
        var (verdict, margin) = (doneAt, endedAt) switch
        {
            ({ } d, _) when d <= c.Due => (DeadlineVerdict.OnTime, c.Due - d),
            ({ } d, _) => (DeadlineVerdict.Late, d - c.Due),
            (null, { } e) when e >= c.Due => (DeadlineVerdict.Missed, e - c.Due),
            (null, { }) => (DeadlineVerdict.Stopped, TimeSpan.Zero),
            _ when now >= c.Due => (DeadlineVerdict.Missed, now - c.Due),
            _ => (DeadlineVerdict.Running, c.Due - now),
        };
        return new ReviewDeadline(c.Kind, c.Subject, c.Cause, c.Started, c.Due, doneAt, endedAt, verdict, (int)Math.Round(margin.TotalMinutes));
    }

    sealed record Clock(string Kind, string? Subject, string Cause, DateTimeOffset Started, DateTimeOffset Due);
}
