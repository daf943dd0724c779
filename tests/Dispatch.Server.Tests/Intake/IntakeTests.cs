using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Intake;

/// <summary>
/// A hotline report through the API becomes two events (reported, then placed in the jurisdiction tree or
/// flagged for placement), a board card and an incident detail.
/// </summary>
public sealed class IntakeTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    [Fact]
    public async Task Reporting_an_incident_creates_it_with_a_local_date_number_and_version_2()
    {
        var before = DateTimeOffset.UtcNow;

        using var response = await app.Client("call-taker-li").PostReport(Api.Report());

        var after = DateTimeOffset.UtcNow;
        await response.ShouldBe(HttpStatusCode.Created);
        var created = await response.Content.ReadFromJsonAsync<Accepted>();
        Assert.NotNull(created);
        Assert.NotEqual(Guid.Empty, created.Id);
        Assert.Equal(Api.IntakeVersion, created.Version); // reported, placed, routed
        Assert.Equal($"/api/incidents/{created.Id}", response.Headers.Location?.OriginalString);

        var number = Regex.Match(created.Number, @"^(\d{8})-(\d{4})$");
        Assert.True(number.Success, $"'{created.Number}' is not yyyyMMdd-NNNN");
        var localDays = new[] { before, after }.Select(t => TimeZoneInfo.ConvertTime(t, Shanghai).ToString("yyyyMMdd"));
        Assert.Contains(number.Groups[1].Value, localDays);
        Assert.True(int.Parse(number.Groups[2].Value) >= 1);
    }

    [Fact]
    public async Task The_location_header_leads_to_the_new_incident()
    {
        var client = app.Client();
        using var response = await client.PostReport(Api.Report());
        await response.ShouldBe(HttpStatusCode.Created);
        var created = (await response.Content.ReadFromJsonAsync<Accepted>())!;

        var detail = await client.GetJson(response.Headers.Location!.OriginalString);

        Assert.Equal(created.Id, detail.GetProperty("id").GetGuid());
        Assert.Equal(created.Number, detail.GetProperty("number").GetString());
    }

    [Fact]
    public async Task The_detail_shows_the_caller_with_a_normalized_phone_the_location_and_who_reported_it()
    {
        var description = $"  井盖缺失，行人易跌落 {Api.Unique()}  ";
        var report = Api.Report(description, category: "street-lighting", urgency: 3, callerPhone: "+86 138-1234-5678");
        report["address"] = "西山区幸福里小区 3 栋";
        report["lat"] = 31.2212;
        report["lon"] = 121.4432;
        var before = DateTimeOffset.UtcNow;
        var created = await app.Client("call-taker-zhao").ReportOk(report);
        var after = DateTimeOffset.UtcNow;

        var detail = await app.Client("someone-else").Detail(created.Id);

        Assert.Equal(created.Number, detail.GetProperty("number").GetString());
        Assert.Equal("Reported", detail.GetProperty("state").GetString());
        Assert.Equal("Hotline", detail.GetProperty("channel").GetString());
        Assert.Equal("王女士", detail.GetProperty("callerName").GetString());
        Assert.Equal("13812345678", detail.GetProperty("callerPhone").GetString());
        Assert.Equal("street-lighting", detail.GetProperty("category").GetString());
        Assert.Equal("High", detail.GetProperty("urgency").GetString());
        Assert.Equal(description.Trim(), detail.GetProperty("description").GetString());
        Assert.Equal("西山区幸福里小区 3 栋", detail.GetProperty("address").GetString());
        Assert.Equal(31.2212, detail.GetProperty("location").GetProperty("lat").GetDouble());
        Assert.Equal(121.4432, detail.GetProperty("location").GetProperty("lon").GetDouble());
        Assert.Equal(created.Version, detail.GetProperty("version").GetInt64());

        var timeline = detail.GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal(3, timeline.Count);
        var (entry, placed) = (timeline[0], timeline[1]);
        Assert.Equal("Reported", entry.GetProperty("kind").GetString());
        Assert.Equal("call-taker-zhao", entry.GetProperty("by").GetString());
        Assert.Equal(1, entry.GetProperty("version").GetInt64());
        var at = entry.GetProperty("at").GetDateTimeOffset();
        Assert.InRange(at, before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal("Placed", placed.GetProperty("kind").GetString());
        Assert.Equal("call-taker-zhao", placed.GetProperty("by").GetString());
        Assert.Equal(2, placed.GetProperty("version").GetInt64());
        Assert.Equal(at, placed.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_caller_who_has_not_signed_in_is_told_to_and_nothing_is_written()
    {
        using var anonymous = app.Anonymous();
        var description = Api.Unique("anon");

        using var response = await anonymous.PostReport(Api.Report(description));

        var problem = await response.Problem(System.Net.HttpStatusCode.Unauthorized);
        Assert.Contains("/api/session", problem.GetProperty("detail").GetString());
        var board = await app.Client().GetJson("/api/board");
        Assert.DoesNotContain(board.EnumerateArray(), c => c.GetProperty("summary").GetString()!.Contains(description));
    }

    [Fact]
    public async Task The_signed_in_login_is_recorded_as_who_reported_whatever_the_client_declares()
    {
        var client = app.Client("call-taker-ma");
        client.DefaultRequestHeaders.Add("X-Dispatch-Operator", "someone-else");

        var created = await client.ReportOk();

        Assert.Equal("call-taker-ma", ((IncidentReported)(await app.Events(created.Id))[0].Data).By);
    }

    [Fact]
    public async Task A_reported_incident_appears_on_the_board_as_a_new_card()
    {
        var created = await app.Client().ReportOk(Api.Report(urgency: 4, category: "gas-leak"));

        var board = await app.Client().GetJson("/api/board");

        var card = Assert.Single(board.EnumerateArray(), c => c.GetProperty("id").GetGuid() == created.Id);
        Assert.Equal(created.Number, card.GetProperty("number").GetString());
        Assert.Equal("Reported", card.GetProperty("state").GetString());
        Assert.Equal("gas-leak", card.GetProperty("category").GetString());
        Assert.Equal("Critical", card.GetProperty("urgency").GetString());
        Assert.True(card.GetProperty("isOpen").GetBoolean());
        Assert.Equal(created.Version, card.GetProperty("version").GetInt64());
        Assert.Equal(Api.IntakeVersion, created.Version);
    }

    [Fact]
    public async Task Reporting_appends_exactly_one_IncidentReported_and_one_IncidentPlaced_event_to_a_new_stream()
    {
        var streams = await app.StreamCount();
        var description = $"树木倒伏压住车辆 {Api.Unique()}";

        var created = await app.Client("call-taker-sun").ReportOk(Api.Report(description, category: "tree-fallen"));

        Assert.Equal(streams + 1, await app.StreamCount());
        var (reported, placed) = await app.IntakeEvents<IncidentPlaced>(created.Id);
        Assert.Equal(created.Id, reported.IncidentId);
        Assert.Equal(created.Number, reported.Number);
        Assert.Equal(Channel.Hotline, reported.Channel);
        Assert.Equal(new Caller("王女士", "13812345678"), reported.Caller);
        Assert.Equal(new GeoPoint(31.2304, 121.4737), reported.Location);
        Assert.Equal("tree-fallen", reported.Category);
        Assert.Equal(description, reported.Description);
        Assert.Equal(Urgency.Normal, reported.Urgency);
        Assert.Equal("call-taker-sun", reported.By);
        Assert.Equal(created.Id, placed.IncidentId);
        Assert.False(placed.Manual);
        Assert.Equal("call-taker-sun", placed.By);
        Assert.Equal(reported.At, placed.At);
    }

    [Fact]
    public async Task A_report_with_only_an_address_and_no_phone_is_accepted()
    {
        var report = Api.Report(callerPhone: null);
        report.Remove("lat");
        report.Remove("lon");
        report.Remove("callerName");
        report["channel"] = "grid";

        var created = await app.Client().ReportOk(report);

        var (reported, flagged) = await app.IntakeEvents<IncidentPlacementFlagged>(created.Id);
        Assert.Equal(PlacementProblem.AddressOnly, flagged.Problem);
        Assert.Null(reported.Location);
        Assert.Equal(new Caller(null, null), reported.Caller);
        Assert.Equal(Channel.Grid, reported.Channel);
    }

    [Fact]
    public async Task An_unknown_incident_is_not_found()
    {
        using var response = await app.Client().GetAsync($"/api/incidents/{Guid.NewGuid()}");

        var problem = await response.Problem(HttpStatusCode.NotFound);
        Assert.Equal("Unknown incident", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_repeat_caller_finds_their_earlier_incidents_newest_first()
    {
        var phone = Api.UniqueMobile();
        var first = await app.Client().ReportOk(Api.Report(callerPhone: phone));
        var second = await app.Client().ReportOk(Api.Report(callerPhone: phone));
        await app.Client().ReportOk(Api.Report(callerPhone: Api.UniqueMobile()));

        var earlier = await app.Client().GetJson($"/api/incidents?callerPhone={phone[..3]}-{phone[3..7]}-{phone[7..]}");

        Assert.Equal([second.Id, first.Id], earlier.EnumerateArray().Select(e => e.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Looking_up_a_caller_by_a_malformed_phone_names_the_field()
    {
        using var response = await app.Client().GetAsync("/api/incidents?callerPhone=12345");

        var errors = await response.FieldErrors();
        Assert.Equal(["callerPhone"], errors.Keys);
    }
}
