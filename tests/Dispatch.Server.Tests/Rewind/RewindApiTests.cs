using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Rewind;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Rewind;

/// <summary>
/// <c>?asOf=</c> on the read API: what it takes (a past instant with an offset), who may ask, and that every answer says
/// it is the past.
/// </summary>
public class RewindApiTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    /// <summary>Every read that takes the moment.</summary>
    public static TheoryData<string> Reads => new() { "/api/board", "/api/units", "/api/situation", "/api/incidents/{id}" };

    async Task<string> Path(string read) =>
        read.Replace("{id}", (await app.Client().Reported()).Id.ToString(), StringComparison.Ordinal);

    static string At(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O"));

    public static TheoryData<string, string> BadMoments => new()
    {
        { "/api/board", "yesterday" }, { "/api/units", "2026-12-05T02:40:00" }, { "/api/situation", "2026-12-05" },
        { "/api/incidents/{id}", "2026-13-45T02:40:00Z" }, { "/api/board", "" }, { "/api/board", "2026-12-05T10:40:00 08:00" },
        { "/api/units", "0001-01-01T00:00:00Z" }, { "/api/situation", "1733366400" },
    };

    [Theory]
    [MemberData(nameof(BadMoments))]
    public async Task Given_an_asOf_that_is_no_instant_with_an_offset_when_read_then_it_is_a_400_naming_asOf(string read, string asOf)
    {
        using var response = await app.Client().GetAsync($"{await Path(read)}?asOf={Uri.EscapeDataString(asOf)}");

        Assert.Equal(["asOf"], (await response.FieldErrors()).Keys);
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Given_an_asOf_in_the_future_when_read_then_it_is_a_400_naming_asOf(string read)
    {
        using var response = await app.Client().GetAsync($"{await Path(read)}?asOf={At(DateTimeOffset.UtcNow.AddMinutes(5))}");

        var errors = await response.FieldErrors();
        Assert.Contains("future", Assert.Single(errors["asOf"]));
    }

    [Fact]
    public async Task Given_a_moment_before_the_first_event_when_read_then_the_past_is_empty_and_marked()
    {
        var client = app.Client();
        var incident = await client.Reported();
        var before = At(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));

        using var board = await client.GetAsync($"/api/board?asOf={before}");
        using var units = await client.GetAsync($"/api/units?asOf={before}");
        using var detail = await client.GetAsync($"/api/incidents/{incident.Id}?asOf={before}");
        var situation = await client.GetJson($"/api/situation?asOf={before}");

        await board.ShouldBe(HttpStatusCode.OK);
        Assert.Empty((await board.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal(("true", "0"), (Header(board, PastApi.PastHeader), Header(board, PastApi.SequenceHeader)));
        await units.ShouldBe(HttpStatusCode.OK);
        Assert.Empty((await units.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        await detail.ShouldBe(HttpStatusCode.NotFound);
        Assert.True(situation.GetProperty("past").GetBoolean());
        Assert.Equal(0, situation.GetProperty("totals").GetProperty("reported").GetInt32());
        Assert.Equal(0, situation.GetProperty("totals").GetProperty("open").GetInt32());
    }

    [Fact]
    public async Task Given_a_past_moment_when_read_then_each_answer_has_the_live_shape_and_says_it_is_the_past()
    {
        var client = app.Client();
        var incident = await client.Accepted();
        var now = Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"));

        var liveDetail = await client.Detail(incident.Id);
        using var pastDetail = await client.GetAsync($"/api/incidents/{incident.Id}?asOf={now}");
        var liveSituation = await client.GetJson("/api/situation");
        using var pastSituation = await client.GetAsync($"/api/situation?asOf={now}");
        using var pastBoard = await client.GetAsync($"/api/board?asOf={now}");
        using var pastUnits = await client.GetAsync($"/api/units?asOf={now}");

        string[] markers = ["past", "asOf", "sequence"];
        foreach (var (live, past, extra) in new[] { (liveDetail, pastDetail, Array.Empty<string>()), (liveSituation, pastSituation, ["notRewound"]) })
        {
            await past.ShouldBe(HttpStatusCode.OK);
            var body = await past.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(Names(live).Concat(markers).Concat(extra).Order(), Names(body).Order());
            Assert.True(body.GetProperty("past").GetBoolean());
            Assert.True(body.GetProperty("sequence").GetInt64() > 0);
            Assert.Equal(Header(past, PastApi.SequenceHeader), body.GetProperty("sequence").GetInt64().ToString());
        }
        Assert.False(liveSituation.TryGetProperty("past", out _));
        var situation = await client.GetJson($"/api/situation?asOf={now}");
        Assert.Equal(["leaders", "surges"], situation.GetProperty("notRewound").EnumerateArray().Select(n => n.GetString()));
        foreach (var answer in new[] { pastBoard, pastUnits })
        {
            await answer.ShouldBe(HttpStatusCode.OK);
            Assert.Equal(JsonValueKind.Array, (await answer.Content.ReadFromJsonAsync<JsonElement>()).ValueKind);
            Assert.Equal("true", Header(answer, PastApi.PastHeader));
            Assert.True(DateTimeOffset.UtcNow - DateTimeOffset.Parse(Header(answer, PastApi.AsOfHeader)!) < TimeSpan.FromMinutes(1));
        }
        using var liveBoard = await client.GetAsync("/api/board");
        Assert.False(liveBoard.Headers.Contains(PastApi.PastHeader));
    }

    [Theory]
    [MemberData(nameof(Reads))]
    public async Task Given_a_field_unit_when_it_asks_for_the_past_then_it_is_a_403_kept_in_the_audit_trail(string read)
    {
        var scopes = new Scopes(app);
        var path = await Path(read);
        var unit = scopes.As(app, Role.FieldUnit, Where.Town, Steps.Department, tag: "rewind");

        using var response = await unit.GetAsync($"{path}?asOf={At(DateTimeOffset.UtcNow.AddMinutes(-1))}");

        Assert.Equal("access.denied", (await response.Problem(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        // The situation figures are leaders' and dispatchers' even live: refused before the moment is looked at.
        var action = read == "/api/situation" ? "situation.read" : "rewind.read";
        var leader = scopes.As(app, Role.Leader, Where.City, tag: "rewind-audit");
        var audit = (await leader.GetJson($"/api/audit?user={Scopes.Login(Role.FieldUnit, Where.Town, Steps.Department, "rewind")}")).EnumerateArray();
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == action && !e.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Given_a_call_taker_when_it_asks_for_the_situation_live_or_past_then_it_is_a_403_but_its_board_rewinds()
    {
        var callTaker = new Scopes(app).As(app, Role.CallTaker, Where.City, tag: "rewind");
        var at = At(DateTimeOffset.UtcNow.AddSeconds(-1));

        using var live = await callTaker.GetAsync("/api/situation");
        using var past = await callTaker.GetAsync($"/api/situation?asOf={at}");
        using var board = await callTaker.GetAsync($"/api/board?asOf={at}");

        await live.ShouldBe(HttpStatusCode.Forbidden);
        await past.ShouldBe(HttpStatusCode.Forbidden);
        await board.ShouldBe(HttpStatusCode.OK);
    }

    static IEnumerable<string> Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name);

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : null;
}
