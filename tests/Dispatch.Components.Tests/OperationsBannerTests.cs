using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Operations;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Operations;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Operations;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>The situation screen's operations band: an operation declared elsewhere appears live, and its incidents are counted as they come.</summary>
public sealed class OperationsBannerTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    [Fact]
    public async Task Given_a_leaders_screen_when_an_operation_is_declared_and_a_report_falls_inside_it_then_the_band_shows_it_and_counts_the_incident()
    {
        var (lat, lon) = (31.2304, 121.4737);
        var district = string.Join('/', App.Services.GetRequiredService<JurisdictionTree>().PlaceOf(new GeoPoint(lat, lon))!.Path.Split('/')[..2]);
        var leader = new Actor("banner-leader", "Leader", [new Grant(Role.Leader, district)]);
        SignIn(leader);
        var cut = Ctx.Render<OperationsBanner>();
        Assert.Empty(cut.FindAll("[data-testid=operation]"));

        var now = App.Services.GetRequiredService<TimeProvider>().GetUtcNow();
        var name = "马拉松-" + Guid.NewGuid().ToString("N")[..6];
        var declared = await App.Services.GetRequiredService<OperationService>().Declare(leader, new DeclareOperation(Guid.NewGuid(), name,
            new OperationArea([new(lat - 0.002, lon - 0.002), new(lat - 0.002, lon + 0.002), new(lat + 0.002, lon + 0.002), new(lat + 0.002, lon - 0.002)]),
            now.AddMinutes(-1), now.AddHours(5), district, null, null, null, leader.Login), Via.Console);
        Assert.IsType<OperationOutcome.Done>(declared);

        cut.WaitForAssertion(() => Assert.Contains(name, cut.Find("[data-testid=operation][data-state=active]").TextContent), Waits.Push);
        await App.Report(Calls.Form() with { Lat = lat, Lon = lon });
        cut.WaitForAssertion(() => Assert.Contains("1 open", cut.Find("[data-testid=operation-count]").TextContent), Waits.Push);
    }
}
