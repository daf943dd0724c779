using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Placement in the jurisdiction tree is an event: automatic at intake when the coordinates lie in the city,
/// flagged for a dispatcher otherwise, by hand when a dispatcher chooses the node.
/// </summary>
public class PlacementTests
{
    static readonly Place Cell = new("demo/dh/dh-01/dh-01-03", "dh", "dh-01", "dh-01-03");
    static readonly Place Town = new("demo/xs/xs-02", "xs", "xs-02", null);

    static ReportIncident Report(GeoPoint? location, Place? place) =>
        new(Id, Number, Channel.Hotline, new Caller("张伟", Phone), location, Address, "roads.manhole",
            "井盖缺失", Urgency.High, CallTaker, place);

    [Fact]
    public void An_intake_whose_point_lies_in_the_city_is_reported_then_placed()
    {
        var events = IncidentDecider.Intake(Report(Spot, Cell), Now);

        Assert.Equal(2, events.Count);
        Assert.IsType<IncidentReported>(events[0]);
        Assert.Equal(new IncidentPlaced(Id, Cell, Manual: false, CallTaker, Now), events[1]);
    }

    [Fact]
    public void An_intake_whose_point_lies_outside_the_city_is_flagged_for_a_dispatcher() =>
        Assert.Equal(new IncidentPlacementFlagged(Id, PlacementProblem.OutsideCity, CallTaker, Now),
            IncidentDecider.Intake(Report(new GeoPoint(39.9, 116.4), null), Now)[1]);

    [Fact]
    public void An_address_only_intake_is_flagged_for_the_dispatcher_to_place() =>
        Assert.Equal(new IncidentPlacementFlagged(Id, PlacementProblem.AddressOnly, CallTaker, Now),
            IncidentDecider.Intake(Report(null, null), Now)[1]);

    [Fact]
    public void The_place_is_part_of_the_state() =>
        Assert.Equal(Cell, Given(Reported(), new IncidentPlaced(Id, Cell, false, CallTaker, Earlier)).State!.Place);

    [Fact]
    public void A_dispatcher_places_an_unplaced_incident_by_hand() =>
        Given(Reported(), new IncidentPlacementFlagged(Id, PlacementProblem.AddressOnly, CallTaker, Earlier))
            .When(new PlaceIncident(Town, Dispatcher))
            .Then(new IncidentPlaced(Id, Town, Manual: true, Dispatcher, Now));

    [Fact]
    public void A_dispatcher_can_correct_an_automatic_placement() =>
        Given(Reported(), new IncidentPlaced(Id, Cell, false, CallTaker, Earlier))
            .When(new PlaceIncident(Town, Dispatcher))
            .Then(new IncidentPlaced(Id, Town, Manual: true, Dispatcher, Now));

    [Fact]
    public void Placing_an_incident_where_it_already_is_is_refused() =>
        Given(Reported(), new IncidentPlaced(Id, Cell, false, CallTaker, Earlier))
            .When(new PlaceIncident(Cell, Dispatcher))
            .ThenRefused("place.same");

    [Fact]
    public void A_closed_incident_cannot_be_placed() =>
        Given(HistoryIn(IncidentState.Closed))
            .When(new PlaceIncident(Town, Dispatcher))
            .ThenRefused("incident.closed");
}
