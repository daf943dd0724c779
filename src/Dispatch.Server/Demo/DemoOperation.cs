using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Operations;
using Dispatch.Domain.Units;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Operations;
using Dispatch.Server.Units;
using Marten;
using NetTopologySuite.Geometries;

namespace Dispatch.Server.Demo;

/// <summary>
/// The demo city's major event (重大活动保障): the 东湖 city marathon, next Sunday 07:00–13:00 local time, on a route
/// through the towns of 东湖区. Its desk is the district command post (demo/dh): every report on the route is commanded
/// there at least, crowd trouble (public-security) and people in need (elderly-assistance → health) go to the city, and a
/// department has 5 minutes to acknowledge. Two units stand by at the start and the finish: the demo's 东湖-城管-01 and a
/// health team registered here. Declared by dh.leader through the operations' command path, once (a fixed id).
/// </summary>
public sealed class DemoOperationSeed(OperationService operations, UnitService units, IDocumentStore store, JurisdictionTree tree,
    CityCatalog city, TimeProvider clock, ILogger<DemoOperationSeed> log) : IHostedService
{
    public static readonly Guid Id = new("0193a3c2-5d2e-7f10-9a41-d3e0e5c0f0a1");
    public static readonly Guid HealthTeam = new("0193a3c2-5d2e-7f10-9a41-d3e0e5c0f0a2");
    public const string HealthCallSign = "东湖-医疗-01";
    public const string Desk = "demo/dh";
    static readonly string[] Towns = ["dh-01", "dh-02", "dh-03"];

    public async Task StartAsync(CancellationToken ct)
    {
        if (tree.Find("dh") is not { } district || Towns.Any(t => tree.Find(t) is null)) return;
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<Operation>(Id, ct) is not null) return;

        var start = Interior(Towns[0]);
        var finish = Interior(Towns[^1]);
        await using (var query = store.QuerySession())
            if (await query.LoadAsync<UnitRosterEntry>(HealthTeam, ct) is null)
            {
                var dispatcher = new Actor("dh.dispatcher", "东湖区调度员", [new Grant(Role.Dispatcher, district.Path)]);
                await units.Register(dispatcher, new RegisterUnit(HealthTeam, HealthCallSign, "health", tree.Find(Towns[0])!.Path,
                    ["medical"], ["赵医生", "钱护士"], ""), via: Pipeline.Via.System, ct: ct);
            }

        var (from, until) = NextSundayMorning();
        var leader = new Actor("dh.leader", "东湖区值班领导", [new Grant(Role.Leader, district.Path)]);
        var outcome = await operations.Declare(leader, new DeclareOperation(Id, "东湖城市马拉松 City Marathon", new OperationArea(Route(district)),
            from, until, Desk,
            new OperationRouting(
            [
                new OperationRule("public-security", CommandLevel.City, "public-security"),
                new OperationRule("elderly-assistance", CommandLevel.City, "health"),
            ], CommandLevel.District),
            new OperationDeadlines(TimeSpan.FromMinutes(5), TimeSpan.FromHours(2)),
            [
                new Preposition(DemoUnitSeed.Id, "", start, "起点 Start"),
                new Preposition(HealthTeam, "", finish, "终点医疗点 Finish medical post"),
            ], leader.Login), Pipeline.Via.System, ct);
        if (outcome is OperationOutcome.Done) log.LogInformation("Declared the demo marathon for {From:yyyy-MM-dd HH:mm}", city.ToLocal(from));
        else log.LogWarning("Demo marathon not declared: {Outcome}", outcome);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    /// <summary>The next Sunday 07:00–13:00 in the city's time (today's, if it has not ended yet).</summary>
    public (DateTimeOffset From, DateTimeOffset Until) NextSundayMorning()
    {
        var local = city.ToLocal(clock.GetUtcNow());
        var day = local.Date.AddDays(((int)DayOfWeek.Sunday - (int)local.DayOfWeek + 7) % 7);
        if (day == local.Date && local.Hour >= 13) day = day.AddDays(7);
        DateTimeOffset At(int hour)
        {
            var wall = day.AddHours(hour);
            return new DateTimeOffset(wall, city.TimeZone.GetUtcOffset(wall));
        }
        return (At(7), At(13));
    }

    GeoPoint Interior(string town)
    {
        var p = tree.Find(town)!.Boundary.InteriorPoint;
        return new GeoPoint(Math.Round(p.Y, 6), Math.Round(p.X, 6));
    }

    /// <summary>
    /// The route: a corridor about 250 m wide through the towns' interior points, kept a little inside the district so
    /// every point of it lies under the desk.
    /// </summary>
    List<GeoPoint> Route(Jurisdiction district)
    {
        var line = JurisdictionFile.Geometries.CreateLineString([.. Towns.Select(Interior).Select(p => new Coordinate(p.Lon, p.Lat))]);
        var corridor = line.Buffer(0.00125).Intersection(district.Boundary.Buffer(-0.0005));
        var shape = NetTopologySuite.Simplify.DouglasPeuckerSimplifier.Simplify(corridor, 0.0002);
        var ring = (shape as Polygon ?? (Polygon)((MultiPolygon)shape).Geometries.OrderByDescending(g => g.Area).First()).ExteriorRing.Coordinates;
        return [.. ring.Take(ring.Length - 1).Select(c => new GeoPoint(Math.Round(c.Y, 6), Math.Round(c.X, 6)))];
    }
}
