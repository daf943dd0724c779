using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Merging a duplicate report (the incident of <see cref="IncidentSpec"/>) into the incident already open for the same
/// matter (<see cref="TargetNumber"/>), and unmerging it: the events for both streams, and every refusal.
/// </summary>
public class MergeTests
{
    static readonly Guid TargetId = Guid.Parse("0a9e3c1d-5b7f-4e2a-8c6d-1f2e3d4c5b6a");
    const string TargetNumber = "20261123-0017";
    const string FurtherNumber = "20261123-0009";

    static readonly Caller SourceCaller = new("张伟", Phone);
    const string SourceDescription = "建国路88号门口井盖缺失";

    /// <summary>The target after <paramref name="history"/> (its own events, reported as road manhole like the duplicate).</summary>
    static Incident Target(string category = "roads.manhole", params Func<Guid, object>[] history)
    {
        object[] events =
        [
            new IncidentReported(TargetId, TargetNumber, Channel.Hotline, new Caller("李娜", "13900001111"), Spot, Address, category,
                "井盖没了", Urgency.High, CallTaker, Earlier.AddHours(-1)),
            .. history.Select(step => step(TargetId)),
        ];
        return events.Aggregate((Incident?)null, Incident.Evolve)!;
    }

    static MergeIncident MergeInto(Incident? target) =>
        new(target?.Id ?? TargetId, Dispatcher) { Target = target, Caller = SourceCaller, Description = SourceDescription };

    static IncidentMergedInto MergedInto() => new(Id, TargetId, TargetNumber, Dispatcher, Earlier);

    // ---- merge --------------------------------------------------------------------------------------------

    [Fact]
    public void A_new_report_is_merged_into_the_open_incident_and_its_caller_is_kept_on_the_target()
    {
        var after = Given(Reported())
            .When(MergeInto(Target()))
            .Then(
                new IncidentMergedInto(Id, TargetId, TargetNumber, Dispatcher, Now),
                new IncidentReportMerged(TargetId, Id, Number, SourceCaller, SourceDescription, Dispatcher, Now));

        Assert.Equal(IncidentState.Merged, after.State);
        Assert.False(after.IsOpen);
        Assert.Equal(new MergeLink(TargetId, TargetNumber, IncidentState.Reported), after.MergedInto);
    }

    [Theory]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void An_incident_being_worked_on_is_merged_and_remembers_where_it_was(IncidentState state)
    {
        var after = Given(HistoryIn(state)).When(MergeInto(Target())).Then(
            new IncidentMergedInto(Id, TargetId, TargetNumber, Dispatcher, Now),
            new IncidentReportMerged(TargetId, Id, Number, SourceCaller, SourceDescription, Dispatcher, Now));

        Assert.Equal(state, after.MergedInto!.Resumes);
    }

    [Theory]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    [InlineData(IncidentState.Resolved)]
    public void A_target_anywhere_in_its_loop_until_closed_takes_the_report(IncidentState targetState)
    {
        var target = targetState switch
        {
            IncidentState.Accepted => Target("roads.manhole", id => new IncidentAccepted(id, Dispatcher, Earlier)),
            IncidentState.Assigned => Target("roads.manhole", id => new IncidentAccepted(id, Dispatcher, Earlier),
                id => new IncidentAssigned(id, UrbanManagement, Dispatcher, Earlier)),
            IncidentState.Acknowledged => Target("roads.manhole", id => new IncidentAccepted(id, Dispatcher, Earlier),
                id => new IncidentAssigned(id, UrbanManagement, Dispatcher, Earlier),
                id => new IncidentAcknowledged(id, UrbanManagement, Handler, Earlier)),
            _ => Target("roads.manhole", id => new IncidentAccepted(id, Dispatcher, Earlier),
                id => new IncidentAssigned(id, UrbanManagement, Dispatcher, Earlier),
                id => new IncidentAcknowledged(id, UrbanManagement, Handler, Earlier),
                id => new IncidentResolved(id, UrbanManagement, "已更换", Handler, Earlier)),
        };
        Assert.Equal(targetState, target.State);

        Given(Reported()).When(MergeInto(target)).Then(
            new IncidentMergedInto(Id, TargetId, TargetNumber, Dispatcher, Now),
            new IncidentReportMerged(TargetId, Id, Number, SourceCaller, SourceDescription, Dispatcher, Now));
    }

