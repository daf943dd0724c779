using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Who may do what where. The incident lies in grid cell dh-01-03 of town dh-01 in district dh, led by the water
/// department; each role is tried at every level of the tree, inside and outside the incident's line.
/// </summary>
public class AccessRulesTests
{
    const string City = "demo", District = "demo/dh", Town = "demo/dh/dh-01", Cell = "demo/dh/dh-01/dh-01-03";
    const string OtherTown = "demo/dh/dh-02", OtherDistrict = "demo/xs", OtherDistrictTown = "demo/xs/xs-01";

    static readonly IncidentScope InCell = new(Cell, LeadDepartment: "water");

    static Actor As(Role role, string scope, string? department = null) =>
        new("someone", "Someone", [new Grant(role, scope, department)]);

    public static TheoryData<Role, string, string?, bool> ReadMatrix => new()
    {
        // Command centres and the hotline: their scope and everything beneath it.
        { Role.Dispatcher, City, null, true }, { Role.Dispatcher, District, null, true }, { Role.Dispatcher, Town, null, true },
        { Role.Dispatcher, OtherTown, null, false }, { Role.Dispatcher, OtherDistrict, null, false }, { Role.Dispatcher, OtherDistrictTown, null, false },
        { Role.CallTaker, City, null, true }, { Role.CallTaker, Town, null, true }, { Role.CallTaker, OtherTown, null, false },
        { Role.Leader, City, null, true }, { Role.Leader, District, null, true }, { Role.Leader, OtherDistrict, null, false },
        // Departments: in scope and only while they lead it.
        { Role.Handler, District, "water", true }, { Role.Handler, Town, "water", true }, { Role.Handler, City, "fire", false },
        { Role.Handler, OtherTown, "water", false },
        { Role.FieldUnit, Cell, "water", true }, { Role.FieldUnit, Town, "fire", false }, { Role.FieldUnit, OtherDistrict, "water", false },
        // Admins keep users, not incidents.
        { Role.Admin, City, null, false },
    };

    [Theory, MemberData(nameof(ReadMatrix))]
    public void Reading_an_incident_needs_a_role_that_reads_in_a_scope_that_covers_it(Role role, string scope, string? department, bool allowed) =>
        Assert.Equal(allowed, AccessRules.Allows(As(role, scope, department), IncidentAction.Read, InCell));

    [Theory]
    [InlineData(Role.Dispatcher, IncidentAction.Assign, true)]
    [InlineData(Role.Dispatcher, IncidentAction.Close, true)]
    [InlineData(Role.Dispatcher, IncidentAction.Acknowledge, false)]
    [InlineData(Role.CallTaker, IncidentAction.Report, true)]
    [InlineData(Role.CallTaker, IncidentAction.Callback, true)]
    [InlineData(Role.CallTaker, IncidentAction.Assign, false)]
    [InlineData(Role.Leader, IncidentAction.Assign, false)]
    [InlineData(Role.Leader, IncidentAction.Close, false)]
    [InlineData(Role.Admin, IncidentAction.Report, false)]
    [InlineData(Role.CallTaker, IncidentAction.Merge, true)]
    [InlineData(Role.CallTaker, IncidentAction.Unmerge, true)]
    [InlineData(Role.Dispatcher, IncidentAction.Merge, true)]
    [InlineData(Role.Dispatcher, IncidentAction.Unmerge, true)]
    [InlineData(Role.Handler, IncidentAction.Merge, false)]
    [InlineData(Role.Leader, IncidentAction.Merge, false)]
    public void Each_role_takes_only_its_own_actions(Role role, IncidentAction action, bool allowed) =>
        Assert.Equal(allowed, AccessRules.Allows(As(role, City), action, InCell));

    [Fact]
    public void A_handler_works_only_in_its_own_departments_name_and_sees_only_what_it_leads()
    {
        var water = As(Role.Handler, Town, "water");

        Assert.True(AccessRules.Allows(water, IncidentAction.Acknowledge, InCell, department: "water"));
        Assert.False(AccessRules.Allows(water, IncidentAction.Acknowledge, InCell, department: "fire"));
        Assert.False(AccessRules.Allows(water, IncidentAction.Read, InCell with { LeadDepartment = null }));
        Assert.False(AccessRules.Allows(water, IncidentAction.Read, InCell with { LeadDepartment = "fire" }));
    }

