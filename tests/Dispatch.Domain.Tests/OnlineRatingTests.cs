using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>The citizen's own rating through Open311's one-time link: the callback, once, also after the closing.</summary>
public class OnlineRatingTests
{
    const string Citizen = "citizen:20261123-0042";

    [Fact]
    public void Given_a_resolved_incident_when_the_citizen_rates_it_then_the_callback_is_recorded() =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new RateOnline(4, " 处理及时 ", Citizen))
            .Then(new CitizenCallbackRecorded(Id, 4, "处理及时", Citizen, Now));

    [Fact]
    public void Given_an_incident_closed_without_a_callback_when_the_citizen_rates_it_then_the_callback_is_recorded() =>
        Given(Reported(phone: null), Accepted(), Assigned(), Acknowledged(), Resolved(), Closed())
            .When(new RateOnline(5, null, Citizen))
            .Then(new CitizenCallbackRecorded(Id, 5, null, Citizen, Now));

    [Fact]
    public void Given_a_callback_already_recorded_when_the_citizen_rates_then_it_is_refused() =>
        Given(HistoryIn(IncidentState.Closed))
            .When(new RateOnline(1, null, Citizen))
            .ThenRefused("rating.already");

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Acknowledged)]
    public void Given_an_unresolved_incident_when_the_citizen_rates_then_it_is_refused(IncidentState state) =>
        Given(HistoryIn(state))
            .When(new RateOnline(5, null, Citizen))
            .ThenRefused("rating.not-resolved");

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    public void Given_a_score_outside_one_to_five_when_the_citizen_rates_then_it_is_refused(int score) =>
        Given(HistoryIn(IncidentState.Resolved))
            .When(new RateOnline(score, null, Citizen))
            .ThenRefused("callback.satisfaction", namesIncident: false);

    [Fact]
    public void Given_a_cancelled_incident_when_the_citizen_rates_then_it_is_refused() =>
        Given(HistoryIn(IncidentState.Accepted).Append(Cancelled()).ToArray())
            .When(new RateOnline(5, null, Citizen))
            .ThenRefused("incident.cancelled");
}
