using System.Text.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Lifecycle;

/// <summary>
/// The closed loop through the API: accept → assign → acknowledge → progress → resolve → callback → close,
/// with return, reopen and cancel. Every step is an event with who and when (处处留痕).
/// </summary>
public sealed class IncidentLoopTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    const string Dept = "urban-management";

    /// <summary>Runs one step at a known time and returns that time.</summary>
    async Task<(Accepted Result, DateTimeOffset At)> Step(string who, Guid id, string action, object? body = null)
    {
        var at = app.Time.Advance(TimeSpan.FromMinutes(7));
        return (await app.Client(who).CommandOk(id, action, body), at);
    }

    static (long Version, string Kind, DateTimeOffset At, string By, string? Department, string? Text) Entry(JsonElement e) => (
        e.GetProperty("version").GetInt64(), e.GetProperty("kind").GetString()!, e.GetProperty("at").GetDateTimeOffset(),
        e.GetProperty("by").GetString()!,
        e.GetProperty("department").ValueKind == JsonValueKind.Null ? null : e.GetProperty("department").GetString(),
        e.GetProperty("text").ValueKind == JsonValueKind.Null ? null : e.GetProperty("text").GetString());

    static async Task<List<(long Version, string Kind, DateTimeOffset At, string By, string? Department, string? Text)>> Timeline(
        HttpClient client, Guid id) =>
        [.. (await client.Detail(id)).GetProperty("timeline").EnumerateArray().Select(Entry)];

    [Fact]
    public async Task The_whole_loop_through_the_api_leaves_a_timeline_of_who_did_what_and_when()
    {
        var reportedAt = app.Time.Advance(TimeSpan.FromMinutes(1));
        var incident = await app.Client("call-taker-li").ReportOk(Api.Report("路面塌陷，车辆绕行"));
        var id = incident.Id;

        var accepted = await Step("dispatcher-wang", id, "accept");
        var assigned = await Step("dispatcher-wang", id, "assign", new { department = Dept });
        var acknowledged = await Step("handler-chen", id, "acknowledge", new { department = Dept });
        var progress = await Step("handler-chen", id, "progress", new { department = Dept, note = "已设置围挡" });
        var resolved = await Step("handler-chen", id, "resolve", new { department = Dept, resolution = "已修复路面" });
        var callback = await Step("callback-zhou", id, "callback", new { satisfaction = 4, comment = "修得很快" });
        var closed = await Step("dispatcher-wang", id, "close");

        // Intake wrote versions 1 (reported), 2 (placed) and 3 (routed); each step adds one.
        Assert.Equal(Api.IntakeVersion, incident.Version);
        Assert.Equal([4L, 5, 6, 7, 8, 9, 10],
            new[] { accepted, assigned, acknowledged, progress, resolved, callback, closed }.Select(s => s.Result.Version));
        Assert.All(new[] { accepted, closed }, s => Assert.Equal(incident.Number, s.Result.Number));

        var timeline = await Timeline(app.Client(), id);
        Assert.Equal(
        [
            (1L, "Reported", reportedAt, "call-taker-li", (string?)null, (string?)"路面塌陷，车辆绕行"),
            (2L, "Placed", reportedAt, "call-taker-li", null, DemoCityMap.Tree().Place(31.2304, 121.4737).Finest!.Path),
            (3L, "Routed", reportedAt, "call-taker-li", Dept, "Town · everyday"),
            (4L, "Accepted", accepted.At, "dispatcher-wang", null, null),
            (5L, "Assigned", assigned.At, "dispatcher-wang", Dept, null),
            (6L, "Acknowledged", acknowledged.At, "handler-chen", Dept, null),
            (7L, "ProgressNoted", progress.At, "handler-chen", Dept, "已设置围挡"),
            (8L, "Resolved", resolved.At, "handler-chen", Dept, "已修复路面"),
            (9L, "CallbackRecorded", callback.At, "callback-zhou", null, "4/5 · 修得很快"),
            (10L, "Closed", closed.At, "dispatcher-wang", null, null),
        ], timeline);

        var detail = await app.Client().Detail(id);
        Assert.Equal("Closed", detail.GetProperty("state").GetString());
        Assert.Equal("已修复路面", detail.GetProperty("resolution").GetString());
        Assert.Equal(4, detail.GetProperty("satisfaction").GetInt32());
        Assert.Equal(closed.Result.Version, detail.GetProperty("version").GetInt64());

        var events = await app.Events(id);
        Assert.Equal(
            [typeof(IncidentReported), typeof(IncidentPlaced), typeof(IncidentRouted), typeof(IncidentAccepted), typeof(IncidentAssigned), typeof(IncidentAcknowledged),
             typeof(IncidentProgressNoted), typeof(IncidentResolved), typeof(CitizenCallbackRecorded), typeof(IncidentClosed)],
            events.Select(e => e.Data.GetType()));

        var board = await app.Client().GetJson("/api/board");
        Assert.DoesNotContain(board.EnumerateArray(), c => c.GetProperty("id").GetGuid() == id);
        var card = await app.Card(id);
        Assert.False(card!.IsOpen);
        Assert.Equal(IncidentState.Closed, card.State);
    }

    [Fact]
    public async Task The_board_card_follows_each_step_with_who_and_when()
    {
        var incident = await app.Client().Accepted();

        var assigned = await Step("dispatcher-qian", incident.Id, "assign", new { department = "water" });

        var card = await app.Card(incident.Id);
        Assert.Equal(IncidentState.Assigned, card!.State);
        Assert.Equal("water", card.LeadDepartment);
        Assert.Equal("dispatcher-qian", card.UpdatedBy);
        Assert.Equal(assigned.At, card.UpdatedAt);
        Assert.Equal(incident.Version + 1, assigned.Result.Version);
        Assert.Equal(assigned.Result.Version, card.Version);
    }

    [Fact]
    public async Task A_returned_incident_goes_back_to_the_queue_and_can_be_assigned_again()
    {
        var incident = await app.Client().Acknowledged("water");

        var returned = await Step("handler-water", incident.Id, "return", new { department = "water", reason = "不属于本部门职责" });

        var card = await app.Card(incident.Id);
        Assert.Equal(IncidentState.Accepted, card!.State);
        Assert.True(card.Returned);
        Assert.Null(card.LeadDepartment);
        var queue = await app.Client().GetJson("/api/board?state=Accepted");
        Assert.Contains(queue.EnumerateArray(), c => c.GetProperty("id").GetGuid() == incident.Id && c.GetProperty("returned").GetBoolean());

        var reassigned = await Step("dispatcher-wang", incident.Id, "assign", new { department = Dept });

        Assert.Equal(returned.Result.Version + 1, reassigned.Result.Version);
        card = await app.Card(incident.Id);
        Assert.Equal(IncidentState.Assigned, card!.State);
        Assert.Equal(Dept, card.LeadDepartment);
        Assert.False(card.Returned);
        var timeline = await Timeline(app.Client(), incident.Id);
        var (r, a) = (timeline[^2], timeline[^1]);
        Assert.Equal(("Returned", "handler-water", "water", "不属于本部门职责", returned.At), (r.Kind, r.By, r.Department, r.Text, r.At));
        Assert.Equal(("Assigned", "dispatcher-wang", Dept), (a.Kind, a.By, a.Department));
        // The new department acknowledges; the one that returned it no longer can.
        using var old = await app.Client().Command(incident.Id, "acknowledge", new { department = "water" });
        await old.Refusal("acknowledge.wrong-department");
        await app.Client().CommandOk(incident.Id, "acknowledge", new { department = Dept });
    }

    [Fact]
    public async Task Reassigning_before_acknowledgement_hands_it_to_the_new_department()
    {
        var incident = await app.Client().Assigned("water");

        await app.Client().CommandOk(incident.Id, "assign", new { department = "transport" });

        var card = await app.Card(incident.Id);
        Assert.Equal(("transport", IncidentState.Assigned), (card!.LeadDepartment, card.State));
        Assert.Equal(2, (await app.Events(incident.Id)).Count(e => e.Data is IncidentAssigned));
    }

    [Fact]
    public async Task Reopening_a_closed_incident_puts_it_back_in_the_queue_and_asks_for_a_new_callback()
    {
        var incident = await app.Client().Closed();
        Assert.DoesNotContain((await app.Client().GetJson("/api/board")).EnumerateArray(),
            c => c.GetProperty("id").GetGuid() == incident.Id);

        var reopened = await Step("supervisor-he", incident.Id, "reopen", new { reason = "市民反映问题复发" });

        var card = await app.Card(incident.Id);
        Assert.Equal(IncidentState.Accepted, card!.State);
        Assert.True(card.IsOpen);
        Assert.True(card.Reopened);
        Assert.Null(card.LeadDepartment);
        var board = await app.Client().GetJson("/api/board");
        Assert.Contains(board.EnumerateArray(), c => c.GetProperty("id").GetGuid() == incident.Id);
        var last = (await Timeline(app.Client(), incident.Id))[^1];
        Assert.Equal(("Reopened", "supervisor-he", "市民反映问题复发", reopened.At), (last.Kind, last.By, last.Text, last.At));

        // Round two: once resolved again, the citizen must be called back again before it closes.
        await app.Client().CommandOk(incident.Id, "assign", new { department = Dept });
        await app.Client().CommandOk(incident.Id, "acknowledge", new { department = Dept });
        await app.Client().CommandOk(incident.Id, "resolve", new { department = Dept, resolution = "彻底修复" });
        using var close = await app.Client().Command(incident.Id, "close");
        await close.Refusal("close.no-callback");
        await app.Client().CommandOk(incident.Id, "callback", new { satisfaction = 5 });
        await app.Client().CommandOk(incident.Id, "close");
        Assert.Equal(IncidentState.Closed, (await app.Card(incident.Id))!.State);
    }

    [Fact]
    public async Task A_resolved_incident_without_a_caller_phone_closes_without_a_callback()
    {
        var incident = await app.Client().Resolved(report: Api.Report(callerPhone: null));

        var closed = await app.Client().CommandOk(incident.Id, "close");

        Assert.Equal(incident.Version + 1, closed.Version);
        Assert.IsType<IncidentClosed>((await app.Events(incident.Id))[^1].Data);
    }

    [Fact]
    public async Task Cancelling_a_duplicate_takes_it_off_the_board_and_records_which_it_duplicates()
    {
        var original = await app.Client().ReportOk();
        var duplicate = await app.Client().Accepted();

        var cancelled = await Step("dispatcher-wang", duplicate.Id, "cancel", new { reason = "duplicate", note = original.Number });

        var card = await app.Card(duplicate.Id);
        Assert.Equal(IncidentState.Cancelled, card!.State);
        Assert.False(card.IsOpen);
        Assert.DoesNotContain((await app.Client().GetJson("/api/board")).EnumerateArray(),
            c => c.GetProperty("id").GetGuid() == duplicate.Id);
        var last = (await Timeline(app.Client(), duplicate.Id))[^1];
        Assert.Equal(("Cancelled", "dispatcher-wang", $"Duplicate: {original.Number}", cancelled.At), (last.Kind, last.By, last.Text, last.At));
        var e = Assert.IsType<IncidentCancelled>((await app.Events(duplicate.Id))[^1].Data);
        Assert.Equal(CancelReason.Duplicate, e.Reason);
    }

    [Fact]
    public async Task An_invalid_report_can_be_cancelled_straight_from_the_queue()
    {
        var incident = await app.Client().ReportOk();

        var cancelled = await app.Client().CommandOk(incident.Id, "cancel", new { reason = "invalid" });

        Assert.Equal(incident.Version + 1, cancelled.Version);
        Assert.Equal(IncidentState.Cancelled, (await app.Card(incident.Id))!.State);
    }

    [Fact]
    public async Task Locating_an_incident_moves_its_card_and_keeps_the_address_when_none_is_given()
    {
        var incident = await app.Client().ReportOk();

        var located = await app.Client().CommandOk(incident.Id, "locate", new { lat = 31.25, lon = 121.5 });

        Assert.Equal(incident.Version + 2, located.Version); // located, then placed again
        var card = await app.Card(incident.Id);
        Assert.Equal(new GeoPoint(31.25, 121.5), card!.Location);
        Assert.Equal("东湖区人民路 128 号", card.Address);
        Assert.Equal(located.Version, card.Version);
        var timeline = await Timeline(app.Client(), incident.Id);
        Assert.Equal(["Located", "Placed"], timeline[^2..].Select(e => e.Kind));
        Assert.Equal(DemoCityMap.Tree().Place(31.25, 121.5).Finest!.Path, timeline[^1].Text);
    }
}
