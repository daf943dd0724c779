using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>What <see cref="Incident.Evolve"/> folds a stream into.</summary>
public class IncidentStateTests
{
    [Fact]
    public void A_report_starts_the_incident_in_the_dispatcher_queue() =>
        Assert.Equal(
            new Incident(Id, Number, IncidentState.Reported, "roads.manhole", Urgency.High, CallerHasPhone: true),
            Given(Reported()).State);

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("  ", false)]
    [InlineData(Phone, true)]
    [InlineData("010-62345678", true)]
    public void The_incident_knows_whether_the_caller_left_a_phone(string? phone, bool hasPhone) =>
        Assert.Equal(hasPhone, Given(Reported(phone)).State.CallerHasPhone);

    [Fact]
    public void A_long_history_folds_to_the_incident_now()
    {
        var incident = Given(
            Reported(), Located(), Accepted(),
            Assigned(Water), Assigned(UrbanManagement),        // corrected before acknowledgement
            Acknowledged(), Returned(),                        // returned once
            Assigned(Water), Returned(Water),                  // returned twice
            Assigned(), Acknowledged(), ProgressNoted(), Resolved(), CallbackRecorded(), Closed(),
            Reopened(),                                        // reopened once
            Assigned(), Acknowledged(), Resolved(),
            Reopened(),                                        // reopened twice
            Assigned(Water), Acknowledged(Water), ProgressNoted(Water), Resolved(Water)).State;

        Assert.Equal(IncidentState.Resolved, incident.State);
        Assert.Equal(Water, incident.LeadDepartment);
        Assert.Equal(2, incident.TimesReturned);
        Assert.Equal(2, incident.TimesReopened);
        Assert.False(incident.CallbackRecorded); // the callback before the reopens no longer counts
        Assert.True(incident.IsOpen);
    }

    [Fact]
    public void A_callback_after_the_last_resolution_is_recorded_and_the_incident_closes()
    {
        var incident = Given(
            Reported(), Accepted(), Assigned(), Acknowledged(), Resolved(), Reopened(),
            Assigned(), Acknowledged(), Resolved(), CallbackRecorded(), Closed()).State;

        Assert.Equal(
            new Incident(Id, Number, IncidentState.Closed, "roads.manhole", Urgency.High, CallerHasPhone: true,
                LeadDepartment: UrbanManagement, CallbackRecorded: true, TimesReturned: 0, TimesReopened: 1)
                { AcknowledgedBy = Departments.Of([UrbanManagement]) },
            incident);
        Assert.False(incident.IsOpen);
    }

    [Theory]
    [InlineData(IncidentState.Reported, null)]
    [InlineData(IncidentState.Accepted, null)]
    [InlineData(IncidentState.Assigned, UrbanManagement)]
    [InlineData(IncidentState.Acknowledged, UrbanManagement)]
    [InlineData(IncidentState.Resolved, UrbanManagement)]
    [InlineData(IncidentState.Closed, UrbanManagement)]
    public void Each_history_of_the_spec_reaches_its_state(IncidentState state, string? lead)
    {
        var incident = Given(HistoryIn(state)).State;

        Assert.Equal(state, incident.State);
        Assert.Equal(lead, incident.LeadDepartment);
        Assert.Equal(state != IncidentState.Closed, incident.IsOpen);
    }

    [Fact]
    public void A_cancelled_incident_is_no_longer_open()
    {
        var incident = Given(HistoryIn(IncidentState.Cancelled)).State;

        Assert.Equal(IncidentState.Cancelled, incident.State);
        Assert.False(incident.IsOpen);
    }

    [Fact]
    public void Progress_notes_and_locations_do_not_change_the_state()
    {
        var before = Given(HistoryIn(IncidentState.Acknowledged)).State;

        Assert.Equal(before, Incident.Evolve(before, ProgressNoted()));
        Assert.Equal(before, Incident.Evolve(before, Located()));
    }

    [Fact]
    public void An_event_before_the_report_is_a_broken_stream()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Incident.Evolve(null, Accepted()));

        Assert.Contains(nameof(IncidentAccepted), error.Message);
    }
}
