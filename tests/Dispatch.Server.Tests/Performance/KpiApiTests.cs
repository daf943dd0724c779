using System.Net;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Infrastructure;
using static Dispatch.Server.Tests.Performance.KpiScenario;

namespace Dispatch.Server.Tests.Performance;

/// <summary>
/// The performance review through the real API, on the hand-computed <see cref="KpiScenario"/>: every figure is
/// asserted exactly, for departments, districts and towns, over the range and day by day, as JSON and as CSV.
/// </summary>
public sealed class KpiApiTests(KpiScenario scenario) : IClassFixture<KpiScenario>
{
    ClockedDispatchApp App => scenario.App;

    HttpClient Leader(string scope, string tag) =>
        App.Client($"kpi-leader-{tag}", "en", new Grant(Role.Leader, scope));

    HttpClient CityLeader => Leader(App.Services.GetRequiredService<Dispatch.Server.Jurisdictions.JurisdictionTree>().City.Path, "city");

    /// <summary>The figures of one row, in the order of <see cref="Row"/>'s columns.</summary>
    sealed record Figures(int Received, int Acknowledged, int AcknowledgedOnTime, int Resolved, int ResolvedOnTime, int Returned,
        int Reopened, int Callbacks, double? AverageSatisfaction, double? MedianAcknowledgeSeconds, double? MedianResolveSeconds);

    static Figures Of(JsonElement row) => new(
        row.GetProperty("received").GetInt32(), row.GetProperty("acknowledged").GetInt32(),
        row.GetProperty("acknowledgedOnTime").GetInt32(), row.GetProperty("resolved").GetInt32(),
        row.GetProperty("resolvedOnTime").GetInt32(), row.GetProperty("returned").GetInt32(),
        row.GetProperty("reopened").GetInt32(), row.GetProperty("callbacks").GetInt32(),
        Nullable(row.GetProperty("averageSatisfaction")), Nullable(row.GetProperty("medianAcknowledgeSeconds")),
        Nullable(row.GetProperty("medianResolveSeconds")));

