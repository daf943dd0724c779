using System.Text.Json.Nodes;
using Dispatch.Domain.Command;
using Dispatch.Domain.Operations;
using Dispatch.Server.Demo;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Operations;

/// <summary>The demo city's marathon: declared by the demo seed through the command path, and routing reports on its route on Sunday morning.</summary>
public sealed class DemoMarathonTests(OperationsApp app) : IClassFixture<OperationsApp>
{
    [Fact]
    public async Task Given_the_demo_seed_when_sunday_morning_comes_then_reports_on_the_route_go_to_the_district_desk_and_people_in_need_to_the_city()
    {
        await ActivatorUtilities.CreateInstance<DemoUnitSeed>(app.Services).StartAsync(CancellationToken.None);
        var seed = ActivatorUtilities.CreateInstance<DemoOperationSeed>(app.Services);
        await seed.StartAsync(CancellationToken.None);
        await seed.StartAsync(CancellationToken.None); // a second start (another node, a restart) declares nothing more

        Operation marathon;
        await using (var query = app.Documents().QuerySession())
        {
            marathon = (await query.LoadAsync<Operation>(DemoOperationSeed.Id))!;
            Assert.Single(await query.Events.FetchStreamAsync(DemoOperationSeed.Id));
        }
        Assert.Equal((DemoOperationSeed.Desk, 2, DayOfWeek.Sunday), (marathon.Desk, marathon.Units.Count, TimeZoneInfo.ConvertTime(marathon.From,
            TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai")).DayOfWeek));
        var start = marathon.Units[0].At;

        app.Manual.Set(marathon.From + TimeSpan.FromHours(1));
        JsonObject At(string category)
        {
            var r = Api.Report(category: category);
            (r["lat"], r["lon"]) = (start.Lat, start.Lon);
            return r;
        }
        var pothole = await app.Client().ReportOk(At("road-damage"));
        var fallen = await app.Client().ReportOk(At("elderly-assistance"));

        var card = (await app.Card(pothole.Id))!;
        Assert.Equal((DemoOperationSeed.Id, CommandLevel.District, DemoOperationSeed.Desk), (card.OperationId!.Value, card.Level, card.CentrePath));
        var runner = (await app.Card(fallen.Id))!;
        Assert.Equal((CommandLevel.City, "health"), (runner.Level, runner.SuggestedDepartment));
    }
}
