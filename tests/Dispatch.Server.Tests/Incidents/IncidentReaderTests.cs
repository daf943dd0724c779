using Dispatch.Domain.Access;
using Dispatch.Server.Audit;
using Dispatch.Server.Incidents;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using System.Net.Http.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Incidents;

/// <summary>One reader per person: the board, the push filter, one incident's detail masked for them, and denied reads kept.</summary>
public class IncidentReaderTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    IncidentReader ReaderAs(string login, Grant grant) =>
        app.Services.GetRequiredService<IncidentReaders>().For(new Actor(login, login, [grant]));

    async Task<Accepted> ReportedIn(Dispatch.Server.Jurisdictions.Jurisdiction town)
    {
        var report = Api.Report();
        report["lat"] = town.Boundary.InteriorPoint.Y;
        report["lon"] = town.Boundary.InteriorPoint.X;
        return await app.Client().ReportOk(report);
    }

    [Fact]
    public async Task A_town_dispatchers_board_leaves_out_another_towns_incidents()
    {
        var scopes = new Scopes(app);
        var mine = await app.Client().ReportOk();
        var theirs = await ReportedIn(scopes.OtherTown);
        var town = ReaderAs("reader-town", new Grant(Role.Dispatcher, scopes.Town.Path));

        var board = await town.Board();

        Assert.Contains(board, c => c.Id == mine.Id);
        Assert.DoesNotContain(board, c => c.Id == theirs.Id);
        Assert.Null(await town.Card(theirs.Number));
        Assert.NotNull(await town.Card(mine.Number));
    }

    [Fact]
    public async Task The_caller_is_masked_for_a_handler_but_not_for_the_dispatcher_in_scope()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().Assigned(Steps.Department);

        var handler = await ReaderAs("reader-handler", new Grant(Role.Handler, scopes.Town.Path, Steps.Department)).Detail(incident.Id);
        var dispatcher = await ReaderAs("reader-dispatcher", new Grant(Role.Dispatcher, scopes.Town.Path)).Detail(incident.Id);

        var masked = Assert.IsType<IncidentRead.Shown>(handler).Detail;
        Assert.True(masked.CallerMasked);
        Assert.Equal("王**", masked.CallerName);
        var shown = Assert.IsType<IncidentRead.Shown>(dispatcher).Detail;
        Assert.False(shown.CallerMasked);
        Assert.Equal("王女士", shown.CallerName);
    }

    [Fact]
    public async Task A_denied_read_is_audited_once_and_an_unknown_one_is_not_found()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk();
        var login = "reader-outside-" + Guid.NewGuid().ToString("N")[..8];
        var neighbour = ReaderAs(login, new Grant(Role.Dispatcher, scopes.OtherTown.Path));

        var denied = Assert.IsType<IncidentRead.Denied>(await neighbour.Detail(incident.Id));
        // Looking again without asking for the audit (a drawer reloading on a push) adds nothing.
        Assert.IsType<IncidentRead.Denied>(await neighbour.Detail(incident.Id, auditDenied: false));
        Assert.IsType<IncidentRead.NotFound>(await neighbour.Detail(Guid.NewGuid()));

        Assert.Equal("access.denied", denied.Denial!.Code);
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var trail = await query.Query<AuditEntry>().Where(e => e.User == login).ToListAsync();
        var entry = Assert.Single(trail);
        Assert.Equal(("incident.read", incident.Id, false), (entry.Action, entry.IncidentId, entry.Allowed));
    }

    [Fact]
    public async Task The_push_filter_agrees_with_the_board_query()
    {
        var scopes = new Scopes(app);
        var assigned = await app.Client().Assigned(Steps.Department);
        await ReportedIn(scopes.OtherTown);
        var closed = await app.Client().ReportOk();
        await app.Client().CommandOk(closed.Id, "cancel", new { reason = "invalid" });
        var store = app.Services.GetRequiredService<IDocumentStore>();
        Grant[] grants =
        [
            new(Role.Dispatcher, scopes.Town.Path), new(Role.Dispatcher, scopes.OtherTown.Path), new(Role.Dispatcher, scopes.City.Path),
            new(Role.Handler, scopes.Town.Path, Steps.Department), new(Role.Handler, scopes.Town.Path, "water"),
            new(Role.Leader, scopes.District.Path), new(Role.Admin, scopes.City.Path),
        ];

        foreach (var grant in grants)
        {
            var reader = ReaderAs("reader-push", grant);
            // Other tests file incidents meanwhile: compare only the cards that did not change around the board query.
            var before = await AllCards(store);
            var board = (await reader.Board()).Select(c => c.Id).ToHashSet();
            var after = (await AllCards(store)).ToDictionary(c => c.Id, c => c.Version);
            var steady = before.Where(c => after.GetValueOrDefault(c.Id) == c.Version).ToList();

            Assert.All(steady, card => Assert.Equal(board.Contains(card.Id), reader.Sees(card)));
            Assert.Contains(steady, c => c.Id == assigned.Id);
        }
    }

    [Fact]
    public async Task A_unit_sent_to_a_neighbouring_town_reads_the_incident_it_is_on_masked()
    {
        var scopes = new Scopes(app);
        var incident = await ReportedIn(scopes.OtherTown);
        await app.Client().CommandOk(incident.Id, "accept");
        await app.Client().CommandOk(incident.Id, "assign", new { department = Steps.Department });
        var login = Api.Unique("reader-unit");
        using var registered = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = "读者-" + Api.Unique("")[1..6], department = Steps.Department, jurisdiction = scopes.Town.Code,
            capabilities = new[] { "enforcement" }, members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await registered.ShouldBe(System.Net.HttpStatusCode.OK);
        var unit = (await registered.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
        var crew = ReaderAs(login, new Grant(Role.FieldUnit, scopes.Town.Path, Steps.Department));
        Assert.IsType<IncidentRead.Denied>(await crew.Detail(incident.Id, auditDenied: false));
        Assert.Null(await crew.Card(incident.Number));

        foreach (var (action, body) in new (string, object)[] { ("on-duty", new { }), ("dispatch", new { incidentId = incident.Id }) })
        {
            using var sent = await app.Client().PostAsJsonAsync($"/api/units/{unit}/{action}", body);
            await sent.ShouldBe(System.Net.HttpStatusCode.OK);
        }

        var read = Assert.IsType<IncidentRead.Shown>(await crew.Detail(incident.Id));
        Assert.True(read.Detail.CallerMasked);
        Assert.Equal(incident.Id, (await crew.Card(incident.Number))?.Id);
    }

    static async Task<IReadOnlyList<IncidentCard>> AllCards(IDocumentStore store)
    {
        await using var query = store.QuerySession();
        return await query.Query<IncidentCard>().ToListAsync();
    }
}
