using System.Globalization;
using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Audit;
using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The audit page on the real trail: entries written by real commands (and real refusals), read back through the
/// page's filters. Readers are real users in the store, as the page reads their current roles.
/// </summary>
public sealed class AuditPageTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    JurisdictionTree Tree => App.Services.GetRequiredService<JurisdictionTree>();
    CityCatalog City => App.Services.GetRequiredService<CityCatalog>();

    static string NewLogin(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";

    Task<Actor> SignIn(string prefix, params Grant[] grants)
    {
        var login = NewLogin(prefix);
        return SignInStored(login, login, grants);
    }

    Task<Actor> SignInCityLeader() => SignIn("leader", new Grant(Role.Leader, Tree.City.Path));

    /// <summary>
    /// An incident with three entries on the trail: reported, accepted by <paramref name="dispatcher"/>, and a
    /// refused attempt by a field unit of another district to accept it too.
    /// </summary>
    async Task<(CommandOutcome.Done Incident, string Refused)> IncidentWithARefusal(string dispatcher)
    {
        var reported = await App.Report();
        await App.Do(reported.Id, new AcceptIncident(dispatcher));
        var refused = NewLogin("unit");
        var outcome = await App.Services.GetRequiredService<IncidentService>().Handle(
            new Actor(refused, refused, [new Grant(Role.FieldUnit, Tree["xs"].Path, "water")]), reported.Id,
            new AcceptIncident(refused), expectedVersion: null);
        Assert.IsType<CommandOutcome.Forbidden>(outcome);
        return (reported, refused);
    }

    IRenderedComponent<TestHost> RenderPage()
    {
        var cut = Ctx.RenderWithPopovers<Audit>();
        cut.WaitForElement("[data-testid=audit-table]", Waits.Push);
        return cut;
    }

    static IReadOnlyList<AngleSharp.Dom.IElement> Rows(IRenderedComponent<TestHost> cut) => cut.FindAll("[data-testid=audit-row]");

    static string ErrorAt(IRenderedComponent<TestHost> cut, string inputId) =>
        cut.Find($"#{inputId}").Closest(".mud-input-control")!.QuerySelector(".mud-input-helper-text.mud-input-error")?.TextContent.Trim() ?? "";

    [Fact]
    public async Task Given_entries_by_several_users_When_filtered_by_one_login_Then_only_that_user_s_entries_show_newest_first()
    {
        var dispatcher = NewLogin("disp");
        var (first, _) = await IncidentWithARefusal(dispatcher);
        var second = await App.Report();
        await App.Do(second.Id, new AcceptIncident(dispatcher));
        var leader = await SignInCityLeader();
        var cut = RenderPage();

        cut.Find("#audit-user").Input(dispatcher.ToUpperInvariant()); // logins are matched as stored, in lower case
        await cut.Find("#audit-filter").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));
        var rows = Rows(cut);
        Assert.All(rows, r => Assert.Equal(dispatcher, r.GetAttribute("data-user")));
        Assert.All(rows, r => Assert.Equal("incident.accept", r.GetAttribute("data-action")));
        // Newest first: the second incident's acceptance above the first's.
        Assert.Equal([second.Number, first.Number], rows.Select(r => r.GetAttribute("data-number")));
        Assert.Equal("2", cut.Find("[data-testid=audit-count]").TextContent);
        // Each row as the trail has it: the city's local time to the second, the console's word for the step, a link.
        var stored = await App.Services.GetRequiredService<AuditLog>().Read(leader, new AuditFilter(User: dispatcher));
        Assert.Equal(stored.Select(e => e.Id.ToString()), rows.Select(r => r.GetAttribute("data-id")));
        var cells = rows[0].QuerySelectorAll("td");
        Assert.Equal(City.ToLocal(stored[0].At).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), cells[0].TextContent.Trim());
        Assert.Equal("Accept", cells[2].TextContent.Trim());
        Assert.Equal($"/?incident={second.Id}", rows[0].QuerySelector("[data-testid=audit-incident]")!.GetAttribute("href"));
        Assert.Equal(second.Number, rows[0].QuerySelector("[data-testid=audit-incident]")!.TextContent.Trim());
    }

    [Fact]
    public async Task Given_an_incident_with_a_refused_attempt_When_filtered_by_its_number_Then_its_entries_show_and_the_refusal_is_marked()
    {
        var dispatcher = NewLogin("disp");
        var (incident, refused) = await IncidentWithARefusal(dispatcher);
        await App.Report(); // another incident, not to be shown
        await SignInCityLeader();
        var cut = RenderPage();

        cut.Find("#audit-incident").Input(incident.Number);
        await cut.Find("#audit-filter").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));
        var rows = Rows(cut);
        Assert.All(rows, r => Assert.Equal(incident.Number, r.GetAttribute("data-number")));
        Assert.Equal(["incident.accept", "incident.accept", "incident.report"], rows.Select(r => r.GetAttribute("data-action")));
        var refusal = Assert.Single(rows, r => r.GetAttribute("data-allowed") == "false");
        Assert.Equal(refused, refusal.GetAttribute("data-user"));
        Assert.Contains("audit-refused", refusal.ClassList);
        Assert.Equal("Refused", refusal.QuerySelector("[data-testid=audit-refused]")!.TextContent.Trim());
        Assert.All(rows.Where(r => r != refusal), r =>
        {
            Assert.DoesNotContain("audit-refused", r.ClassList);
            Assert.Null(r.QuerySelector("[data-testid=audit-refused]"));
        });

        // The incident's id finds the same entries.
        cut.Find("#audit-incident").Input(incident.Id.ToString());
        await cut.Find("#audit-filter").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal(rows.Select(r => r.GetAttribute("data-id")), Rows(cut).Select(r => r.GetAttribute("data-id"))));
    }

    [Fact]
    public async Task Given_times_in_the_city_s_zone_When_a_window_is_given_Then_entries_inside_it_show_and_none_outside()
    {
        var dispatcher = NewLogin("disp");
        var (incident, _) = await IncidentWithARefusal(dispatcher);
        await SignInCityLeader();
        var cut = RenderPage();
        var now = City.ToLocal(DateTimeOffset.UtcNow);
        string Local(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);
        cut.Find("#audit-incident").Input(incident.Number);

        // The last hour, as the city's clocks read it (were it read as UTC, it would be hours off and find nothing).
        cut.Find("#audit-from").Input(Local(now.AddHours(-1)));
        cut.Find("#audit-to").Input(Local(now.AddHours(1)));
        await cut.Find("#audit-filter").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal(3, Rows(cut).Count));

        // From an hour ahead: nothing yet.
        cut.Find("#audit-from").Input(Local(now.AddHours(1)));
        cut.Find("#audit-to").Input(Local(now.AddHours(2)));
        await cut.Find("#audit-filter").SubmitAsync();
        cut.WaitForElement("[data-testid=audit-empty]", Waits.Push);
        Assert.Empty(Rows(cut));

        // A window that ends before it starts is said at the field, and not searched.
        cut.Find("#audit-to").Input(Local(now.AddHours(-2)));
        await cut.Find("#audit-filter").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal("'Until' must come after 'From'.", ErrorAt(cut, "audit-to")));
    }

    [Fact]
    public async Task Given_a_limit_When_more_entries_match_Then_only_the_newest_show_and_the_page_says_so()
    {
        var (incident, _) = await IncidentWithARefusal(NewLogin("disp"));
        await SignInCityLeader();
        var cut = RenderPage();
        cut.Find("#audit-incident").Input(incident.Number);

        cut.Find("#audit-limit").Input("0");
        await cut.Find("#audit-filter").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Equal("A number from 1 to 1000.", ErrorAt(cut, "audit-limit")));

        cut.Find("#audit-limit").Input("2");
        await cut.Find("#audit-filter").SubmitAsync();

        cut.WaitForAssertion(() => Assert.Equal(2, Rows(cut).Count));
        Assert.Equal("", ErrorAt(cut, "audit-limit"));
        Assert.Equal(["incident.accept", "incident.accept"], Rows(cut).Select(r => r.GetAttribute("data-action")));
        Assert.NotNull(cut.Find("[data-testid=audit-limited]"));
    }

    [Fact]
    public async Task Given_an_open_page_When_something_new_happens_and_refresh_is_pressed_Then_it_shows_without_polling()
    {
        var dispatcher = NewLogin("disp");
        var (incident, _) = await IncidentWithARefusal(dispatcher);
        await SignInCityLeader();
        var cut = RenderPage();
        cut.Find("#audit-user").Input(dispatcher);
        await cut.Find("#audit-filter").SubmitAsync();
        cut.WaitForAssertion(() => Assert.Single(Rows(cut)));

        await App.Do(incident.Id, new AssignIncident("water", dispatcher));
        Assert.Single(Rows(cut)); // nothing arrives by itself

        await cut.Find("#audit-refresh").ClickAsync(new());

        cut.WaitForAssertion(() => Assert.Equal(["incident.assign", "incident.accept"], Rows(cut).Select(r => r.GetAttribute("data-action"))));
    }

    [Fact]
    public async Task Given_a_district_leader_When_the_page_opens_Then_only_entries_of_the_district_show()
    {
        // Reported with coordinates in 西山区, so its entries lie there; a 东湖区 leader does not see them.
        var elsewhere = await App.Report(Calls.Form() with { Lat = 31.2236, Lon = 121.44665, Address = "西山区文化宫" });
        var reader = await SignIn("dhleader", new Grant(Role.Leader, Tree["dh"].Path));

        var cut = RenderPage();
        cut.Find("#audit-incident").Input(elsewhere.Number);
        await cut.Find("#audit-filter").SubmitAsync();

        cut.WaitForElement("[data-testid=audit-empty]", Waits.Push);
        Assert.Empty(Rows(cut));
        var all = await App.Services.GetRequiredService<AuditLog>().Read(
            new Actor("city", "city", [new Grant(Role.Leader, Tree.City.Path)]), new AuditFilter(Incident: elsewhere.Number));
        Assert.NotEmpty(all); // the entries exist; this reader may not see them
        Assert.All(all, e => Assert.StartsWith(Tree["xs"].Path, e.Scope));
        Assert.Empty(await App.Services.GetRequiredService<AuditLog>().Read(reader, new AuditFilter(Incident: elsewhere.Number)));
    }

    [Fact]
    public async Task Given_a_dispatcher_without_leader_or_admin_role_When_the_page_opens_Then_nothing_is_shown_and_the_attempt_is_on_the_trail()
    {
        await IncidentWithARefusal(NewLogin("disp"));
        var dispatcher = await SignIn("nosy", new Grant(Role.Dispatcher, Tree.City.Path), new Grant(Role.CallTaker, Tree.City.Path));

        var cut = Ctx.RenderWithPopovers<Audit>();

        var message = cut.WaitForElement("[data-testid=not-allowed]", Waits.Push);
        Assert.Equal("Only leaders and administrators read the audit trail.", message.TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=audit-table]"));
        Assert.Empty(cut.FindAll("[data-testid=audit-row]"));
        Assert.Empty(cut.FindAll("#audit-filter"));
        var trail = await App.Services.GetRequiredService<AuditLog>().Read(
            new Actor("city", "city", [new Grant(Role.Admin, Tree.City.Path)]), new AuditFilter(User: dispatcher.Login));
        var attempt = Assert.Single(trail);
        Assert.Equal("audit.read", attempt.Action);
        Assert.False(attempt.Allowed);
    }
}
