using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>Every refusal of <see cref="IncidentDecider"/>: its stable code, no events, and a message that names
/// the incident (and, where the template has them, the state or department).</summary>
public class RefusalTests
{
    /// <summary>One command of every kind, each valid in itself (so only the state can refuse it).</summary>
    static readonly Dictionary<string, IncidentCommand> EveryCommand = new()
    {
        ["accept"] = new AcceptIncident(Dispatcher),
        ["assign"] = new AssignIncident(Water, Dispatcher),
        ["acknowledge"] = new AcknowledgeIncident(UrbanManagement, Handler),
        ["progress"] = new NoteProgress(UrbanManagement, "围挡已设置", Handler),
        ["return"] = new ReturnIncident(UrbanManagement, "不属于本部门职责", Handler),
        ["resolve"] = new ResolveIncident(UrbanManagement, "井盖已更换", Handler),
        ["callback"] = new RecordCallback(5, null, Dispatcher),
        ["close"] = new CloseIncident(Dispatcher),
        ["reopen"] = new ReopenIncident("井盖又丢了", Dispatcher),
        ["cancel-duplicate"] = new CancelIncident(CancelReason.Duplicate, "20261123-0041", Dispatcher),
        ["cancel-invalid"] = new CancelIncident(CancelReason.Invalid, null, Dispatcher),
        ["locate"] = new LocateIncident(Spot, Address, CallTaker),
    };

    public static TheoryData<string> EveryCommandName => new(EveryCommand.Keys);

    public static TheoryData<string> EveryCommandButReopen => new(EveryCommand.Keys.Where(k => k != "reopen"));

    // ---- finished incidents ---------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(EveryCommandName))]
    public void Every_command_on_a_cancelled_incident_is_refused(string command) =>
        Given(HistoryIn(IncidentState.Cancelled))
            .When(EveryCommand[command])
            .ThenRefused("incident.cancelled");

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void An_incident_cancelled_from_any_open_state_stays_cancelled(IncidentState cancelledFrom)
    {
        var refusal = Given([.. HistoryIn(cancelledFrom), Cancelled(CancelReason.Duplicate)])
            .When(new ReopenIncident("其实不是重复", Dispatcher))
            .ThenRefused("incident.cancelled");

        Assert.Equal($"Incident {Number} was cancelled; it can no longer be changed.", refusal.Message);
    }

    [Theory]
    [MemberData(nameof(EveryCommandButReopen))]
    public void Every_command_but_reopen_on_a_closed_incident_is_refused(string command)
    {
        var refusal = Given(HistoryIn(IncidentState.Closed))
            .When(EveryCommand[command])
            .ThenRefused("incident.closed");

        Assert.Equal($"Incident {Number} is closed; reopen it first.", refusal.Message);
    }

    // ---- accept -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    [InlineData(IncidentState.Resolved)]
    public void Only_a_new_incident_is_accepted(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new AcceptIncident(Dispatcher))
            .ThenRefused("accept.not-new");