    [Fact]
    public void An_anonymous_caller_is_merged_as_anonymous() =>
        Given(Reported(phone: null))
            .When(new MergeIncident(TargetId, Dispatcher) { Target = Target(), Description = SourceDescription })
            .Then(
                new IncidentMergedInto(Id, TargetId, TargetNumber, Dispatcher, Now),
                new IncidentReportMerged(TargetId, Id, Number, new Caller(null, null), SourceDescription, Dispatcher, Now));

    [Fact]
    public void The_target_is_not_changed_in_what_the_rules_decide_on_by_a_merged_report()
    {
        var target = Target();
        var received = Incident.Evolve(target,
            new IncidentReportMerged(TargetId, Id, Number, SourceCaller, SourceDescription, Dispatcher, Now));

        Assert.Equal(target, received);
    }

    // ---- merge refusals ----------------------------------------------------------------------------------

    [Fact]
    public void An_incident_is_not_merged_into_itself()
    {
        var self = Given(Reported()).State;

        var refusal = Given(Reported()).When(MergeInto(self)).ThenRefused("merge.self");

        Assert.Equal($"Incident {Number} cannot be merged into itself.", refusal.Message);
    }

    [Fact]
    public void A_merge_names_an_incident_that_exists() =>
        Given(Reported()).When(MergeInto(null)).ThenRefused("merge.no-target");

    [Fact]
    public void Reports_of_different_categories_are_not_merged_and_the_refusal_says_which_they_are()
    {
        var refusal = Given(Reported()).When(MergeInto(Target("roads.pothole"))).ThenRefused("merge.other-category");

        Assert.Equal(
            $"Incident {Number} is about roads.manhole and {TargetNumber} about roads.pothole: only reports of the same category are merged.",
            refusal.Message);
        // The UI shows categories by name: the arguments say they are categories.
        Assert.Contains(new CategoryCode("roads.pothole"), refusal.Args);
    }

    [Fact]
    public void Nothing_is_merged_into_a_closed_incident()
    {
        var closed = Target("roads.manhole",
            id => new IncidentAccepted(id, Dispatcher, Earlier), id => new IncidentAssigned(id, UrbanManagement, Dispatcher, Earlier),
            id => new IncidentAcknowledged(id, UrbanManagement, Handler, Earlier),
            id => new IncidentResolved(id, UrbanManagement, "已更换", Handler, Earlier),
            id => new CitizenCallbackRecorded(id, 5, null, Dispatcher, Earlier), id => new IncidentClosed(id, Dispatcher, Earlier));

        var refusal = Given(Reported()).When(MergeInto(closed)).ThenRefused("merge.target-finished");

        Assert.Equal($"Incident {TargetNumber} is Closed: {Number} cannot be merged into it.", refusal.Message);
    }

    [Fact]
    public void Nothing_is_merged_into_a_cancelled_incident()
    {
        var cancelled = Target("roads.manhole", id => new IncidentCancelled(id, CancelReason.Invalid, null, Dispatcher, Earlier));

        var refusal = Given(Reported()).When(MergeInto(cancelled)).ThenRefused("merge.target-finished");

        Assert.Contains("Cancelled", refusal.Message);
    }

    [Fact]
    public void Nothing_is_merged_into_a_merged_incident_and_the_refusal_names_where_that_one_went()
    {
        var merged = Target("roads.manhole",
            id => new IncidentMergedInto(id, Guid.NewGuid(), FurtherNumber, Dispatcher, Earlier));

        var refusal = Given(Reported()).When(MergeInto(merged)).ThenRefused("merge.target-merged");

        Assert.Equal($"Incident {TargetNumber} was itself merged into {FurtherNumber}: merge {Number} into {FurtherNumber} instead.",
            refusal.Message);
    }

    [Fact]
    public void A_merged_duplicate_is_not_merged_again()
    {
        var refusal = Given(Reported(), MergedInto()).When(MergeInto(Target())).ThenRefused("merge.already");

        Assert.Equal($"Incident {Number} is already merged into {TargetNumber}; unmerge it first.", refusal.Message);
    }

    [Fact]
    public void A_resolved_incident_is_closed_with_its_caller_not_merged() =>
        Given(HistoryIn(IncidentState.Resolved)).When(MergeInto(Target())).ThenRefused("merge.resolved");

