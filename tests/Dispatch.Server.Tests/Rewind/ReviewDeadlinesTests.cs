using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Supervision;
using Dispatch.Server.Rewind;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>The deadlines of the review read off events, pure: each verdict with its margin.</summary>
public class ReviewDeadlinesTests
{
    static readonly Guid Id = Guid.NewGuid();
    static readonly DateTimeOffset T0 = new(2026, 12, 5, 18, 0, 0, TimeSpan.Zero);
    const string Lead = "urban-management";

    static DateTimeOffset At(int minutes) => T0.AddMinutes(minutes);

    static IncidentAssigned Assigned(int at, int acknowledgeIn, int resolveIn) =>
        new(Id, Lead, "d", At(at), null, At(at + acknowledgeIn), At(at + resolveIn));

    [Fact]
    public void Given_an_acknowledgement_after_its_due_when_judged_then_it_is_late_by_the_minutes_past()
    {
        var deadlines = ReviewDeadlines.From([Assigned(0, 30, 600), new IncidentAcknowledged(Id, Lead, "h", At(42))], now: At(60));

        var acknowledge = Assert.Single(deadlines, d => d.Kind == "acknowledge");
        Assert.Equal((DeadlineVerdict.Late, 12, At(42)), (acknowledge.Verdict, acknowledge.Minutes, acknowledge.DoneAt));
        var resolve = Assert.Single(deadlines, d => d.Kind == "resolve");
        Assert.Equal((DeadlineVerdict.Running, 540), (resolve.Verdict, resolve.Minutes));
    }

    [Fact]
    public void Given_a_return_before_the_due_when_judged_then_the_clock_stopped_and_the_new_assignment_runs_its_own()
    {
        var deadlines = ReviewDeadlines.From(
        [
            Assigned(0, 30, 600), new IncidentReturned(Id, Lead, "not ours", "h", At(10)),
            Assigned(20, 30, 600), new IncidentAcknowledged(Id, Lead, "h", At(25)),
        ], now: At(700));

        var acknowledge = deadlines.Where(d => d.Kind == "acknowledge").ToList();
        Assert.Equal([DeadlineVerdict.Stopped, DeadlineVerdict.OnTime], acknowledge.Select(d => d.Verdict));
        Assert.Equal(25, acknowledge[1].Minutes);
        // The second resolve-by ran out with nothing done: missed, by the minutes since.
        var resolve = deadlines.Where(d => d.Kind == "resolve").ToList();
        Assert.Equal((DeadlineVerdict.Missed, 80), (resolve[^1].Verdict, resolve[^1].Minutes));
    }

    [Fact]
    public void Given_a_supervision_answered_late_and_a_manual_escalation_when_judged_then_each_has_its_own_row()
    {
        var deadlines = ReviewDeadlines.From(
        [
            Assigned(0, 30, 600),
            new IncidentSupervised(Id, "请加快", "leader", At(5), ReplyBy: At(65), Sequence: 1),
            new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.District, "too big", false, At(40), null, "d", At(10)),
            new SupervisionAnswered(Id, 1, Lead, "已处理", "h", At(70)),
        ], now: At(80));

        var reply = Assert.Single(deadlines, d => d.Kind == "reply");
        Assert.Equal(("#1", DeadlineVerdict.Late, 5), (reply.Subject, reply.Verdict, reply.Minutes));
        var acknowledge = deadlines.Where(d => d.Kind == "acknowledge").ToList();
        Assert.Equal(["assigned", "escalated:Town:District"], acknowledge.Select(d => d.Cause));
        Assert.Equal([DeadlineVerdict.Stopped, DeadlineVerdict.Missed], acknowledge.Select(d => d.Verdict));
    }

    [Fact]
    public void Given_a_plan_stood_down_with_a_task_left_when_judged_then_done_tasks_have_margins_and_the_left_one_is_missed()
    {
        var plan = new Dispatch.Server.Plans.PlanDetail("flood", 2, "防汛", Dispatch.Domain.Plans.ResponseLevel.II, CommandLevel.District, Lead, [], "rain", "d", At(0),
        [
            new("a", "封路", Lead, null, At(30)) { CompletedAt = At(20) },
            new("b", "排水", "water", null, At(60)),
        ]) { StoodDownAt = At(90) };

        var tasks = ReviewDeadlines.Tasks(plan, finishedAt: null, now: At(120));

        Assert.Equal([(DeadlineVerdict.OnTime, 10), (DeadlineVerdict.Missed, 30)], tasks.Select(t => (t.Verdict, t.Minutes)));
    }
}
