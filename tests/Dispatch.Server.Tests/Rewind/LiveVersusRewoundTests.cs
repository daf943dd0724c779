using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Contracts;
using Dispatch.Domain.Access;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Live;
using Dispatch.Server.Situation;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// The "done when" of issue 20: a scripted run on a real server is watched live (a SignalR board client records every
/// push; the situation screen's ledger is read as its screens would show it); at several moments T the board the client
/// holds and the situation figures are remembered; afterwards the API rewound to each T answers the same.
/// </summary>
public class LiveVersusRewoundTests(DispatchApp app, ITestOutputHelper output) : IClassFixture<DispatchApp>
{
    static readonly CultureInfo English = new(Dispatch.Server.Localization.Cultures.English);

    /// <summary>What the live side held at one moment.</summary>
    sealed record Seen(string Step, DateTimeOffset At, IReadOnlyList<IncidentCard> Board, SituationPicture Situation);

    [Fact]
    public async Task Given_a_scripted_run_watched_live_when_rewound_to_each_moment_then_the_board_and_the_situation_figures_are_what_was_live()
    {
        var client = app.Client();
        // The wall display of the city's centre: a dispatcher city-wide and nothing else. (A hub client that is also a
        // department's handler is told a reopened card "left" through the department's group while it still sees it as
        // a dispatcher: the live hub's own problem, reported, not what this test is about.)
        var city = app.Services.GetRequiredService<JurisdictionTree>().City.Path;
        var watcher = new Grant(Role.Dispatcher, city);
        await using var board = await BoardClient.Connect(app, "rewind-wall", watcher);
        var wall = app.Client("rewind-wall", "en", watcher);
        using var ledger = new LedgerWatch(app);
        // A dispatcher city-wide: the situation screen is the city's.
        var scope = city;
        var seen = new List<Seen>();

        // Waits until the live side has every card of the step (the board client by its pushes, the situation ledger by
        // the feed that fills it), then remembers what it held.
        async Task Moment(string step, params Guid[] incidents)
        {
            foreach (var id in incidents)
            {
                var version = (await app.Card(id))!.Version;
                await board.CardAt(id, version);
                await ledger.Applied(id, version);
            }
            var at = DateTimeOffset.UtcNow;
            var feed = app.Services.GetRequiredService<SituationFeed>();
            seen.Add(new Seen(step, at, board.Held(), feed.Read(l =>
            {
                l.Rollover(at);
                return l.Picture(scope, at, English);
            })));
        }

        var scopes = new Scopes(app);
        var (otherLat, otherLon) = Inside(scopes.OtherTown);
        var a = await client.Reported();
        var b = await client.Reported(Place(Api.Report(category: "garbage"), otherLat, otherLon));
        await Moment("two reports in two towns", a.Id, b.Id);
        await client.CommandOk(a.Id, "accept");
        await client.CommandOk(a.Id, "assign", new { department = Steps.Department });
        await Moment("accepted and assigned", a.Id);
        await client.CommandOk(a.Id, "acknowledge", new { department = Steps.Department });
        var unit = await RegisteredUnit(client, scopes.Town.Code);
        await UnitOk(client, unit, "on-duty");
        await UnitOk(client, unit, "dispatch", new { incidentId = a.Id });
        await Moment("acknowledged, a unit sent", a.Id);
        var duplicate = await client.Reported();
        await client.CommandOk(duplicate.Id, "merge", new { into = a.Id });
        await client.CommandOk(b.Id, "accept");
        await Moment("a duplicate merged, the other accepted", a.Id, b.Id, duplicate.Id);
        await client.CommandOk(a.Id, "resolve", new { department = Steps.Department, resolution = "已修复路面" });
        await client.CommandOk(a.Id, "callback", new { satisfaction = 5 });
        await client.CommandOk(a.Id, "close");
        await Moment("resolved and closed", a.Id);
        await client.CommandOk(a.Id, "reopen", new { reason = "市民反映问题复发" });
        await Moment("reopened", a.Id);

        foreach (var then in seen)
        {
            var asOf = Uri.EscapeDataString(then.At.ToString("O"));
            using var response = await wall.GetAsync($"/api/board?asOf={asOf}");
            await response.ShouldBe(HttpStatusCode.OK);
            var rewound = (await response.Content.ReadFromJsonAsync<List<IncidentCard>>(ContractJson.Options))!;
            output.WriteLine($"{then.Step}: live {then.Board.Count} cards, rewound {rewound.Count}");
            Assert.Equal(Shown(then.Board), Shown(rewound));

            var situation = await wall.GetJson($"/api/situation?asOf={asOf}");
            Assert.Equal(Json(then.Situation.Totals), Same(then.Situation.Totals, situation.GetProperty("totals")));
            Assert.Equal(Json(then.Situation.OpenByLevel), Same(then.Situation.OpenByLevel, situation.GetProperty("openByLevel")));
            Assert.Equal(Json(then.Situation.OpenByArea), Same(then.Situation.OpenByArea, situation.GetProperty("openByArea")));
            Assert.Equal(Json(then.Situation.ReportedByCategory), Same(then.Situation.ReportedByCategory, situation.GetProperty("reportedByCategory")));
            Assert.Equal(Json(then.Situation.Trend), Same(then.Situation.Trend, situation.GetProperty("trend")));
        }
        // The script moved the board: the moments are not all alike (else the comparison would prove little).
        Assert.Equal(2, seen[0].Board.Count);
        Assert.DoesNotContain(seen[4].Board, c => c.Id == a.Id);
        Assert.Contains(seen[5].Board, c => c.Id == a.Id && c.Reopened);
        Assert.True(seen[4].Situation.Totals.Closed > seen[0].Situation.Totals.Closed);
    }

