using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Demo;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Demo;

/// <summary>The demo's one registered unit with its own sign-in, seeded through the units' command path.</summary>
public class DemoUnitTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    DemoUnitSeed Seed() => ActivatorUtilities.CreateInstance<DemoUnitSeed>(app.Services);

    async Task<UnitRosterEntry?> Unit()
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        // At its latest position: positions are telemetry (issue 15), overlaid on the roster line.
        return await query.Query<UnitRosterEntry>().SingleOrDefaultAsync(u => u.Login == DemoUnitSeed.Login) is { } line
            ? app.Services.GetRequiredService<Dispatch.Server.Units.Positions.UnitPositions>().Overlay(line)
            : null;
    }

    async Task<IReadOnlyList<string>> Events()
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Events.FetchStreamAsync(DemoUnitSeed.Id)).Select(e => e.Data.GetType().Name).ToList();
    }

    [Fact]
    public async Task The_demo_unit_is_registered_on_duty_in_its_town_with_its_own_sign_in_and_a_restart_leaves_it_as_its_crew_keeps_it()
    {
        var tree = app.Services.GetRequiredService<JurisdictionTree>();
        var town = tree.Find(DemoUnitSeed.Town)!;
        // A database from an older demo: dh-04.unit was a plain user made by the demo seed.
        await app.Services.GetRequiredService<Users>().Ensure(DemoUnitSeed.Login, "东湖镇城管队员", DemoUsersSeed.DefaultPassword,
            [new Grant(Role.FieldUnit, town.Path, DemoUsersSeed.Department)]);

        await Seed().StartAsync(CancellationToken.None);

        var unit = await Unit();
        Assert.NotNull(unit);
        Assert.Equal(DemoUnitSeed.Id, unit.Id);
        Assert.Equal("东湖-城管-01", unit.CallSign);
        Assert.Equal("urban-management", unit.Department);
        Assert.Equal(town.Path, unit.HomePath);
        Assert.Equal(UnitStatus.Available, unit.Status);
        Assert.Equal(DemoUnitSeed.Town, tree.Place(unit.Lat!.Value, unit.Lon!.Value).Town?.Code);
        // Events, not a document written by hand: registered, on duty; its position is telemetry (issue 15), not an event.
        Assert.Equal(["UnitRegistered", "UnitWentOnDuty"], await Events());
        // The unit's own account, with the demo password, replaced the plain user.
        var account = await app.Services.GetRequiredService<Users>().Find(DemoUnitSeed.Login);
        Assert.Equal("东湖-城管-01", account!.Name);
        Assert.Equal([new Grant(Role.FieldUnit, town.Path, "urban-management")], account.Grants);
        using (var http = app.Anonymous())
        using (var signIn = await http.PostAsJsonAsync("/api/session", new { login = DemoUnitSeed.Login, password = DemoUsersSeed.DefaultPassword }))
            Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);

        // The crew went off duty; the next start leaves it so, and registers nothing again.
        var crew = account.ToActor();
        Assert.IsType<UnitOutcome.Done>(await app.Services.GetRequiredService<UnitService>().Handle(crew, DemoUnitSeed.Id, new GoOffDuty("")));
        await Seed().StartAsync(CancellationToken.None);

        Assert.Equal(UnitStatus.OffDuty, (await Unit())!.Status);
        Assert.Equal(["UnitRegistered", "UnitWentOnDuty", "UnitWentOffDuty"], await Events());
    }
}
