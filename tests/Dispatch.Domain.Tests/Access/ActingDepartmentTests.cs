using Dispatch.Domain.Access;

namespace Dispatch.Domain.Tests.Access;

/// <summary>
/// The department a person's department work is done in the name of (AccessRules.ActingDepartment). The drawer and chat
/// each had their own answer; they disagreed for a person whose departments lie in different places.
/// </summary>
public class ActingDepartmentTests
{
    const string Town = "demo/dh/dh-01", OtherTown = "demo/dh/dh-02", Cell = "demo/dh/dh-01/dh-01-03";

    static Actor Holding(params Grant[] grants) => new("someone", "Someone", grants);

    [Fact]
    public void Given_departments_in_two_towns_when_the_incident_lies_in_one_then_the_department_held_there_acts()
    {
        // Given a handler for water in a neighbouring town and for fire here
        var person = Holding(new Grant(Role.Handler, OtherTown, "water"), new Grant(Role.Handler, Town, "fire"));
        // When an incident here is led by water with fire assisting
        var incident = new IncidentScope(Cell, "water", Assisting: ["fire"]);
        var department = AccessRules.ActingDepartment(person, incident);
        // Then they act for fire (chat used to say water, a department they cannot work for here)
        Assert.Equal("fire", department);
        Assert.True(AccessRules.Allows(person, IncidentAction.Progress, incident, department));
        Assert.False(AccessRules.Allows(person, IncidentAction.Progress, incident, "water"));
    }

    [Fact]
    public void Given_a_handler_of_the_lead_when_it_also_assists_elsewhere_then_the_lead_acts()
    {
        var person = Holding(new Grant(Role.Handler, Town, "water"), new Grant(Role.Handler, Town, "fire"));

        var department = AccessRules.ActingDepartment(person, new IncidentScope(Cell, "water", Assisting: ["fire"]));

        Assert.Equal("water", department);
    }

    [Fact]
    public void Given_a_unit_sent_to_a_neighbouring_town_when_it_acts_there_then_it_acts_for_its_own_department()
    {
        // Given a unit of water at home in the neighbouring town
        var unit = Holding(new Grant(Role.FieldUnit, OtherTown, "water"));
        // When it works an incident here that fire leads and water assists
        var department = AccessRules.ActingDepartment(unit, new IncidentScope(Cell, "fire", Assisting: ["water"]));
        // Then its work is in water's name (crew access then decides), not the lead's
        Assert.Equal("water", department);
    }

    [Fact]
    public void Given_no_department_when_asked_then_there_is_none()
    {
        var dispatcher = Holding(new Grant(Role.Dispatcher, Town));

        Assert.Null(AccessRules.ActingDepartment(dispatcher, new IncidentScope(Cell, "water")));
    }

    [Fact]
    public void Given_several_departments_none_on_it_when_asked_then_there_is_none()
    {
        var person = Holding(new Grant(Role.Handler, Town, "gas"), new Grant(Role.Handler, Town, "power"));

        Assert.Null(AccessRules.ActingDepartment(person, new IncidentScope(Cell, "water")));
    }
}
