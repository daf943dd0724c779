using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Operations;

namespace Dispatch.Domain.Tests.Operations;

public class OperationRulesTests
{
    static readonly DateTimeOffset T0 = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);
    static readonly GeoPoint[] Route = [new(31.22, 121.46), new(31.22, 121.48), new(31.24, 121.48), new(31.24, 121.46)];

    static Operation Marathon(OperationRouting? routing = null, string desk = "demo/dh") =>
        Operation.Evolve(null, new OperationDeclared(Guid.NewGuid(), "Marathon", new OperationArea(Route), T0, T0.AddHours(6), desk,
            routing ?? new OperationRouting([new OperationRule("public-security", CommandLevel.City, "public-security")], CommandLevel.District),
            new OperationDeadlines(TimeSpan.FromMinutes(5)), [], "leader", T0.AddDays(-1)))!;

    static readonly Place InDh = new("demo/dh/dh-01/dh-01-02", "dh", "dh-01", "dh-01-02");

    [Fact]
    public void Given_a_route_polygon_when_points_are_asked_then_inside_and_outside_are_told_apart()
    {
        Assert.True(OperationArea.Inside(Route, new GeoPoint(31.23, 121.47)));
        Assert.False(OperationArea.Inside(Route, new GeoPoint(31.25, 121.47)));
        Assert.False(OperationArea.Inside(Route, new GeoPoint(31.23, 121.49)));
    }

    [Fact]
    public void Given_jurisdictions_as_the_area_when_a_place_is_asked_then_everything_beneath_them_is_inside()
    {
        var area = new OperationArea(Jurisdictions: ["demo/dh/dh-01"]);
        Assert.True(area.Contains(null, "demo/dh/dh-01/dh-01-02"));
        Assert.False(area.Contains(null, "demo/dh/dh-02"));
    }

    [Fact]
    public void Given_an_operation_when_matters_are_routed_then_its_overrides_win_and_nothing_lands_below_its_desk()
    {
        var op = Marathon();
        var ordinary = new Route(CommandLevel.Town, "urban-management", "everyday");

        Assert.Equal(new Route(CommandLevel.District, "urban-management", "operation:Marathon"), op.Route(ordinary, "road-damage"));
        Assert.Equal(new Route(CommandLevel.City, "public-security", "operation:Marathon/public-security"), op.Route(ordinary, "public-security"));
        Assert.Equal(new Deadlines(TimeSpan.FromMinutes(5), TimeSpan.FromHours(8)), op.Tag(new Deadlines(TimeSpan.FromMinutes(30), TimeSpan.FromHours(8))).Deadlines);
    }

    [Fact]
    public void Given_a_window_when_time_passes_or_it_is_ended_by_hand_then_it_is_in_force_only_inside_it()
    {
        var op = Marathon();
        Assert.False(op.InForceAt(T0.AddMinutes(-1)));
        Assert.True(op.InForceAt(T0));
        Assert.False(op.InForceAt(T0.AddHours(6)));

        var ended = Operation.Evolve(op, new OperationEnded(op.Id, "rain", "leader", T0.AddHours(2)))!;
        Assert.True(ended.InForceAt(T0.AddHours(2).AddTicks(-1)));
        Assert.False(ended.InForceAt(T0.AddHours(2)));
        Assert.Equal("operation.ended", OperationDecider.End(ended, new EndOperation("again", "leader"), T0.AddHours(3)).Refusal!.Code);
        Assert.Equal("operation.over", OperationDecider.End(op, new EndOperation("late", "leader"), T0.AddHours(7)).Refusal!.Code);
    }

    [Fact]
    public void Given_a_report_inside_the_area_but_outside_the_desks_jurisdiction_then_the_operation_does_not_take_it()
    {
        var op = Marathon(desk: "demo/xs");
        Assert.False(op.Covers(new GeoPoint(31.23, 121.47), InDh));
        Assert.True(Marathon().Covers(new GeoPoint(31.23, 121.47), InDh));
        Assert.Null(Operation.For([op], new GeoPoint(31.23, 121.47), InDh, T0.AddHours(1)));
    }

    [Fact]
    public void Given_two_operations_over_a_report_then_the_narrower_desk_takes_it()
    {
        var city = Marathon(desk: "demo");
        var district = Marathon();
        Assert.Equal(district.Id, Operation.For([city, district], new GeoPoint(31.23, 121.47), InDh, T0.AddHours(1))!.Id);
    }

    [Fact]
    public void Given_a_bad_declaration_then_each_fault_names_its_field()
    {
        var c = new DeclareOperation(Guid.NewGuid(), "", new OperationArea([new(31.2, 121.4), new(31.3, 121.4)]), T0, T0.AddHours(-1), null,
            new OperationRouting([new OperationRule("", null, null)]), new OperationDeadlines(TimeSpan.Zero), [new Preposition(Guid.Empty, "", new GeoPoint(99, 0))], "x");

        var fields = OperationDecider.Validate(c, T0.AddDays(-1)).Select(e => e.Field).ToHashSet();

        Assert.Superset(new HashSet<string> { "name", "area.polygon", "until", "desk", "routing.rules[0].category", "deadlines.acknowledgeMinutes", "units[0].unit", "units[0]" }, fields);
    }

    [Fact]
    public void Given_roles_when_declaring_then_leaders_over_the_desk_and_city_dispatchers_may_and_town_dispatchers_may_not()
    {
        Actor With(Role role, string scope) => new("u", "U", [new Grant(role, scope)]);
        Assert.True(OperationAccess.MayDeclare(With(Role.Leader, "demo/dh"), "demo/dh"));
        Assert.True(OperationAccess.MayDeclare(With(Role.Dispatcher, "demo"), "demo/dh"));
        Assert.False(OperationAccess.MayDeclare(With(Role.Dispatcher, "demo/dh"), "demo/dh"));
        Assert.False(OperationAccess.MayDeclare(With(Role.Leader, "demo/xs"), "demo/dh"));
        Assert.False(OperationAccess.MayDeclare(With(Role.Leader, "demo/dh/dh-01"), "demo/dh"));
    }
}
