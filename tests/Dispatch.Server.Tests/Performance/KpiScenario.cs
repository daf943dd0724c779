using System.Text.Json.Nodes;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Performance;

/// <summary>
/// Two days of hand-computed work, run once per test class on a controlled clock:
/// five incidents in two districts, led by urban management and the water authority, with a return, a reopen,
/// two callbacks (5 and 3), an acknowledgement across midnight, and two incidents whose assignments carry
/// deadlines (one acknowledged late, one resolved late). Times are Shanghai local (UTC+8).
/// <code>
///   A  东湖 (dh)  d1 09:00 reported · 09:10 assigned UM · 09:30 ack (20 min) · 11:10 resolved (120 min) · 12:00 callback 5 · closed
///   B  东湖 (dh)  d1 10:00 reported · 10:10 assigned W · 10:40 W returns · 10:50 assigned UM · 11:00 ack (10 min)
///                 d2 09:50 resolved (1380 min) · 10:00 callback 3 · 10:30 reopened
///   C  西山 (xs)  d1 23:30 reported · 23:40 assigned W · d2 00:10 ack (30 min) · 02:10 resolved (150 min)
///   D  东湖 (dh)  d2 08:00 assigned UM, ack by 08:15, resolve by 12:00 · 08:45 ack LATE (45 min) · 11:00 resolved on time (180 min)
///   E  西山 (xs)  d2 13:00 assigned W, ack by 13:30, resolve by 14:00 · 13:20 ack on time (20 min) · 15:00 resolved LATE (120 min)
/// </code>
/// D and E are appended straight to the store: the API's assignments carry no deadlines yet (the deadline policy
/// comes in another change), and the projection must judge the deadlines an assignment does carry.
/// </summary>
public sealed class KpiScenario : IAsyncLifetime
{
    public const string UrbanManagement = "urban-management", Water = "water";
    public const string Day1 = "2026-11-23", Day2 = "2026-11-24";
    const string Handler = "test-dispatcher";

    public ClockedDispatchApp App { get; } = new();

    /// <summary>The places of the two districts' incidents (东湖区 from the standard report, 西山区 by 文化宫).</summary>
    public Placement East { get; private set; } = null!;
    public Placement West { get; private set; } = null!;

    public const double WestLat = 31.2236, WestLon = 121.44665;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await ((IAsyncLifetime)App).InitializeAsync();
        var tree = App.Services.GetRequiredService<JurisdictionTree>();
        East = tree.Place(Api.ReportLat, Api.ReportLon);
        West = tree.Place(WestLat, WestLon);

        var a = await Report(1, 9, 0, Api.Report());
        await Do(a, 1, 9, 5, "accept");
        await Do(a, 1, 9, 10, "assign", new { department = UrbanManagement });
        await Do(a, 1, 9, 30, "acknowledge", new { department = UrbanManagement });
        await Do(a, 1, 11, 10, "resolve", new { department = UrbanManagement, resolution = "已修复" });
        await Do(a, 1, 12, 0, "callback", new { satisfaction = 5 });
        await Do(a, 1, 12, 5, "close");

        var b = await Report(1, 10, 0, Api.Report());
        await Do(b, 1, 10, 5, "accept");
        await Do(b, 1, 10, 10, "assign", new { department = Water });
        await Do(b, 1, 10, 40, "return", new { department = Water, reason = "不属本部门职责" });
        await Do(b, 1, 10, 50, "assign", new { department = UrbanManagement });
        await Do(b, 1, 11, 0, "acknowledge", new { department = UrbanManagement });
        await Do(b, 2, 9, 50, "resolve", new { department = UrbanManagement, resolution = "已疏通" });
        await Do(b, 2, 10, 0, "callback", new { satisfaction = 3 });
        await Do(b, 2, 10, 30, "reopen", new { reason = "市民反映问题复发" });

        var west = Api.Report();
        west["lat"] = WestLat;
        west["lon"] = WestLon;
        west["address"] = "西山区文化宫";
        var c = await Report(1, 23, 30, west);
        await Do(c, 1, 23, 35, "accept");
        await Do(c, 1, 23, 40, "assign", new { department = Water });
        await Do(c, 2, 0, 10, "acknowledge", new { department = Water });
        await Do(c, 2, 2, 10, "resolve", new { department = Water, resolution = "已抢修" });

        await Append(UrbanManagement, East, assigned: Local(2, 8, 0), acknowledgeBy: Local(2, 8, 15), resolveBy: Local(2, 12, 0),
            acknowledged: Local(2, 8, 45), resolved: Local(2, 11, 0));
        await Append(Water, West, assigned: Local(2, 13, 0), acknowledgeBy: Local(2, 13, 30), resolveBy: Local(2, 14, 0),
            acknowledged: Local(2, 13, 20), resolved: Local(2, 15, 0));

        await App.Documents().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
    }

    Task IAsyncLifetime.DisposeAsync() => ((IAsyncLifetime)App).DisposeAsync();

    /// <summary>Day 1 or 2 of the scenario at a Shanghai wall-clock time.</summary>
    public static DateTimeOffset Local(int day, int hour, int minute) =>
        new(2026, 11, 22 + day, hour, minute, 0, TimeSpan.FromHours(8));

    async Task<Guid> Report(int day, int hour, int minute, JsonNode report)
    {
        App.Time.Set(Local(day, hour, minute));
        return (await App.Client().ReportOk(report)).Id;
    }

    // Each step signs in afresh: the clock jumps across days, beyond the 12-hour session cookie.
    async Task Do(Guid id, int day, int hour, int minute, string action, object? body = null)
    {
        App.Time.Set(Local(day, hour, minute));
        await App.Client().CommandOk(id, action, body);
    }

    /// <summary>An incident reported, placed, accepted and assigned at once with deadlines, then acknowledged and resolved.</summary>
    async Task Append(string department, Placement placement, DateTimeOffset assigned, DateTimeOffset acknowledgeBy,
        DateTimeOffset resolveBy, DateTimeOffset acknowledged, DateTimeOffset resolved)
    {
        var id = Guid.CreateVersion7(assigned);
        var place = new Place(placement.Finest!.Path, placement.District?.Code, placement.Town?.Code, placement.Grid?.Code);
        await using var session = App.Documents().LightweightSession();
        session.Events.StartStream<Incident>(id,
            new IncidentReported(id, $"KPI-{id:N}"[..12], Channel.Hotline, new Caller(null, null), null, null, "road-damage",
                "直接写入的事件", Urgency.Normal, Handler, assigned),
            new IncidentPlaced(id, place, Manual: true, Handler, assigned),
            new IncidentAccepted(id, Handler, assigned),
            new IncidentAssigned(id, department, Handler, assigned, AcknowledgeBy: acknowledgeBy, ResolveBy: resolveBy),
            new IncidentAcknowledged(id, department, Handler, acknowledged),
            new IncidentResolved(id, department, "已处理", Handler, resolved));
        await session.SaveChangesAsync();
    }
}
