using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Command;

namespace Dispatch.Domain.Tests.Chat;

/// <summary>Who is in which channel: membership follows role and jurisdiction.</summary>
public class ChannelTests
{
    const string City = "demo", District = "demo/dh", Town = "demo/dh/dh-04", Grid = "demo/dh/dh-04/dh-04-02", OtherTown = "demo/dh/dh-05";

    static Actor As(params Grant[] grants) => new("someone", "Someone", grants);

    static IEnumerable<string> Keys(Actor actor) => Channels.StandingFor(actor).Select(c => c.Key);

    [Fact]
    public void A_town_dispatcher_is_in_its_town_its_district_and_the_city_channel()
    {
        Assert.Equal(["node:demo", "node:demo/dh", "node:demo/dh/dh-04"], Keys(As(new Grant(Role.Dispatcher, Town))));
    }

    [Fact]
    public void A_call_taker_is_also_at_the_hotline_desk()
    {
        Assert.Equal(["node:demo", "hotline:demo"], Keys(As(new Grant(Role.CallTaker, City))));
    }

    [Fact]
    public void A_grid_worker_talks_in_its_towns_department_channel_and_a_handler_up_its_departments_chain()
    {
        Assert.Equal(["dept:demo/dh/dh-04:urban-management"], Keys(As(new Grant(Role.FieldUnit, Grid, "urban-management"))));
        Assert.Equal(["dept:demo:water", "dept:demo/dh:water"], Keys(As(new Grant(Role.Handler, District, "water"))));
    }

    [Fact]
    public void Several_grants_give_each_channel_once()
    {
        var keys = Keys(As(new Grant(Role.Dispatcher, Town), new Grant(Role.Leader, District))).ToList();

        Assert.Equal(keys.Distinct(), keys);
        Assert.Contains("node:demo/dh/dh-04", keys);
    }

    [Fact]
    public void A_neighbouring_town_dispatcher_may_not_read_the_town_channel()
    {
        var neighbour = As(new Grant(Role.Dispatcher, OtherTown));

        Assert.False(Channels.MayRead(neighbour, Channels.Node(Town)));
        Assert.True(Channels.MayRead(neighbour, Channels.Node(District)));
    }

    [Fact]
    public void An_incident_channel_is_for_its_centre_its_departments_and_its_units()
    {
        var incident = new IncidentScope(Grid, "urban-management", CommandLevel.District);
        var units = new[] { "unit-03" };

        Assert.True(Channels.IsIncidentMember(As(new Grant(Role.Dispatcher, District)), incident, units));
        Assert.False(Channels.IsIncidentMember(As(new Grant(Role.Dispatcher, Town)), incident, units)); // reads, does not command
        Assert.True(Channels.MayRead(As(new Grant(Role.Dispatcher, Town)), Channels.Incident(Guid.NewGuid()), incident, units));
        Assert.True(Channels.IsIncidentMember(As(new Grant(Role.Handler, City, "urban-management")), incident, units));
        Assert.False(Channels.IsIncidentMember(As(new Grant(Role.Handler, City, "water")), incident, units));
        Assert.True(Channels.IsIncidentMember(new Actor("unit-03", "东湖-城管-03", []), incident, units));
        Assert.False(Channels.MayRead(As(new Grant(Role.Dispatcher, OtherTown)), Channels.Incident(Guid.NewGuid()), incident, units));
    }

    [Fact]
    public void A_direct_channel_has_the_same_name_from_both_ends_and_only_they_read_it()
    {
        var channel = Channels.Direct("bob", "alice");

        Assert.Equal(channel, Channels.Direct("alice", "bob"));
        Assert.True(Channels.MayRead(new Actor("alice", "A", []), channel));
        Assert.False(Channels.MayRead(new Actor("carol", "C", [new Grant(Role.Dispatcher, City)]), channel));
        Assert.Throws<ArgumentException>(() => Channels.Direct("alice", "alice"));
    }

    [Fact]
    public void Grid_cells_have_no_channel_of_their_own()
    {
        Assert.Throws<ArgumentException>(() => Channels.Node(Grid));
        Assert.Equal(ChannelKind.Town, Channels.Node(Town).Kind);
        Assert.Equal(ChannelKind.City, Channels.Node(City).Kind);
    }
}