    static double? Nullable(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetDouble();

    static double Minutes(double m) => m * 60;

    static async Task<Dictionary<string, Figures>> Rows(HttpClient client, string query)
    {
        var rows = await client.GetJson($"/api/kpis?{query}");
        return rows.EnumerateArray().ToDictionary(
            r => r.GetProperty("day").ValueKind == JsonValueKind.Null
                ? r.GetProperty("key").GetString()!
                : $"{r.GetProperty("key").GetString()}@{r.GetProperty("day").GetString()}",
            Of);
    }

    [Fact]
    public async Task Kpis_by_department_over_two_days_count_every_figure_exactly()
    {
        var rows = await Rows(CityLeader, $"from={Day1}&to={Day2}&by=department");

        Assert.Equal([UrbanManagement, Water], rows.Keys.Order());
        // UM: A and B (d1) and D (d2) assigned; D acknowledged late; all resolved in time; B reopened; callbacks 5 and 3.
        Assert.Equal(new Figures(3, 3, 2, 3, 3, 0, 1, 2, 4.0, Minutes(20), Minutes(180)), rows[UrbanManagement]);
        // Water: B (then returned), C and E; E resolved late; two acknowledgements (30 and 20 min) → median 25;
        // two resolutions (150 and 120 min) → median 135.
        Assert.Equal(new Figures(3, 2, 2, 2, 1, 1, 0, 0, null, Minutes(25), Minutes(135)), rows[Water]);
    }

    [Fact]
    public async Task Kpis_day_by_day_count_each_figure_on_the_local_day_its_step_happened()
    {
        var rows = await Rows(CityLeader, $"from={Day1}&to={Day2}&by=department&daily=true");

        Assert.Equal(
            [$"{UrbanManagement}@{Day1}", $"{UrbanManagement}@{Day2}", $"{Water}@{Day1}", $"{Water}@{Day2}"],
            rows.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Figures(2, 2, 2, 1, 1, 0, 0, 1, 5.0, Minutes(15), Minutes(120)), rows[$"{UrbanManagement}@{Day1}"]);
        // B resolved on d2 after 23 hours (1380 min) and D after 180 min: median 780.
        Assert.Equal(new Figures(1, 1, 0, 2, 2, 0, 1, 1, 3.0, Minutes(45), Minutes(780)), rows[$"{UrbanManagement}@{Day2}"]);
        Assert.Equal(new Figures(2, 0, 0, 0, 0, 1, 0, 0, null, null, null), rows[$"{Water}@{Day1}"]);
        // C's acknowledgement at 00:10 belongs to d2 though it was assigned on d1 (the city's day, not UTC's).
        Assert.Equal(new Figures(1, 2, 2, 2, 1, 0, 0, 0, null, Minutes(25), Minutes(135)), rows[$"{Water}@{Day2}"]);

        // One day alone reads that day's rows only.
        var first = await Rows(CityLeader, $"from={Day1}&to={Day1}&by=department");
        Assert.Equal(rows[$"{UrbanManagement}@{Day1}"], first[UrbanManagement]);
        Assert.Equal(rows[$"{Water}@{Day1}"], first[Water]);
    }

    [Fact]
    public async Task Kpis_by_district_and_town_count_incidents_where_they_lie()
    {
        var east = scenario.East;
        var west = scenario.West;

        var districts = await Rows(CityLeader, $"from={Day1}&to={Day2}&by=district");
        Assert.Equal(new[] { east.District!.Code, west.District!.Code }.Order(StringComparer.Ordinal), districts.Keys.Order(StringComparer.Ordinal));
        // 东湖: A, B and D reported; B's return by water counts where B lies; the reopen and both callbacks too.
        var eastFigures = new Figures(3, 3, 2, 3, 3, 1, 1, 2, 4.0, Minutes(20), Minutes(180));
        var westFigures = new Figures(2, 2, 2, 2, 1, 0, 0, 0, null, Minutes(25), Minutes(135));
        Assert.Equal(eastFigures, districts[east.District.Code]);
        Assert.Equal(westFigures, districts[west.District.Code]);

        var towns = await Rows(CityLeader, $"from={Day1}&to={Day2}&by=town");
        Assert.Equal(2, towns.Count);
        Assert.Equal(eastFigures, towns[east.Town!.Code]);
        Assert.Equal(westFigures, towns[west.Town!.Code]);

        // Reports by day: two on d1 in 东湖 (A, B), D on d2; C on d1 and E on d2 in 西山.
        var daily = await Rows(CityLeader, $"from={Day1}&to={Day2}&by=district&daily=true");
        Assert.Equal(2, daily[$"{east.District.Code}@{Day1}"].Received);
        Assert.Equal(1, daily[$"{east.District.Code}@{Day2}"].Received);
        Assert.Equal(1, daily[$"{west.District.Code}@{Day1}"].Received);
        Assert.Equal(1, daily[$"{west.District.Code}@{Day2}"].Received);
    }

    [Fact]
    public async Task A_district_leader_sees_only_figures_of_incidents_and_nodes_in_the_district()
    {
        var west = scenario.West;
        var leader = Leader(west.District!.Path, "west");

        // Only C and E lie in 西山: no urban-management row, and water without B (and so without its return).
        var departments = await Rows(leader, $"from={Day1}&to={Day2}&by=department");
        Assert.Equal([Water], departments.Keys);
        Assert.Equal(new Figures(2, 2, 2, 2, 1, 0, 0, 0, null, Minutes(25), Minutes(135)), departments[Water]);

        Assert.Equal([west.District.Code], (await Rows(leader, $"from={Day1}&to={Day2}&by=district")).Keys);
        Assert.Equal([west.Town!.Code], (await Rows(leader, $"from={Day1}&to={Day2}&by=town")).Keys);

        // A town leader sees its town, not the district around it.
        var townLeader = Leader(scenario.East.Town!.Path, "east-town");
        Assert.Empty(await Rows(townLeader, $"from={Day1}&to={Day2}&by=district"));
        Assert.Equal([scenario.East.Town.Code], (await Rows(townLeader, $"from={Day1}&to={Day2}&by=town")).Keys);
    }

    [Fact]
    public async Task Kpis_rebuilt_from_the_events_come_out_the_same()
    {
        const string query = $"from={Day1}&to={Day2}&by=department&daily=true";
        var before = await Rows(CityLeader, query);
        // Spoil a stored row: only a rebuild from the events (not one adding onto what is stored) mends it.
        await using (var session = App.Documents().LightweightSession())
        {
            var row = await session.Query<Dispatch.Server.Performance.KpiDay>()
                .FirstAsync(r => r.Kind == Dispatch.Server.Performance.KpiKind.Department && r.Department == Water);
            row.Received += 100;
            session.Store(row);
            await session.SaveChangesAsync();
        }
        Assert.NotEqual(before, await Rows(CityLeader, query));

        // The daemon's rebuild tears the rows and the incidents' memories down first, or every figure would double.
        var daemon = App.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>().DaemonForMainDatabase();
        await daemon.RebuildProjectionAsync(Dispatch.Server.Performance.KpiProjection.Name, TimeSpan.FromSeconds(60), CancellationToken.None);
        await Marten.Events.TestingExtensions.WaitForNonStaleProjectionDataAsync(App.Documents(), TimeSpan.FromSeconds(60));

        var after = await Rows(CityLeader, query);
        Assert.Equal(before.OrderBy(r => r.Key, StringComparer.Ordinal), after.OrderBy(r => r.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Kpis_csv_is_utf8_with_a_bom_a_header_and_a_row_per_key_in_the_reader_s_language()
    {
        using var response = await CityLeader.GetAsync($"/api/kpis.csv?from={Day1}&to={Day2}&by=department");
        await response.ShouldBe(HttpStatusCode.OK);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.Equal($"kpis-department-{Day1}-{Day2}.csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        var lines = Encoding.UTF8.GetString(bytes[3..]).Split("\r\n");
        Assert.Equal(
            "Key,Name,Received,Acknowledged,Acknowledged on time,Resolved,Resolved on time,Returned,Reopened,Callbacks," +
            "Average satisfaction,Median minutes to acknowledge,Median minutes to resolve," +
            "Closed,\"Closed, caller not reached\",Supervision replies overdue", lines[0]);
        Assert.Equal("urban-management,Urban Management,3,3,2,3,3,0,1,2,4.00,20.0,180.0,1,0,0", lines[1]);
        Assert.Equal("water,Water Authority,3,2,2,2,1,1,0,0,,25.0,135.0,0,0,0", lines[2]);
        Assert.Equal("", lines[3]); // the last record ends with CRLF too
        Assert.Equal(4, lines.Length);

        // In Chinese: Chinese headers and names, which is what the byte-order mark is for.
        var zh = App.Client("kpi-leader-zh", "zh-CN", new Grant(Role.Leader, scenario.East.City!.Path));
        using var chinese = await zh.GetAsync($"/api/kpis.csv?from={Day1}&to={Day2}&by=department&daily=true");
        await chinese.ShouldBe(HttpStatusCode.OK);
        var text = Encoding.UTF8.GetString((await chinese.Content.ReadAsByteArrayAsync())[3..]).Split("\r\n");
        Assert.StartsWith("日期,", text[0]);
        Assert.StartsWith($"{Day1},urban-management,城市管理局,2,", text[1]);
    }

    [Fact]
    public async Task Only_leaders_and_admins_read_kpis_others_get_403_and_the_attempt_is_audited()
    {
        var dispatcher = App.Client(); // call-taker, dispatcher and handler city-wide: no leader or admin role
        foreach (var path in new[] { "/api/kpis", "/api/kpis.csv" })
        {
            using var response = await dispatcher.GetAsync($"{path}?from={Day1}&to={Day2}");
            var problem = await response.Problem(HttpStatusCode.Forbidden);
            Assert.Equal("Not allowed", problem.GetProperty("title").GetString());
        }
        var audit = await CityLeader.GetJson($"/api/audit?user={DispatchApp.DefaultUser}&limit=1000");
        Assert.Equal(2, audit.EnumerateArray().Count(e => e.GetProperty("action").GetString() == "kpis.read" &&
                                                            !e.GetProperty("allowed").GetBoolean()));

        var admin = App.Client("kpi-admin", "en", new Grant(Role.Admin, scenario.East.City!.Path));
        Assert.Equal(2, (await Rows(admin, $"from={Day1}&to={Day2}")).Count);
    }

    [Fact]
    public async Task The_page_prerenders_for_a_leader_with_its_nav_link_and_the_week_s_rows()
    {
        // The scenario's clock stands on d2, so the default week holds both days.
        using var response = await CityLeader.GetAsync("/kpis");
        await response.ShouldBe(HttpStatusCode.OK);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("href=\"/kpis\"", html);
        Assert.Contains("data-testid=\"kpi-table\"", html);
        Assert.Contains("data-key=\"urban-management\"", html);
        Assert.Contains($"/api/kpis.csv?from=2026-11-18&amp;to={Day2}&amp;by=department", html);

        // A dispatcher has no link to it.
        using var other = await App.Client().GetAsync("/");
        Assert.DoesNotContain("href=\"/kpis\"", await other.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_query_that_cannot_be_read_is_a_400_naming_the_field()
    {
        using var badDate = await CityLeader.GetAsync("/api/kpis?from=2026-13-01");
        Assert.Contains("from", (await badDate.FieldErrors()).Keys);
        using var badGrouping = await CityLeader.GetAsync("/api/kpis.csv?by=grid");
        Assert.Equal(["Group by department, district or town."], (await badGrouping.FieldErrors())["by"]);
        using var backwards = await CityLeader.GetAsync($"/api/kpis?from={Day2}&to={Day1}");
        Assert.Contains("to", (await backwards.FieldErrors()).Keys);
        using var tooLong = await CityLeader.GetAsync("/api/kpis?from=2025-01-01&to=2026-11-24");
        Assert.Contains("to", (await tooLong.FieldErrors()).Keys);

        // Without a range: the week ending today (the scenario's clock stands on d2), both days included.
        var week = await Rows(CityLeader, "");
        Assert.Equal(3, week[UrbanManagement].Received);
    }
}