    /// <summary>The cards as the board shows them, in the board's order, as JSON (every field a card carries).</summary>
    static IReadOnlyList<string> Shown(IEnumerable<IncidentCard> cards) =>
        [.. cards.OrderBy(c => c.Id).Select(c => JsonSerializer.Serialize(c, ContractJson.Options))];

    static string Json<T>(T value) => JsonSerializer.Serialize(value, ContractJson.Options);

    /// <summary>The answer read as the live value's type and written as it is (the API escapes text its own way).</summary>
    static string Same<T>(T _, JsonElement answer) => Json(answer.Deserialize<T>(ContractJson.Options));

    /// <summary>A point inside a jurisdiction (the report is placed there by the tree).</summary>
    static (double Lat, double Lon) Inside(Jurisdiction where) => (where.Boundary.InteriorPoint.Y, where.Boundary.InteriorPoint.X);

    static System.Text.Json.Nodes.JsonObject Place(System.Text.Json.Nodes.JsonObject report, double lat, double lon)
    {
        report["lat"] = lat;
        report["lon"] = lon;
        report["address"] = "邻镇某路 1 号";
        return report;
    }

    static async Task<Guid> RegisteredUnit(HttpClient client, string jurisdiction)
    {
        using var response = await client.PostAsJsonAsync("/api/units", new
        {
            callSign = Api.Unique("回放"), department = Steps.Department, jurisdiction, capabilities = new[] { "enforcement" }, members = new[] { "王强" },
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    static async Task UnitOk(HttpClient client, Guid unit, string action, object? body = null)
    {
        using var response = await client.PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>
    /// Hears the node's card changes after the situation feed does (subscribers are called in the order they came, and the
    /// feed applies a card before it returns): once this has heard a version, the live ledger holds it.
    /// </summary>
    sealed class LedgerWatch : IDisposable
    {
        readonly Lock _gate = new();
        readonly Dictionary<Guid, long> _heard = [];
        readonly List<(Guid Id, long Version, TaskCompletionSource Done)> _waiting = [];
        readonly IDisposable _subscription;

        public LedgerWatch(DispatchApp app) =>
            _subscription = app.Services.GetRequiredService<IncidentChangeFeed>().Subscribe(card =>
            {
                if (card is null) return Task.CompletedTask;
                lock (_gate)
                {
                    _heard[card.Id] = Math.Max(card.Version, _heard.GetValueOrDefault(card.Id));
                    foreach (var w in _waiting.Where(w => w.Id == card.Id && w.Version <= card.Version).ToList())
                    {
                        _waiting.Remove(w);
                        w.Done.TrySetResult();
                    }
                }
                return Task.CompletedTask;
            });

        public Task Applied(Guid id, long version)
        {
            lock (_gate)
            {
                if (_heard.GetValueOrDefault(id) >= version) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiting.Add((id, version, done));
                return done.Task.WaitAsync(BoardClient.Patience);
            }
        }

        public void Dispose() => _subscription.Dispose();
    }
}
