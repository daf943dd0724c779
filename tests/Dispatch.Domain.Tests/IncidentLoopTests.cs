using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>Every legal step of the loop: reported → accepted → assigned → acknowledged → resolved → callback → closed,
/// with re-assignment, return, reopen, cancel and locate.</summary>
public class IncidentLoopTests
{
    [Fact]
    public void Report_records_the_call_as_told_with_description_and_address_trimmed()
    {
        var command = new ReportIncident(Id, Number, Channel.Hotline, new Caller("张伟", Phone), Spot,
            "  " + Address + " ", "roads.manhole", "\t建国路88号门口井盖缺失\n", Urgency.High, CallTaker);

        var reported = IncidentDecider.Report(command, Now);

        Assert.Equal(
            new IncidentReported(Id, Number, Channel.Hotline, new Caller("张伟", Phone), Spot, Address,
                "roads.manhole", "建国路88号门口井盖缺失", Urgency.High, CallTaker, Now),
            reported);
    }

    [Fact]
    public void Report_without_an_address_keeps_it_absent() =>
        Assert.Null(IncidentDecider.Report(
            new ReportIncident(Id, Number, Channel.Sensor, new Caller(null, null), Spot, null, "water.leak",
                "水压异常", Urgency.Normal, "sensor.17"), Now).Address);

    [Fact]
    public void A_reported_incident_is_accepted() =>
        Given(Reported())
            .When(new AcceptIncident(Dispatcher))
            .Then(new IncidentAccepted(Id, Dispatcher, Now));

    [Fact]
    public void An_accepted_incident_is_assigned_to_a_lead_department() =>
        Given(Reported(), Accepted())
            .When(new AssignIncident(UrbanManagement, Dispatcher))
            .Then(new IncidentAssigned(Id, UrbanManagement, Dispatcher, Now));

    [Fact]
    public void Before_acknowledgement_an_assignment_is_corrected_to_another_department()
    {
        var after = Given(Reported(), Accepted(), Assigned(UrbanManagement))
            .When(new AssignIncident(Water, Dispatcher))
            .Then(new IncidentAssigned(Id, Water, Dispatcher, Now));

        Assert.Equal(IncidentState.Assigned, after.State);
        Assert.Equal(Water, after.LeadDepartment);
        Assert.Equal(0, after.TimesReturned); // a correction, not a return
    }

    [Fact]
    public void The_new_department_acknowledges_a_corrected_assignment() =>
        Given(Reported(), Accepted(), Assigned(UrbanManagement), Assigned(Water))
            .When(new AcknowledgeIncident(Water, Handler))
            .Then(new IncidentAcknowledged(Id, Water, Handler, Now));

    [Fact]
    public void The_lead_department_acknowledges_its_assignment() =>
        Given(Reported(), Accepted(), Assigned())
            .When(new AcknowledgeIncident(UrbanManagement, Handler))
            .Then(new IncidentAcknowledged(Id, UrbanManagement, Handler, Now));

    [Fact]
    public void The_handling_department_notes_progress_trimmed() =>
        Given(Reported(), Accepted(), Assigned(), Acknowledged())
            .When(new NoteProgress(UrbanManagement, "  围挡已设置，等待配件 ", Handler))
            .Then(new IncidentProgressNoted(Id, UrbanManagement, "围挡已设置，等待配件", Handler, Now));

    [Fact]
    public void Progress_can_be_noted_again_and_again() =>
        Given(Reported(), Accepted(), Assigned(), Acknowledged(), ProgressNoted(), ProgressNoted())
            .When(new NoteProgress(UrbanManagement, "配件已到", Handler))
            .Then(new IncidentProgressNoted(Id, UrbanManagement, "配件已到", Handler, Now));

    [Fact]
    public void The_assigned_department_returns_an_incident_before_acknowledging_it() =>
        Given(Reported(), Accepted(), Assigned())
            .When(new ReturnIncident(UrbanManagement, " 不属于本部门职责 ", Handler))
            .Then(new IncidentReturned(Id, UrbanManagement, "不属于本部门职责", Handler, Now));

    [Fact]
    public void The_handling_department_returns_an_incident_after_acknowledging_it() =>
        Given(Reported(), Accepted(), Assigned(), Acknowledged(), ProgressNoted())
            .When(new ReturnIncident(UrbanManagement, "需水务部门处理", Handler))
            .Then(new IncidentReturned(Id, UrbanManagement, "需水务部门处理", Handler, Now));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_returned_incident_is_back_in_the_dispatcher_queue_with_no_lead_department(bool acknowledgedFirst)
    {
        object[] history = acknowledgedFirst
            ? [Reported(), Accepted(), Assigned(), Acknowledged()]
            : [Reported(), Accepted(), Assigned()];

        var after = Given(history)
            .When(new ReturnIncident(UrbanManagement, "不属于本部门职责", Handler))
            .Then(new IncidentReturned(Id, UrbanManagement, "不属于本部门职责", Handler, Now));

        Assert.Equal(IncidentState.Accepted, after.State);
        Assert.Null(after.LeadDepartment);
        Assert.Equal(1, after.TimesReturned);
    }

