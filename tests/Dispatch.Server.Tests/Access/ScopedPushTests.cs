using Dispatch.Domain.Access;
using Microsoft.AspNetCore.SignalR.Client;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Access;

/// <summary>Board pushes over SignalR reach exactly the consoles whose scope holds the incident.</summary>
public class ScopedPushTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task A_town_board_hears_its_own_towns_incidents_and_not_its_neighbours()
    {
        var scopes = new Scopes(app);
        await using var town = await BoardClient.Connect(app, "push-town", new Grant(Role.Dispatcher, scopes.Town.Path));
        await using var neighbour = await BoardClient.Connect(app, "push-neighbour", new Grant(Role.Dispatcher, scopes.OtherTown.Path));
        await using var district = await BoardClient.Connect(app, "push-district", new Grant(Role.Dispatcher, scopes.District.Path));

        var mine = await app.Client().ReportOk();
        await town.CardAt(mine.Id, mine.Version);
        await district.CardAt(mine.Id, mine.Version);
        var marker = Api.Report();
        marker["lat"] = scopes.OtherTown.Boundary.InteriorPoint.Y;
        marker["lon"] = scopes.OtherTown.Boundary.InteriorPoint.X;
        var theirs = await app.Client().ReportOk(marker);

        await district.CardAt(theirs.Id, theirs.Version);
        // Mine was pushed before theirs was even filed, and one connection's pushes arrive in order: once the
        // neighbour has its own card, mine was never coming.
        await neighbour.CardAt(theirs.Id, theirs.Version);
        Assert.DoesNotContain(neighbour.Received(), c => c.Id == mine.Id);
        Assert.DoesNotContain(town.Received(), c => c.Id == theirs.Id);
        Assert.DoesNotContain(await neighbour.Board(), c => c.Id == mine.Id);
    }

    [Fact]
    public async Task A_board_is_told_when_an_incident_moves_out_of_its_scope()
    {
        var scopes = new Scopes(app);
        await using var town = await BoardClient.Connect(app, "push-town-left", new Grant(Role.Dispatcher, scopes.Town.Path));
        var incident = await app.Client().ReportOk();
        await town.CardAt(incident.Id, incident.Version);

        var moved = await app.Client().CommandOk(incident.Id, "place", new { jurisdiction = scopes.OtherTown.Code });

        await town.WhenLeft(incident.Id);
        Assert.DoesNotContain(town.Received(), c => c.Id == incident.Id && c.Version == moved.Version);
    }

    [Fact]
    public async Task Given_a_board_in_a_town_group_and_a_department_group_when_the_department_returns_the_incident_then_only_the_department_only_board_is_told_it_left()
    {
        var scopes = new Scopes(app);
        await using var both = await BoardClient.Connect(app, "push-both",
            new Grant(Role.Dispatcher, scopes.Town.Path), new Grant(Role.Handler, scopes.Town.Path, Steps.Department));
        await using var handler = await BoardClient.Connect(app, "push-handler-only", new Grant(Role.Handler, scopes.Town.Path, Steps.Department));
        var incident = await app.Client().Assigned(Steps.Department);
        await handler.CardAt(incident.Id, incident.Version);

        var returned = await app.Client().CommandOk(incident.Id, "return", new { department = Steps.Department, reason = "不属本部门职责" });
        await handler.WhenLeft(incident.Id);
        await both.CardAt(incident.Id, returned.Version);
        // One connection's pushes arrive in order: a "left" sent with the return would come before the next change.
        var reassigned = await app.Client().CommandOk(incident.Id, "assign", new { department = "water" });
        await both.CardAt(incident.Id, reassigned.Version);

        Assert.DoesNotContain(incident.Id, both.Left());
        Assert.Contains(both.Held(), c => c.Id == incident.Id);
    }

    [Fact]
    public async Task A_department_board_hears_only_what_its_department_leads()
    {
        var scopes = new Scopes(app);
        await using var urban = await BoardClient.Connect(app, "push-urban", new Grant(Role.Handler, scopes.Town.Path, Steps.Department));
        await using var water = await BoardClient.Connect(app, "push-water", new Grant(Role.Handler, scopes.Town.Path, "water"));

        var forWater = await app.Client().Assigned("water");
        var forUrban = await app.Client().Assigned(Steps.Department);

        await water.CardAt(forWater.Id, forWater.Version);
        await urban.CardAt(forUrban.Id, forUrban.Version);
        Assert.DoesNotContain(urban.Received(), c => c.Id == forWater.Id);
        Assert.DoesNotContain(water.Received(), c => c.Id == forUrban.Id);
    }

    [Fact]
    public async Task A_board_hub_refuses_a_stranger()
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, "/hubs/board")).Build();

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, failure.StatusCode);
    }
}
