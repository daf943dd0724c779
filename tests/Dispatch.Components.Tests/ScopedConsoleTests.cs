using Bunit;
using Microsoft.AspNetCore.Components;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>A console shows its user's part of the city only, and keeps it that way as pushes arrive.</summary>
public sealed class ScopedConsoleTests(DispatchApp app) : ConsoleTest<DispatchApp>(app)
{
    Jurisdiction _town = null!, _neighbour = null!;

    protected override Task Prepare()
    {
        var tree = App.Services.GetRequiredService<JurisdictionTree>();
        _town = tree.Place(31.2304, 121.4737).Town!;
        _neighbour = tree.Children(_town.Parent!).First(t => t.Code != _town.Code);
        return Task.CompletedTask;
    }

    static string Row(string number) => $"[data-testid=board-row][data-number='{number}']";

    void SignInAs(Role role, string path, string login) => SignIn(new Actor(login, login, [new Grant(role, path)]));

    Task<CommandOutcome.Done> ReportIn(Jurisdiction town) =>
        App.Report(new IntakeForm(Channel.Hotline, "张伟", Calls.NewPhone(), town.Boundary.InteriorPoint.Y,
            town.Boundary.InteriorPoint.X, null, "road-damage", "路面塌陷", 2));

    [Fact]
    public async Task A_town_board_shows_its_towns_pushes_and_drops_an_incident_moved_to_the_neighbour()
    {
        SignInAs(Role.Dispatcher, _town.Path, "town-board");
        var cut = Ctx.RenderWithPopovers<Board>();

        var theirs = await ReportIn(_neighbour);
        var mine = await ReportIn(_town);
        cut.WaitForElement(Row(mine.Number), Waits.Push);
        // Pushed in commit order: the neighbour's came first and was left out.
        Assert.Empty(cut.FindAll(Row(theirs.Number)));

        await App.Do(mine.Id, new PlaceIncident(App.Services.GetRequiredService<JurisdictionTree>().PlaceOf(_neighbour.Code)!, "district"));

        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll(Row(mine.Number))), Waits.Push);
    }

    [Fact]
    public async Task A_link_to_an_incident_outside_the_scope_shows_nothing_and_the_attempt_is_audited()
    {
        var theirs = await ReportIn(_neighbour);
        SignInAs(Role.Dispatcher, _town.Path, "nosy-town");

        var navigation = Ctx.Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("incident", theirs.Id.ToString()));
        var cut = Ctx.RenderWithPopovers<Board>();

        cut.WaitForElement("[data-testid=drawer-outside]", Waits.Push);
        Assert.Empty(cut.FindAll("[data-testid=drawer-number]"));
        // The opening read keeps the attempt; a reload on the first render (or a push) can show "outside" a moment before
        // that read has kept it: wait for the entry, with the push's patience.
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        using var patience = new CancellationTokenSource(Waits.Push);
        AuditEntry? entry;
        while ((entry = await query.Query<AuditEntry>().SingleOrDefaultAsync(e => e.User == "nosy-town", patience.Token)) is null)
            await Task.Delay(50, patience.Token);
        Assert.Equal("incident.read", entry.Action);
        Assert.False(entry.Allowed);
        Assert.Equal(theirs.Number, entry.Number);
    }

    [Fact]
    public void A_leader_opening_the_intake_page_is_told_it_is_not_theirs()
    {
        SignInAs(Role.Leader, "demo", "leader-intake");

        var cut = Ctx.RenderWithPopovers<Intake>();

        cut.WaitForElement("[data-testid=no-access]", Waits.Push);
        Assert.Empty(cut.FindAll("#intake-form"));
    }
}