    [Fact]
    public void A_returned_incident_is_assigned_again() =>
        Given(Reported(), Accepted(), Assigned(UrbanManagement), Acknowledged(UrbanManagement), Returned(UrbanManagement))
            .When(new AssignIncident(Water, Dispatcher))
            .Then(new IncidentAssigned(Id, Water, Dispatcher, Now));

    [Fact]
    public void A_returned_incident_may_go_back_to_the_same_department() =>
        Given(Reported(), Accepted(), Assigned(UrbanManagement), Returned(UrbanManagement))
            .When(new AssignIncident(UrbanManagement, Dispatcher))
            .Then(new IncidentAssigned(Id, UrbanManagement, Dispatcher, Now));

    [Fact]
    public void The_handling_department_resolves_the_incident_trimmed() =>
        Given(Reported(), Accepted(), Assigned(), Acknowledged(), ProgressNoted())
            .When(new ResolveIncident(UrbanManagement, " 井盖已更换 ", Handler))
            .Then(new IncidentResolved(Id, UrbanManagement, "井盖已更换", Handler, Now));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(5)]
    public void The_citizen_callback_is_recorded_once_resolved(int satisfaction) =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new RecordCallback(satisfaction, " 处理及时 ", Dispatcher))
            .Then(new CitizenCallbackRecorded(Id, satisfaction, "处理及时", Dispatcher, Now));

    [Fact]
    public void A_callback_without_a_comment_is_recorded() =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new RecordCallback(4, null, Dispatcher))
            .Then(new CitizenCallbackRecorded(Id, 4, null, Dispatcher, Now));

    [Fact]
    public void A_resolved_incident_is_closed_after_the_callback() =>
        Given(Reported(), Accepted(), Assigned(), Acknowledged(), Resolved(), CallbackRecorded())
            .When(new CloseIncident(Dispatcher))
            .Then(new IncidentClosed(Id, Dispatcher, Now));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_resolved_incident_whose_caller_left_no_phone_is_closed_without_a_callback(string? phone) =>
        Given(Reported(phone), Accepted(), Assigned(), Acknowledged(), Resolved())
            .When(new CloseIncident(Dispatcher))
            .Then(new IncidentClosed(Id, Dispatcher, Now));

    [Fact]
    public void A_resolved_incident_is_reopened_back_to_the_dispatcher_queue()
    {
        var after = Given(Reported(), Accepted(), Assigned(), Acknowledged(), Resolved(), CallbackRecorded())
            .When(new ReopenIncident(" 井盖又丢了 ", Dispatcher))
            .Then(new IncidentReopened(Id, "井盖又丢了", Dispatcher, Now));

        Assert.Equal(IncidentState.Accepted, after.State);
        Assert.Null(after.LeadDepartment);
        Assert.False(after.CallbackRecorded);
        Assert.Equal(1, after.TimesReopened);
    }

    [Fact]
    public void A_closed_incident_is_reopened_back_to_the_dispatcher_queue()
    {
        var after = Given(HistoryIn(IncidentState.Closed))
            .When(new ReopenIncident("市民再次来电", Dispatcher))
            .Then(new IncidentReopened(Id, "市民再次来电", Dispatcher, Now));

        Assert.Equal(IncidentState.Accepted, after.State);
        Assert.True(after.IsOpen);
        Assert.Null(after.LeadDepartment);
        Assert.False(after.CallbackRecorded);
        Assert.Equal(1, after.TimesReopened);
    }

    [Fact]
    public void A_reopened_incident_is_assigned_again() =>
        Given(HistoryIn(IncidentState.Closed).Append(Reopened()).ToArray())
            .When(new AssignIncident(Water, Dispatcher))
            .Then(new IncidentAssigned(Id, Water, Dispatcher, Now));

    [Fact]
    public void A_reopened_incident_needs_a_new_callback_before_it_closes_again() =>
        Given([.. HistoryIn(IncidentState.Closed), Reopened(), Assigned(), Acknowledged(), Resolved()])
            .When(new CloseIncident(Dispatcher))
            .ThenRefused("close.no-callback");

    [Fact]
    public void A_reopened_incident_closes_again_after_the_new_callback() =>
        Given([.. HistoryIn(IncidentState.Closed), Reopened(), Assigned(), Acknowledged(), Resolved(), CallbackRecorded(2)])
            .When(new CloseIncident(Dispatcher))
            .Then(new IncidentClosed(Id, Dispatcher, Now));

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void An_open_unresolved_incident_is_cancelled_as_a_duplicate_naming_the_original(IncidentState state)
    {
        var after = Given(HistoryIn(state))
            .When(new CancelIncident(CancelReason.Duplicate, " 20261123-0041 ", Dispatcher))
            .Then(new IncidentCancelled(Id, CancelReason.Duplicate, "20261123-0041", Dispatcher, Now));

        Assert.Equal(IncidentState.Cancelled, after.State);
        Assert.False(after.IsOpen);
    }

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void An_open_unresolved_incident_is_cancelled_as_invalid_without_a_note(IncidentState state) =>
        Given(HistoryIn(state))
            .When(new CancelIncident(CancelReason.Invalid, null, Dispatcher))
            .Then(new IncidentCancelled(Id, CancelReason.Invalid, null, Dispatcher, Now));

    [Fact]
    public void An_invalid_report_is_cancelled_with_a_trimmed_note() =>
        Given(Reported())
            .When(new CancelIncident(CancelReason.Invalid, " 恶意骚扰电话 ", Dispatcher))
            .Then(new IncidentCancelled(Id, CancelReason.Invalid, "恶意骚扰电话", Dispatcher, Now));

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    [InlineData(IncidentState.Resolved)]
    public void An_open_incident_is_located_and_its_state_does_not_change(IncidentState state)
    {
        var before = Given(HistoryIn(state)).State;

        var after = Given(HistoryIn(state))
            .When(new LocateIncident(new GeoPoint(39.91, 116.46), " 建国路90号 ", CallTaker))
            .Then(new IncidentLocated(Id, new GeoPoint(39.91, 116.46), "建国路90号", CallTaker, Now),
                new IncidentPlacementFlagged(Id, PlacementProblem.OutsideCity, CallTaker, Now));

        Assert.Equal(before, after);
    }

    [Fact]
    public void An_incident_is_located_without_an_address() =>
        Given(Reported())
            .When(new LocateIncident(Spot, null, CallTaker, Cell))
            .Then(new IncidentLocated(Id, Spot, null, CallTaker, Now),
                new IncidentPlaced(Id, Cell, Manual: false, CallTaker, Now));

    static readonly Place Cell = new("demo/dh/dh-01/dh-01-03", "dh", "dh-01", "dh-01-03");

    [Fact]
    public void The_whole_loop_runs_from_report_to_close_through_the_decider()
    {
        // Each step is decided against the fold of everything decided before it.
        var history = new List<object> { IncidentDecider.Report(
            new ReportIncident(Id, Number, Channel.Hotline, new Caller("张伟", Phone), Spot, Address,
                "roads.manhole", "井盖缺失", Urgency.High, CallTaker), Now) };
        IncidentCommand[] steps =
        [
            new AcceptIncident(Dispatcher),
            new AssignIncident(Water, Dispatcher),
            new AssignIncident(UrbanManagement, Dispatcher),
            new AcknowledgeIncident(UrbanManagement, Handler),
            new ReturnIncident(UrbanManagement, "需要协调", Handler),
            new AssignIncident(UrbanManagement, Dispatcher),
            new AcknowledgeIncident(UrbanManagement, Handler),
            new NoteProgress(UrbanManagement, "围挡已设置", Handler),
            new ResolveIncident(UrbanManagement, "井盖已更换", Handler),
            new RecordCallback(5, null, Dispatcher),
            new CloseIncident(Dispatcher),
            new ReopenIncident("井盖又丢了", Dispatcher),
            new AssignIncident(UrbanManagement, Dispatcher),
            new AcknowledgeIncident(UrbanManagement, Handler),
            new ResolveIncident(UrbanManagement, "加装防盗井盖", Handler),
            new RecordCallback(4, "还行", Dispatcher),
            new CloseIncident(Dispatcher),
        ];

        foreach (var step in steps)
        {
            var decision = IncidentDecider.Decide(Given([.. history]).State, step, Now);
            Assert.False(decision.IsRefused, $"{step}: {decision.Refusal}");
            Assert.Single(decision.Events);
            history.AddRange(decision.Events);
        }

        var final = Given([.. history]).State;
        Assert.Equal(
            new Incident(Id, Number, IncidentState.Closed, "roads.manhole", Urgency.High, CallerHasPhone: true,
                LeadDepartment: UrbanManagement, CallbackRecorded: true, TimesReturned: 1, TimesReopened: 1)
                { AcknowledgedBy = Departments.Of([UrbanManagement]) },
            final);
    }
}
