using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Audit;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Identity;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Performance;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The performance page on the real read model: incidents assigned through the real command path, projected by the
/// real daemon, read back by a leader who is a real user in the store.
/// </summary>
public sealed class KpiPageTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    /// <summary>人民路 128 号, 东湖区 (the server tests' standard report).</summary>
    const double Lat = 31.2304, Lon = 121.4737;

    JurisdictionTree Tree => App.Services.GetRequiredService<JurisdictionTree>();

    Task<Actor> SignIn(string prefix, params Grant[] grants)
    {
        var login = $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
        return SignInStored(login, login, grants);
    }

    /// <summary>An incident at 人民路 (东湖区), accepted and assigned to <paramref name="department"/> now.</summary>
    async Task Assigned(string department)
    {
        var incident = await App.Report(Calls.Form() with { Lat = Lat, Lon = Lon });
        await App.Do(incident.Id, new AcceptIncident("kpi-dispatcher"));
        await App.Do(incident.Id, new AssignIncident(department, "kpi-dispatcher"));
    }

    static IReadOnlyList<AngleSharp.Dom.IElement> Rows(IRenderedComponent<TestHost> cut) =>
        cut.FindAll("[data-testid=kpi-table] tbody tr");

    static IEnumerable<string?> Keys(IRenderedComponent<TestHost> cut) =>
        Rows(cut).Select(r => r.QuerySelector("[data-key]")?.GetAttribute("data-key"));

    static IEnumerable<string> Received(IRenderedComponent<TestHost> cut) =>
        Rows(cut).Select(r => r.QuerySelector("[data-col=received]")!.TextContent.Trim());

    [Fact]
    public async Task Given_two_departments_When_a_leader_sorts_by_a_column_Then_the_rows_reorder_and_the_grouping_and_csv_follow()
    {
        await Assigned("urban-management");
        await Assigned("urban-management");
        await Assigned("water");
        await App.Services.GetRequiredService<IDocumentStore>().WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(60));
        await SignIn("leader", new Grant(Role.Leader, Tree.City.Path));

        var cut = Ctx.RenderWithPopovers<Kpis>();

        // By name first: Urban Management, then Water Authority.
        cut.WaitForAssertion(() => Assert.Equal(["urban-management", "water"], Keys(cut)));
        Assert.Equal(["2", "1"], Received(cut));
        Assert.Equal(["Urban Management", "Water Authority"], Rows(cut).Select(r => r.QuerySelector("[data-key]")!.TextContent.Trim()));

        await cut.Find("[data-testid=kpi-sort-received]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal(["water", "urban-management"], Keys(cut)));
        Assert.Equal(["1", "2"], Received(cut));

        await cut.Find("[data-testid=kpi-sort-received]").ClickAsync(new());
        cut.WaitForAssertion(() => Assert.Equal(["urban-management", "water"], Keys(cut)));

        // The CSV link downloads what is shown: the week ending today, by department.
        var today = App.Services.GetRequiredService<KpiReport>().Today;
        var week = $"from={today.AddDays(-6):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
        Assert.Equal($"/api/kpis.csv?{week}&by=department", cut.Find("#kpi-csv").GetAttribute("href"));

        // By district: the three incidents lie in 东湖区.
        await cut.Find("#kpi-by-district").ClickAsync(new());
        var district = Tree.Place(Lat, Lon).District!;
        cut.WaitForAssertion(() => Assert.Equal([district.Code], Keys(cut)));
        Assert.Equal(["3"], Received(cut));
        Assert.Equal("true", cut.Find("#kpi-by-district").GetAttribute("aria-pressed"));
        Assert.Equal($"/api/kpis.csv?{week}&by=district", cut.Find("#kpi-csv").GetAttribute("href"));
    }

    [Fact]
    public async Task Given_a_range_that_ends_before_it_starts_When_shown_Then_the_field_says_so_and_nothing_is_read()
    {
        await SignIn("leader", new Grant(Role.Leader, Tree.City.Path));
        var cut = Ctx.RenderWithPopovers<Kpis>();
        cut.WaitForElement("[data-testid=kpi-page]");
        var shown = cut.Find("#kpi-csv").GetAttribute("href");

        cut.Find("#kpi-from").Input("2026-11-24");
        cut.Find("#kpi-to").Input("2026-11-23");
        await cut.Find("#kpi-filter").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal("'Until' must not come before 'From'.", cut.Find("#kpi-to-error").TextContent.Trim()));
        Assert.Equal(shown, cut.Find("#kpi-csv").GetAttribute("href")); // still what was read before

        // A new "from" mends it.
        cut.Find("#kpi-from").Input("2026-11-22");
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("#kpi-to-error")));
    }

    [Fact]
    public async Task Given_a_dispatcher_without_leader_or_admin_role_When_the_page_opens_Then_nothing_is_shown_and_the_attempt_is_on_the_trail()
    {
        var dispatcher = await SignIn("nosy", new Grant(Role.Dispatcher, Tree.City.Path), new Grant(Role.CallTaker, Tree.City.Path));

        var cut = Ctx.RenderWithPopovers<Kpis>();

        var message = cut.WaitForElement("[data-testid=not-allowed]");
        Assert.Equal("Only leaders and administrators see the performance review.", message.TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=kpi-table]"));
        Assert.Empty(cut.FindAll("#kpi-filter"));
        var trail = await App.Services.GetRequiredService<AuditLog>().Read(
            new Actor("city", "city", [new Grant(Role.Admin, Tree.City.Path)]), new AuditFilter(User: dispatcher.Login));
        var attempt = Assert.Single(trail);
        Assert.Equal("kpis.read", attempt.Action);
        Assert.False(attempt.Allowed);
    }
}
