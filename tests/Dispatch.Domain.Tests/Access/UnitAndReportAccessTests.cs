using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Tests.Access;

/// <summary>The rules that lived in the services: who commands, sends and sees units; who reads the audit trail and the KPIs.</summary>
public class UnitAndReportAccessTests
{
    const string City = "demo", District = "demo/dh", Town = "demo/dh/dh-01", OtherTown = "demo/dh/dh-02", Cell = "demo/dh/dh-01/dh-01-03";

    static Actor As(Role role, string scope, string? department = null, string login = "someone") =>
        new(login, "Someone", [new Grant(role, scope, department)]);

    static Unit UnitAt(string home, string? login = "unit-01") => new(Guid.NewGuid(), "城管-01", "urban-management", home, [], [], Login: login);

    [Fact]
    public void Given_a_town_dispatcher_when_commanding_units_then_only_those_at_home_in_its_town()
    {
        var dispatcher = As(Role.Dispatcher, Town);

        Assert.True(AccessRules.MayCommandUnits(dispatcher, Cell));
        Assert.False(AccessRules.MayCommandUnits(dispatcher, OtherTown));
        Assert.False(AccessRules.MayCommandUnits(As(Role.Leader, City), Town));
    }

    [Fact]
    public void Given_a_units_own_sign_in_when_it_moves_itself_then_it_may_but_it_never_dispatches_itself()
    {
        // Given the unit's device, signed in as the unit
        var unit = UnitAt(Town);
        var device = As(Role.FieldUnit, Town, "urban-management", login: "unit-01");
        // When / Then: statuses yes, dispatch no
        Assert.True(AccessRules.IsUnit(device, unit.Login));
        Assert.True(AccessRules.MayCommand(device, unit, new GoOnDuty("")));
        Assert.False(AccessRules.MayCommand(device, unit, new DispatchUnit(Guid.NewGuid(), "20261123-0001", "")));
        Assert.False(AccessRules.IsUnit(device, null));
    }

    [Fact]
    public void Given_a_dispatcher_over_the_units_home_when_sending_it_then_it_must_also_dispatch_the_incident()
    {
        var town = As(Role.Dispatcher, Town);
        var districtIncident = new IncidentScope(Cell, null, Dispatch.Domain.Command.CommandLevel.District);

        Assert.True(AccessRules.MaySend(town, Town, new IncidentScope(Cell, null)));
        Assert.False(AccessRules.MaySend(town, Town, districtIncident));
        Assert.True(AccessRules.MaySend(As(Role.Dispatcher, District), Town, districtIncident));
        Assert.False(AccessRules.MaySend(town, OtherTown, new IncidentScope(Cell, null)));
    }

    [Theory]
    [InlineData(Role.Dispatcher, Town, null, true)]
    [InlineData(Role.CallTaker, City, null, true)]
    [InlineData(Role.Leader, OtherTown, null, false)]
    [InlineData(Role.Handler, Town, "urban-management", true)]
    [InlineData(Role.Handler, Town, "water", false)]
    [InlineData(Role.FieldUnit, District, "urban-management", true)]
    [InlineData(Role.Admin, City, null, false)]
    public void Given_a_role_when_reading_a_unit_then_its_scope_and_department_decide(Role role, string scope, string? department, bool allowed) =>
        Assert.Equal(allowed, AccessRules.MayRead(As(role, scope, department), new UnitScope("unit-01", "urban-management", Cell)));

    [Fact]
    public void Given_the_units_own_sign_in_when_reading_itself_then_it_may_whatever_its_grants()
    {
        Assert.True(AccessRules.MayRead(new Actor("unit-01", "Unit", []), new UnitScope("unit-01", "urban-management", Cell)));
    }

    [Theory]
    [InlineData(Role.Leader, true)]
    [InlineData(Role.Admin, true)]
    [InlineData(Role.Dispatcher, false)]
    [InlineData(Role.CallTaker, false)]
    [InlineData(Role.Handler, false)]
    public void Given_a_role_when_opening_the_audit_trail_or_the_kpis_then_leaders_and_admins_only(Role role, bool allowed)
    {
        var actor = As(role, Town, Grant.NeedsDepartment(role) ? "water" : null);

        Assert.Equal(allowed, AccessRules.MayReadAudit(actor));
        Assert.Equal(allowed, AccessRules.MayReadKpis(actor));
    }

    [Theory]
    [InlineData(IncidentState.Reported, false)]
    [InlineData(IncidentState.Accepted, false)]
    [InlineData(IncidentState.Assigned, false)]
    [InlineData(IncidentState.Acknowledged, false)]
    [InlineData(IncidentState.Resolved, true)]
    [InlineData(IncidentState.Closed, true)]
    [InlineData(IncidentState.Cancelled, true)]
    [InlineData(IncidentState.Merged, true)]
    public void Given_a_state_when_asked_whether_the_work_is_over_then_resolved_closed_cancelled_and_merged_are(IncidentState state, bool finished) =>
        Assert.Equal(finished, state.IsFinished());
}