    [Fact]
    public void Moving_an_incident_needs_the_right_at_its_destination_too()
    {
        var townDispatcher = As(Role.Dispatcher, Town);
        var districtDispatcher = As(Role.Dispatcher, District);
        var toOtherTown = new PlaceIncident(new Place(OtherTown, "dh", "dh-02", null), "someone");
        var withinTown = new PlaceIncident(new Place(Cell, "dh", "dh-01", "dh-01-03"), "someone");
        var unplaced = new IncidentScope(Town, null);

        Assert.False(AccessRules.Allows(townDispatcher, toOtherTown, unplaced));
        Assert.True(AccessRules.Allows(townDispatcher, withinTown, unplaced));
        Assert.True(AccessRules.Allows(districtDispatcher, toOtherTown, unplaced));
        Assert.False(AccessRules.Allows(townDispatcher,
            new LocateIncident(new GeoPoint(31.2, 121.4), null, "someone", new Place(OtherDistrictTown, "xs", "xs-01", null)), InCell));
    }

    [Fact]
    public void An_incident_not_yet_placed_belongs_to_the_centre_that_received_it_or_the_city()
    {
        var receivedByTown = new IncidentScope(Town, null);
        var nowhere = new IncidentScope("", null);

        Assert.True(AccessRules.Allows(As(Role.Dispatcher, Town), IncidentAction.Read, receivedByTown));
        Assert.False(AccessRules.Allows(As(Role.Dispatcher, Town), IncidentAction.Read, nowhere));
        Assert.False(AccessRules.Allows(As(Role.Dispatcher, District), IncidentAction.Read, nowhere));
        Assert.True(AccessRules.Allows(As(Role.Dispatcher, City), IncidentAction.Read, nowhere));
    }

    [Fact]
    public void A_scope_is_a_whole_path_segment_not_a_text_prefix()
    {
        Assert.False(AccessRules.Covers("demo/dh/dh-0", "demo/dh/dh-01"));
        Assert.True(AccessRules.Covers("demo/dh", "demo/dh"));
        Assert.True(AccessRules.Covers("demo", "demo/dh/dh-01/dh-01-03"));
    }

    [Theory]
    [InlineData(Role.CallTaker, City, true)]
    [InlineData(Role.CallTaker, OtherTown, false)]
    [InlineData(Role.Dispatcher, Town, true)]      // the centre handling it
    [InlineData(Role.Dispatcher, District, false)] // above it: masked, may reveal with a reason
    [InlineData(Role.Dispatcher, City, false)]
    [InlineData(Role.Dispatcher, OtherTown, false)]
    [InlineData(Role.Leader, City, false)]
    [InlineData(Role.Handler, Town, false)]
    public void Caller_details_are_plain_only_for_call_takers_and_the_handling_centre(Role role, string scope, bool sees) =>
        Assert.Equal(sees, AccessRules.SeesCaller(As(role, scope, role == Role.Handler ? "water" : null), InCell));

    [Fact]
    public void The_handling_centre_is_the_town_of_a_grid_cell_or_the_node_itself_above_that()
    {
        Assert.Equal(Town, InCell.Centre);
        Assert.Equal(District, new IncidentScope(District, null).Centre);
        Assert.Equal(City, new IncidentScope(City, null).Centre);
    }

    [Fact]
    public void A_report_that_cannot_be_placed_lands_at_the_reporters_widest_centre()
    {
        var both = new Actor("x", "X", [new Grant(Role.Dispatcher, Town), new Grant(Role.CallTaker, District), new Grant(Role.Leader, City)]);

        Assert.Equal(District, AccessRules.ReceivingCentre(both));
        Assert.Null(AccessRules.ReceivingCentre(As(Role.Leader, City)));
    }
}