    [Theory]
    [InlineData(IncidentState.Closed, "incident.closed")]
    [InlineData(IncidentState.Cancelled, "incident.cancelled")]
    public void A_finished_incident_is_not_merged(IncidentState state, string code) =>
        Given(HistoryIn(state)).When(MergeInto(Target())).ThenRefused(code);

    // ---- a merged duplicate waits on its target ------------------------------------------------------

    public static TheoryData<string> EveryOtherCommand => new(OtherCommands.Keys);

    static readonly Dictionary<string, IncidentCommand> OtherCommands = new()
    {
        ["accept"] = new AcceptIncident(Dispatcher),
        ["assign"] = new AssignIncident(Water, Dispatcher),
        ["acknowledge"] = new AcknowledgeIncident(UrbanManagement, Handler),
        ["progress"] = new NoteProgress(UrbanManagement, "围挡已设置", Handler),
        ["resolve"] = new ResolveIncident(UrbanManagement, "井盖已更换", Handler),
        ["callback"] = new RecordCallback(5, null, Dispatcher),
        ["close"] = new CloseIncident(Dispatcher),
        ["reopen"] = new ReopenIncident("井盖又丢了", Dispatcher),
        ["cancel"] = new CancelIncident(CancelReason.Invalid, null, Dispatcher),
        ["locate"] = new LocateIncident(Spot, Address, CallTaker),
        ["escalate"] = new EscalateIncident("太难", Dispatcher),
        ["supervise"] = new SuperviseIncident("尽快处理", "leader.chen"),
    };

    [Theory, MemberData(nameof(EveryOtherCommand))]
    public void A_merged_duplicate_takes_no_command_but_unmerge(string command)
    {
        var refusal = Given([.. HistoryIn(IncidentState.Assigned), MergedInto()])
            .When(OtherCommands[command]).ThenRefused("incident.merged");

        Assert.Equal($"Incident {Number} was merged into {TargetNumber}: work on {TargetNumber}, or unmerge {Number} first.", refusal.Message);
    }

    // ---- unmerge ------------------------------------------------------------------------------------------

    [Fact]
    public void Unmerging_puts_the_duplicate_back_where_it_was_and_takes_its_caller_off_the_target()
    {
        var after = Given([.. HistoryIn(IncidentState.Assigned), MergedInto()])
            .When(new UnmergeIncident(CallTaker))
            .Then(
                new IncidentUnmerged(Id, TargetId, TargetNumber, IncidentState.Assigned, CallTaker, Now),
                new IncidentReportUnmerged(TargetId, Id, Number, CallTaker, Now));

        Assert.Equal(IncidentState.Assigned, after.State);
        Assert.Equal(UrbanManagement, after.LeadDepartment);
        Assert.Null(after.MergedInto);
        Assert.True(after.IsOpen);
        Assert.Equal(Given(HistoryIn(IncidentState.Assigned)).State, after);
    }

    [Fact]
    public void An_unmerged_incident_is_worked_on_again() =>
        Given(Reported(), MergedInto(), new IncidentUnmerged(Id, TargetId, TargetNumber, IncidentState.Reported, Dispatcher, Earlier))
            .When(new AcceptIncident(Dispatcher))
            .Then(new IncidentAccepted(Id, Dispatcher, Now));

    [Fact]
    public void An_unmerged_incident_can_be_merged_again() =>
        Given(Reported(), MergedInto(), new IncidentUnmerged(Id, TargetId, TargetNumber, IncidentState.Reported, Dispatcher, Earlier))
            .When(MergeInto(Target()))
            .Then(
                new IncidentMergedInto(Id, TargetId, TargetNumber, Dispatcher, Now),
                new IncidentReportMerged(TargetId, Id, Number, SourceCaller, SourceDescription, Dispatcher, Now));

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Closed)]
    [InlineData(IncidentState.Cancelled)]
    public void Only_a_merged_incident_is_unmerged(IncidentState state)
    {
        var refusal = Given(HistoryIn(state)).When(new UnmergeIncident(Dispatcher)).ThenRefused("unmerge.not-merged");

        Assert.Equal($"Incident {Number} is not merged into another incident.", refusal.Message);
    }
}