        Assert.Contains($"is already {state}", refusal.Message);
    }

    [Fact]
    public void A_returned_incident_is_not_accepted_again() =>
        Given(Reported(), Accepted(), Assigned(), Returned())
            .When(new AcceptIncident(Dispatcher))
            .ThenRefused("accept.not-new");

    // ---- assign -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void An_assignment_names_a_department(string department) =>
        Given(HistoryIn(IncidentState.Accepted))
            .When(new AssignIncident(department, Dispatcher))
            .ThenRefused("assign.no-department");

    [Fact]
    public void A_new_incident_is_accepted_before_it_is_assigned() =>
        Given(Reported())
            .When(new AssignIncident(UrbanManagement, Dispatcher))
            .ThenRefused("assign.not-accepted");

    [Fact]
    public void An_incident_is_not_assigned_again_to_the_department_it_is_assigned_to()
    {
        var refusal = Given(HistoryIn(IncidentState.Assigned))
            .When(new AssignIncident(UrbanManagement, Dispatcher))
            .ThenRefused("assign.same-department");

        Assert.Contains(UrbanManagement, refusal.Message);
    }

    [Fact]
    public void An_acknowledged_incident_is_returned_before_it_is_assigned_elsewhere()
    {
        var refusal = Given(HistoryIn(IncidentState.Acknowledged))
            .When(new AssignIncident(Water, Dispatcher))
            .ThenRefused("assign.being-handled");

        Assert.Contains($"being handled by {UrbanManagement}", refusal.Message);
    }

    [Fact]
    public void A_resolved_incident_is_reopened_before_it_is_assigned_again() =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new AssignIncident(Water, Dispatcher))
            .ThenRefused("assign.resolved");

    // ---- acknowledge ------------------------------------------------------------------------------------

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    public void An_unassigned_incident_is_not_acknowledged(IncidentState state) =>
        Given(HistoryIn(state))
            .When(new AcknowledgeIncident(UrbanManagement, Handler))
            .ThenRefused("acknowledge.unassigned");

    [Fact]
    public void A_returned_incident_is_not_acknowledged_by_the_department_that_returned_it() =>
        Given(Reported(), Accepted(), Assigned(), Returned())
            .When(new AcknowledgeIncident(UrbanManagement, Handler))
            .ThenRefused("acknowledge.unassigned");

    [Fact]
    public void Only_the_assigned_department_acknowledges()
    {
        var refusal = Given(HistoryIn(IncidentState.Assigned))
            .When(new AcknowledgeIncident(Water, Handler))
            .ThenRefused("acknowledge.wrong-department");

        Assert.Equal($"Incident {Number} is assigned to {UrbanManagement}, not {Water}.", refusal.Message);
    }

    [Fact]
    public void The_department_an_assignment_was_corrected_away_from_does_not_acknowledge() =>
        Given(Reported(), Accepted(), Assigned(UrbanManagement), Assigned(Water))
            .When(new AcknowledgeIncident(UrbanManagement, Handler))
            .ThenRefused("acknowledge.wrong-department");

    [Fact]
    public void An_incident_is_acknowledged_once()
    {
        var refusal = Given(HistoryIn(IncidentState.Acknowledged))
            .When(new AcknowledgeIncident(UrbanManagement, Handler))
            .ThenRefused("acknowledge.already");

        Assert.Contains(UrbanManagement, refusal.Message);
    }

    [Fact]
    public void A_resolved_incident_is_not_acknowledged() =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new AcknowledgeIncident(UrbanManagement, Handler))
            .ThenRefused("acknowledge.resolved");

    // ---- progress ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData(" \t ")]
    public void Progress_says_what_was_done(string note)
    {
        // The template has no place for the incident number.
        var refusal = Given(HistoryIn(IncidentState.Acknowledged))
            .When(new NoteProgress(UrbanManagement, note, Handler))
            .ThenRefused("progress.empty", namesIncident: false);

        Assert.Equal("Write what progress was made.", refusal.Message);
    }

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Resolved)]
    public void Progress_is_noted_only_while_the_department_handles_the_incident(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new NoteProgress(UrbanManagement, "围挡已设置", Handler))
            .ThenRefused("progress.not-handling");

        Assert.EndsWith($"it is {state}.", refusal.Message);
    }

    [Fact]
    public void Only_the_handling_department_notes_progress()
    {
        var refusal = Given(HistoryIn(IncidentState.Acknowledged))
            .When(new NoteProgress(Water, "已派人查看", Handler))
            .ThenRefused("progress.wrong-department");

        Assert.Equal($"Incident {Number} is assigned to {UrbanManagement}, not {Water}.", refusal.Message);
    }

    // ---- return -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void A_return_says_why(string reason) =>
        Given(HistoryIn(IncidentState.Assigned))
            .When(new ReturnIncident(UrbanManagement, reason, Handler))
            .ThenRefused("return.no-reason");

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Resolved)]
    public void Only_an_assigned_incident_is_returned(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new ReturnIncident(UrbanManagement, "不属于本部门职责", Handler))
            .ThenRefused("return.not-assigned");

        Assert.EndsWith($"{Number} is {state}.", refusal.Message);
    }

    [Fact]
    public void An_incident_is_not_returned_twice() =>
        Given(Reported(), Accepted(), Assigned(), Returned())
            .When(new ReturnIncident(UrbanManagement, "再次退回", Handler))
            .ThenRefused("return.not-assigned");

    [Theory]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void Only_the_lead_department_returns_an_incident(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new ReturnIncident(Water, "不属于本部门职责", Handler))
            .ThenRefused("return.wrong-department");

        Assert.Equal($"Incident {Number} is assigned to {UrbanManagement}, not {Water}.", refusal.Message);
    }

    // ---- resolve ----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void A_resolution_is_described(string resolution) =>
        Given(HistoryIn(IncidentState.Acknowledged))
            .When(new ResolveIncident(UrbanManagement, resolution, Handler))
            .ThenRefused("resolve.no-resolution");

    [Fact]
    public void Only_the_handling_department_resolves()
    {
        var refusal = Given(HistoryIn(IncidentState.Acknowledged))
            .When(new ResolveIncident(Water, "已处理", Handler))
            .ThenRefused("resolve.wrong-department");

        Assert.Equal($"Incident {Number} is assigned to {UrbanManagement}, not {Water}.", refusal.Message);
    }

    [Fact]
    public void An_incident_is_resolved_once() =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new ResolveIncident(UrbanManagement, "再次处理", Handler))
            .ThenRefused("resolve.already");

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    public void An_incident_is_acknowledged_before_it_is_resolved(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new ResolveIncident(UrbanManagement, "井盖已更换", Handler))
            .ThenRefused("resolve.not-acknowledged");

        Assert.EndsWith($"it is {state}.", refusal.Message);
    }

    // ---- callback ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(-1)]
    [InlineData(100)]
    public void Satisfaction_is_a_score_from_1_to_5(int satisfaction)
    {
        // The template names the score, not the incident.
        var refusal = Given(HistoryIn(IncidentState.Resolved))
            .When(new RecordCallback(satisfaction, null, Dispatcher))
            .ThenRefused("callback.satisfaction", namesIncident: false);

        Assert.Equal($"Satisfaction is a score from 1 to 5, not {satisfaction}.", refusal.Message);
    }

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void The_citizen_is_called_back_only_after_resolution(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new RecordCallback(5, null, Dispatcher))
            .ThenRefused("callback.not-resolved");

        Assert.EndsWith($"it is {state}.", refusal.Message);
    }

    // ---- close ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void Only_a_resolved_incident_is_closed(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new CloseIncident(Dispatcher))
            .ThenRefused("close.not-resolved");

        Assert.EndsWith($"it is {state}.", refusal.Message);
    }

    [Fact]
    public void An_unresolved_incident_is_not_closed_even_when_the_caller_left_no_phone() =>
        Given(HistoryIn(IncidentState.Acknowledged, phone: null))
            .When(new CloseIncident(Dispatcher))
            .ThenRefused("close.not-resolved");

    [Fact]
    public void A_caller_who_left_a_phone_is_called_back_before_the_incident_closes() =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new CloseIncident(Dispatcher))
            .ThenRefused("close.no-callback");

    [Fact]
    public void A_callback_from_before_a_reopen_does_not_count() =>
        Given(Reported(), Accepted(), Assigned(), Acknowledged(), Resolved(), CallbackRecorded(), Reopened(),
                Assigned(), Acknowledged(), Resolved())
            .When(new CloseIncident(Dispatcher))
            .ThenRefused("close.no-callback");

    // ---- reopen -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(IncidentState.Resolved, "")]
    [InlineData(IncidentState.Closed, "  ")]
    public void A_reopen_says_why(IncidentState state, string reason) =>
        Given(HistoryIn(state))
            .When(new ReopenIncident(reason, Dispatcher))
            .ThenRefused("reopen.no-reason");

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    public void Only_a_resolved_or_closed_incident_is_reopened(IncidentState state)
    {
        var refusal = Given(HistoryIn(state))
            .When(new ReopenIncident("井盖又丢了", Dispatcher))
            .ThenRefused("reopen.not-finished");

        Assert.EndsWith($"{Number} is {state}.", refusal.Message);
    }

    // ---- cancel -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(CancelReason.Duplicate)]
    [InlineData(CancelReason.Invalid)]
    public void A_resolved_incident_is_closed_not_cancelled(CancelReason reason) =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new CancelIncident(reason, "20261123-0041", Dispatcher))
            .ThenRefused("cancel.resolved");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void A_duplicate_names_the_incident_it_duplicates(string? note) =>
        Given(HistoryIn(IncidentState.Accepted))
            .When(new CancelIncident(CancelReason.Duplicate, note, Dispatcher))
            .ThenRefused("cancel.duplicate-of");
}
