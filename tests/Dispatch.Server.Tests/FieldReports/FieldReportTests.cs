using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Tests.Photos;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.FieldReports;

/// <summary>
/// Grid workers report from the phone (无呼也应), over a real Kestrel server with a real SignalR client on the unit hub
/// and the HTTP equivalent: the report is an incident with channel grid in the worker's grid cell, credited to them,
/// routed like any other, pushed to the right board at once; sent twice it is one incident; fixed on the spot it still
/// has the whole record; "my reports" follows its state; bad fields are named; only a unit's own sign-in reports.
/// </summary>
public class FieldReportTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Urban = Steps.Department;
    readonly Scopes _scopes = new(app);

    /// <summary>A grid worker: a patrol unit of urban management at home in the town, with its own sign-in.</summary>
    async Task<(Guid Id, string Login, string CallSign)> GridWorker()
    {
        var login = Api.Unique("grid");
        var callSign = Api.Unique("网格");
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Urban, jurisdiction = _scopes.Town.Code, capabilities = new[] { "patrol" },
            members = new[] { "张网格" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        return ((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid(), login, callSign);
    }

    static FieldReport Found(string? description = null, string category = "road-damage", double lat = Api.ReportLat, double lon = Api.ReportLon,
        DateTimeOffset? occurredAt = null, bool fixedOnSpot = false, string? fix = null) =>
        new(Guid.NewGuid(), occurredAt ?? DateTimeOffset.UtcNow.AddMinutes(-3), category, description ?? $"井盖缺失 {Api.Unique("f")}",
            lat, lon, 8, fixedOnSpot, fix);

    static Task<FieldReportReply> Report(UnitDevice phone, FieldReport report) =>
        phone.Connection.InvokeAsync<FieldReportReply>(UnitHubMethods.Report, report).WaitAsync(UnitDevice.Patience);

    static Task<IReadOnlyList<FiledReport>> MyReports(UnitDevice phone) =>
        phone.Connection.InvokeAsync<IReadOnlyList<FiledReport>>(UnitHubMethods.MyReports).WaitAsync(UnitDevice.Patience);

    static List<(string? Kind, string? By)> Timeline(JsonElement detail) =>
        [.. detail.GetProperty("timeline").EnumerateArray().Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("by").GetString()))];

    [Fact]
    public async Task Given_a_grid_worker_when_they_report_from_the_phone_then_the_towns_board_gets_it_at_once_placed_in_their_cell_and_credited_to_them()
    {
        var (_, login, callSign) = await GridWorker();
        await using var townBoard = await BoardClient.Connect(app, "field-town-board", new Grant(Role.Dispatcher, _scopes.Town.Path));
        await using var otherBoard = await BoardClient.Connect(app, "field-other-board", new Grant(Role.Dispatcher, _scopes.OtherTown.Path));
        await using var phone = await UnitDevice.Connect(app, login);
        var found = Found(occurredAt: DateTimeOffset.UtcNow.AddMinutes(-40));

        var reply = await Report(phone, found);

        Assert.True(reply.Ok, reply.Message);
        var card = await townBoard.Next(c => c.Id == reply.IncidentId);
        Assert.Equal((reply.Number, Dispatch.Domain.Incidents.Channel.Grid), (card.Number, card.Channel));
        Assert.Equal(_scopes.Grid.Path, card.Place?.Path);
        Assert.Equal(Urban, card.SuggestedDepartment);
        var detail = await app.Client().Detail(reply.IncidentId!.Value);
        Assert.Equal((login, callSign), (detail.GetProperty("foundBy").GetString(), detail.GetProperty("foundByCallSign").GetString()));
        // When the worker tapped is kept beside when it arrived.
        Assert.Equal(found.OccurredAt.ToUnixTimeMilliseconds(), detail.GetProperty("occurredAt").GetDateTimeOffset().ToUnixTimeMilliseconds());
        Assert.True(detail.GetProperty("reportedAt").GetDateTimeOffset() > found.OccurredAt.AddMinutes(30));
        Assert.Equal([("Reported", login), ("Placed", login), ("Routed", login)], Timeline(detail));
        Assert.Contains(callSign, detail.GetProperty("timeline")[0].GetProperty("text").GetString());
        Assert.Equal(_scopes.Town.Path, detail.GetProperty("receivedAt").GetString());
        Assert.DoesNotContain(otherBoard.Received(), c => c.Id == reply.IncidentId);
    }

    [Fact]
    public async Task Given_a_report_sent_twice_with_the_same_id_then_there_is_one_incident_and_the_second_answer_is_the_first()
    {
        var (_, login, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        var found = Found();

        var first = await Report(phone, found);
        var before = await Dispatch.Server.Tests.BadInput.Written.Count(app);
        var again = await Report(phone, found);
        using var overHttp = await HttpAs(login).PostAsJsonAsync("/api/field/reports", found, JsonSerializerOptions.Web);
        var after = await Dispatch.Server.Tests.BadInput.Written.Count(app);

        Assert.True(first.Ok && again.Ok, again.Message);
        Assert.Equal((first.IncidentId, first.Number), (again.IncidentId, again.Number));
        await overHttp.ShouldBe(HttpStatusCode.OK);
        Assert.Equal(first.IncidentId, (await overHttp.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        Assert.Equal("", before.Difference(after));
        Assert.Single(await MyReports(phone), r => r.Description == found.Description);
    }

    [Fact]
    public async Task Given_the_same_id_with_other_content_or_from_another_worker_then_it_is_refused_and_answers_no_incident()
    {
        var (_, login, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        var found = Found();
        Assert.True((await Report(phone, found)).Ok);

        var reused = await Report(phone, found with { Description = "另一件事" });
        // Another worker's phone with the same id: not theirs to replay (the key is bound to the sign-in).
        var (_, colleague, _) = await GridWorker();
        await using var otherPhone = await UnitDevice.Connect(app, colleague);
        var borrowed = await Report(otherPhone, found);

        Assert.False(reused.Ok);
        Assert.Equal("intake.key-reused", reused.Code);
        Assert.Equal((false, "intake.key-reused", (Guid?)null), (borrowed.Ok, borrowed.Code, borrowed.IncidentId));
        Assert.Empty(await MyReports(otherPhone));
    }

    [Fact]
    public async Task Given_a_matter_fixed_on_the_spot_then_the_incident_has_the_whole_record_in_the_workers_name_and_ends_closed_without_a_callback()
    {
        var (_, login, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);

        var reply = await Report(phone, Found(fixedOnSpot: true, fix: "已放置临时井盖并设警示"));

        Assert.True(reply.Ok, reply.Message);
        var detail = await app.Client().Detail(reply.IncidentId!.Value);
        Assert.Equal("Closed", detail.GetProperty("state").GetString());
        Assert.True(detail.GetProperty("fixedOnSpot").GetBoolean());
        Assert.Equal("已放置临时井盖并设警示", detail.GetProperty("resolution").GetString());
        Assert.Equal(
            ["Reported", "Placed", "Routed", "Accepted", "Assigned", "Acknowledged", "Resolved", "Closed"],
            Timeline(detail).Select(s => s.Kind));
        Assert.All(Timeline(detail), s => Assert.Equal(login, s.By));
        Assert.Equal(Urban, detail.GetProperty("leadDepartment").GetString());
        Assert.False(detail.GetProperty("callbackRecorded").GetBoolean());
        // Closed at once: the worker's list shows it closed.
        Assert.Equal("Closed", Assert.Single(await MyReports(phone), r => r.IncidentId == reply.IncidentId).Status);
        Assert.True(Assert.Single(await MyReports(phone), r => r.IncidentId == reply.IncidentId).FixedOnSpot);
    }

    [Fact]
    public async Task Given_a_report_fixed_on_the_spot_and_closed_then_its_worker_still_attaches_the_photo_and_nobody_else_does()
    {
        var (_, login, _) = await GridWorker();
        var (_, colleague, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        var reply = await Report(phone, Found(fixedOnSpot: true, fix: "已清理"));

        using var photo = await HttpAs(login).PostAsync(PhotoApiTests.Url(reply.IncidentId!.Value), PhotoApiTests.Form(Photo.Jpeg(300), "fix.jpg", "image/jpeg", "处置后"));
        using var other = await HttpAs(colleague).PostAsync(PhotoApiTests.Url(reply.IncidentId!.Value), PhotoApiTests.Form(Photo.Jpeg(300), "fix.jpg", "image/jpeg"));

        await photo.ShouldBe(HttpStatusCode.Created);
        // A colleague of the same department works it like any other: once closed it takes no more photos.
        await other.Refusal("incident.closed");
        var detail = await app.Client().Detail(reply.IncidentId!.Value);
        Assert.Equal(("PhotoAttached", login), Timeline(detail)[^1]);
        Assert.Equal("Closed", detail.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Given_a_report_routed_to_another_department_then_the_worker_who_found_it_attaches_photos_to_it()
    {
        var (_, login, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        // Water supply is the water department's, commanded by the district: not the worker's department.
        var reply = await Report(phone, Found(category: "water-supply", description: $"路边水管爆裂 {Api.Unique("w")}"));
        var dispatcher = app.Client();
        // Routed by the policy like any other report of its category.
        var routed = await dispatcher.Detail(reply.IncidentId!.Value);
        Assert.Equal(("District", "water"), (routed.GetProperty("level").GetString(), routed.GetProperty("suggestedDepartment").GetString()));
        await dispatcher.CommandOk(reply.IncidentId!.Value, "accept");
        await dispatcher.CommandOk(reply.IncidentId!.Value, "assign", new { department = "water" });

        using var photo = await HttpAs(login).PostAsync(PhotoApiTests.Url(reply.IncidentId!.Value), PhotoApiTests.Form(Photo.Png(4, 4)));

        await photo.ShouldBe(HttpStatusCode.Created);
        var detail = await dispatcher.Detail(reply.IncidentId!.Value);
        Assert.Equal("water", detail.GetProperty("leadDepartment").GetString());
        Assert.Equal(("PhotoAttached", login), Timeline(detail)[^1]);
    }

    [Fact]
    public async Task Given_reports_filed_then_my_reports_lists_only_mine_newest_first_with_their_state_as_it_changes()
    {
        var (_, login, _) = await GridWorker();
        var (_, colleague, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        await using var otherPhone = await UnitDevice.Connect(app, colleague);
        var older = await Report(phone, Found());
        var newer = await Report(phone, Found());
        var theirs = await Report(otherPhone, Found());

        var before = await MyReports(phone);
        await app.Client().CommandOk(newer.IncidentId!.Value, "accept");
        var after = await MyReports(phone);
        var overHttp = await HttpAs(login).GetJson("/api/field/reports");

        Assert.Equal([newer.IncidentId!.Value, older.IncidentId!.Value], before.Select(r => r.IncidentId));
        Assert.Equal(["Reported", "Reported"], before.Select(r => r.Status));
        Assert.Equal(["Accepted", "Reported"], after.Select(r => r.Status));
        Assert.True(after[0].UpdatedAt > before[0].UpdatedAt);
        Assert.DoesNotContain(after, r => r.IncidentId == theirs.IncidentId);
        Assert.Equal([newer.IncidentId!.Value, older.IncidentId!.Value], overHttp.EnumerateArray().Select(r => r.GetProperty("incidentId").GetGuid()));
    }

    public static TheoryData<string, string> BadFields => new()
    {
        { "category", """{"category":"no-such-category"}""" },
        { "category", """{"category":""}""" },
        { "description", """{"description":"   "}""" },
        { "description", $$"""{"description":"{{new string('长', 2001)}}"}""" },
        { "latitude", """{"latitude":91}""" },
        { "longitude", """{"longitude":-181}""" },
        { "occurredAt", $$"""{"occurredAt":"{{DateTimeOffset.UtcNow.AddHours(1):O}}"}""" },
        { "occurredAt", $$"""{"occurredAt":"{{DateTimeOffset.UtcNow.AddDays(-30):O}}"}""" },
        { "id", $$"""{"id":"{{Guid.Empty}}"}""" },
        { "fix", """{"fixedOnSpot":true,"fix":null}""" },
        { "fix", """{"fixedOnSpot":false,"fix":"修好了"}""" },
        // Outside the city: nobody could be sent.
        { "latitude", """{"latitude":39.9,"longitude":116.4}""" },
    };

    [Theory, MemberData(nameof(BadFields))]
    public async Task Given_a_bad_field_then_the_report_is_refused_naming_it_on_the_hub_and_over_http_and_nothing_is_written(string field, string change)
    {
        var (_, login, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        var body = JsonSerializer.SerializeToNode(Found(), JsonSerializerOptions.Web)!.AsObject();
        foreach (var (name, value) in JsonNode(change)) body[name] = value?.DeepClone();
        var before = await Dispatch.Server.Tests.BadInput.Written.Count(app);

        var reply = await Report(phone, body.Deserialize<FieldReport>(JsonSerializerOptions.Web)!);
        using var response = await HttpAs(login).PostRaw("/api/field/reports", body.ToJsonString());

        Assert.False(reply.Ok);
        Assert.Equal(field, reply.Field);
        Assert.False(string.IsNullOrWhiteSpace(reply.Message));
        await response.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Contains(field, (await response.FieldErrors()).Keys);
        Assert.Equal("", before.Difference(await Dispatch.Server.Tests.BadInput.Written.Count(app)));
        Assert.Empty(await MyReports(phone));

        static System.Text.Json.Nodes.JsonObject JsonNode(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
    }

    [Fact]
    public async Task Given_an_empty_body_over_http_then_every_missing_field_is_named_and_nothing_is_written()
    {
        var (_, login, _) = await GridWorker();
        var before = await Dispatch.Server.Tests.BadInput.Written.Count(app);

        using var response = await HttpAs(login).PostRaw("/api/field/reports", "{}");

        await response.ShouldBe(HttpStatusCode.BadRequest);
        Assert.Equal(["category", "description", "id", "latitude", "longitude", "occurredAt"], (await response.FieldErrors()).Keys.Order());
        Assert.Equal("", before.Difference(await Dispatch.Server.Tests.BadInput.Written.Count(app)));
    }

    [Fact]
    public async Task Given_someone_who_is_not_a_field_unit_then_reporting_and_listing_are_forbidden_and_audited()
    {
        var dispatcher = _scopes.As(app, Role.Dispatcher, Where.Town, tag: "fr");
        // A handler holds a department but no unit on the roll.
        var handler = _scopes.As(app, Role.Handler, Where.Town, Urban, tag: "fr");

        using var filed = await dispatcher.PostAsJsonAsync("/api/field/reports", Found(), JsonSerializerOptions.Web);
        using var listed = await handler.GetAsync("/api/field/reports");
        using var handlerFiled = await handler.PostAsJsonAsync("/api/field/reports", Found(), JsonSerializerOptions.Web);

        await filed.ShouldBe(HttpStatusCode.Forbidden);
        await listed.ShouldBe(HttpStatusCode.Forbidden);
        await handlerFiled.ShouldBe(HttpStatusCode.Forbidden);
        var auditor = app.Client("field-report-auditor", "en", new Grant(Role.Leader, _scopes.City.Path));
        var entries = (await auditor.GetJson($"/api/audit?user={Scopes.Login(Role.Dispatcher, Where.Town, tag: "fr")}")).EnumerateArray().ToList();
        var refused = Assert.Single(entries, e => e.GetProperty("action").GetString() == "incident.report");
        Assert.False(refused.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task Given_a_worker_reporting_in_a_neighbouring_town_then_it_goes_to_that_town_with_their_desk_recorded_and_still_credited()
    {
        var (_, login, _) = await GridWorker();
        await using var phone = await UnitDevice.Connect(app, login);
        var there = _scopes.OtherTown.Boundary.InteriorPoint;

        var reply = await Report(phone, Found(lat: there.Y, lon: there.X));

        Assert.True(reply.Ok, reply.Message);
        var detail = await app.Client().Detail(reply.IncidentId!.Value);
        Assert.StartsWith(_scopes.OtherTown.Path, detail.GetProperty("place").GetProperty("path").GetString());
        Assert.Equal(_scopes.Town.Path, detail.GetProperty("receivedAt").GetString());
        Assert.Contains(("Forwarded", login), Timeline(detail));
        Assert.Contains(await MyReports(phone), r => r.IncidentId == reply.IncidentId);
    }

    /// <summary>An HTTP client with the unit's own sign-in (the account exists already: made with the unit).</summary>
    HttpClient HttpAs(string login) => app.Client(login);
}
