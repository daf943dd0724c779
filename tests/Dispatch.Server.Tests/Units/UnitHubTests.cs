using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Units;

/// <summary>
/// The unit hub over a real Kestrel server and a real SignalR client: assignments pushed to the unit's phone,
/// acknowledged, kept while it is offline and delivered once and in order when it comes back.
/// </summary>
public class UnitHubTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    /// <summary>A unit of the town with its own sign-in, on duty at the incidents' usual spot.</summary>
    async Task<(Guid Id, string Login)> UnitOnDuty(string callSign)
    {
        var login = Api.Unique("unit");
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Send(id, "on-duty");
        await Send(id, "position", new { lat = Api.ReportLat, lon = Api.ReportLon, accuracy = 10, reportedAt = DateTimeOffset.UtcNow });
        return (id, login);
    }

    async Task Send(Guid unit, string action, object? body = null)
    {
        using var response = await app.Client().PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }

    Task Say(Guid unit, string text) => Send(unit, "messages", new { text });

    static string Text(UnitMessage m) => Assert.IsType<DispatcherTextMessage>(m.Read()).Text;

    [Fact]
    public async Task An_assignment_is_pushed_to_the_units_phone_with_what_the_crew_needs_and_no_caller_details()
    {
        var (unit, login) = await UnitOnDuty("推送-01");
        var incident = await app.Client().Assigned();
        await using var phone = await UnitDevice.Connect(app, login);

        await Send(unit, "dispatch", new { incidentId = incident.Id });

        var pushed = await phone.Next(UnitMessageKind.Assignment);
        var assignment = Assert.IsType<AssignmentMessage>(pushed.Read());
        Assert.Equal(incident.Number, assignment.Number);
        Assert.Equal(incident.Id, assignment.IncidentId);
        Assert.StartsWith("geo:", assignment.MapUrl);
        Assert.Equal(Api.ReportLat, assignment.Lat!.Value, 6);
        Assert.DoesNotContain("caller", pushed.Body.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Accept_and_go_on_the_phone_acknowledges_the_incident_and_every_step_shows_on_its_timeline()
    {
        var (unit, login) = await UnitOnDuty("推送-02");
        var incident = await app.Client().Assigned();
        await using var phone = await UnitDevice.Connect(app, login);
        await Send(unit, "dispatch", new { incidentId = incident.Id });
        await phone.Next(UnitMessageKind.Assignment);

        var accepted = await phone.Call(UnitHubMethods.AcceptAndGo);
        var arrived = await phone.Call(UnitHubMethods.OnScene);
        var noted = await phone.Call(UnitHubMethods.Note, "现场已设置围挡");
        var resolved = await phone.Call(UnitHubMethods.Resolve, "坑洞已填平");

        Assert.All([accepted, arrived, noted, resolved], r => Assert.True(r.Ok, r.Message));
        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal("Resolved", detail.GetProperty("state").GetString());
        var steps = detail.GetProperty("timeline").EnumerateArray()
            .Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("by").GetString())).ToList();
        Assert.Contains(("UnitDispatched", DispatchApp.DefaultUser), steps);
        Assert.Contains(("UnitEnRoute", login), steps);
        Assert.Contains(("Acknowledged", login), steps);
        Assert.Contains(("UnitOnScene", login), steps);
        Assert.Contains(("ProgressNoted", login), steps);
        Assert.Contains(("Resolved", login), steps);
    }

    [Fact]
    public async Task A_phone_that_was_offline_receives_what_it_missed_once_and_in_order_and_never_what_it_acknowledged()
    {
        var (unit, login) = await UnitOnDuty("推送-03");
        await using (var before = await UnitDevice.Connect(app, login))
        {
            await Say(unit, "一");
            var first = await before.Next(UnitMessageKind.Text);
            Assert.True(await before.Ack(first.Seq));
        }

        // Offline: the dispatcher keeps talking.
        await Say(unit, "二");
        await Say(unit, "三");
        await Say(unit, "四");
        await using var after = await UnitDevice.Connect(app, login);
        await after.Until(all => all.Count(m => m.Kind == UnitMessageKind.Text) >= 3);
        // One more live message: delivery on a connection is ordered, so any duplicate of the missed ones would come before it.
        await Say(unit, "五");
        await after.Next(UnitMessageKind.Text, m => Text(m) == "五");

        var texts = after.Received().Where(m => m.Kind == UnitMessageKind.Text).ToList();
        Assert.Equal(["二", "三", "四", "五"], texts.Select(Text));
        Assert.Equal(texts.Select(m => m.Seq).Order(), texts.Select(m => m.Seq));
        Assert.Equal(texts.Count, texts.Select(m => m.Seq).Distinct().Count());
    }

    [Fact]
    public async Task A_message_not_acknowledged_comes_again_on_the_next_connection_and_an_acknowledgement_counts_once()
    {
        var (unit, login) = await UnitOnDuty("推送-04");
        long seq;
        await using (var first = await UnitDevice.Connect(app, login))
        {
            await Say(unit, "收到请回复");
            seq = (await first.Next(UnitMessageKind.Text)).Seq;
        }

        await using var second = await UnitDevice.Connect(app, login);
        var again = await second.Next(UnitMessageKind.Text);

        Assert.Equal((seq, "收到请回复"), (again.Seq, Text(again)));
        Assert.True(await second.Ack(seq));
        Assert.False(await second.Ack(seq));
    }

    [Fact]
    public async Task A_unit_off_duty_is_not_pushed_to_and_gets_what_was_kept_when_back_on_duty()
    {
        var (unit, login) = await UnitOnDuty("推送-05");
        await using var phone = await UnitDevice.Connect(app, login);
        var putOnDuty = await phone.Next(UnitMessageKind.Status); // the dispatcher put it on duty before it connected
        await phone.Ack(putOnDuty.Seq);
        Assert.True((await phone.Call(UnitHubMethods.OffDuty)).Ok);

        await Say(unit, "明早七点集合");
        await Send(unit, "on-duty"); // by the dispatcher: the unit is told of it too

        await phone.Until(all => all.Any(m => m.Kind == UnitMessageKind.Text));
        // Held while off duty, then delivered with the news that it is back on duty, in one push.
        var batch = phone.Batches()[^1];
        Assert.Equal([UnitMessageKind.Text, UnitMessageKind.Status], batch.Select(m => m.Kind));
        Assert.Equal(2, phone.Batches().Count);
    }

    [Fact]
    public async Task Closing_the_incident_tells_the_unit_it_is_released()
    {
        var (unit, login) = await UnitOnDuty("推送-06");
        var incident = await app.Client().Acknowledged();
        await using var phone = await UnitDevice.Connect(app, login);
        await Send(unit, "dispatch", new { incidentId = incident.Id });

        await app.Client().CommandOk(incident.Id, "resolve", new { department = Steps.Department, resolution = "处理完毕" });
        await app.Client().CommandOk(incident.Id, "callback", new { satisfaction = 5 });
        await app.Client().CommandOk(incident.Id, "close");

        var released = await phone.Next(UnitMessageKind.Released);
        Assert.Equal(incident.Number, Assert.IsType<ReleasedMessage>(released.Read()).IncidentNumber);
        Assert.Contains(phone.Received(), m => m.Read() is IncidentChangedMessage { Changes: var changes } && changes.Contains("Resolved"));
        Assert.Equal(Dispatch.Domain.Units.UnitStatus.Available, (await phone.Me()).Status);
        var timeline = (await app.Client().Detail(incident.Id)).GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString());
        Assert.Contains("UnitAvailable", timeline);
    }

    [Fact]
    public async Task A_move_the_rules_refuse_is_answered_with_its_code_and_changes_nothing()
    {
        var (unit, login) = await UnitOnDuty("推送-07");
        await using var phone = await UnitDevice.Connect(app, login);

        var reply = await phone.Call(UnitHubMethods.OnScene);

        Assert.False(reply.Ok);
        Assert.Equal("on-scene.not-en-route", reply.Code);
        Assert.Contains("推送-07", reply.Message);
        Assert.Equal(Dispatch.Domain.Units.UnitStatus.Available, (await phone.Me()).Status);
    }

    [Fact]
    public async Task A_unit_that_signs_out_is_disconnected_and_receives_no_more()
    {
        var (_, login) = await UnitOnDuty("推送-08");
        var phone = await UnitDevice.Connect(app, login);

        await phone.SignOut();

        await phone.Closed;
        Assert.Equal(HubConnectionState.Disconnected, phone.Connection.State);
        await phone.DisposeAsync();
    }

    [Fact]
    public async Task Only_a_units_own_sign_in_may_use_the_unit_hub()
    {
        var cookies = await app.SignIn("hub-dispatcher", new Grant(Role.Dispatcher, _scopes.Town.Path));
        await using var dispatcher = new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, UnitHub.Path), o => o.Cookies = cookies).Build();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        dispatcher.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await using var stranger = new HubConnectionBuilder().WithUrl(new Uri(app.BaseAddress, UnitHub.Path)).Build();

        var anonymous = await Assert.ThrowsAnyAsync<HttpRequestException>(() => stranger.StartAsync());
        try { await dispatcher.StartAsync(); } catch (Exception) { closed.TrySetResult(); }
        await closed.Task.WaitAsync(UnitDevice.Patience);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HubConnectionState.Disconnected, dispatcher.State);
    }

    [Fact]
    public async Task A_unit_is_sent_only_to_an_incident_its_department_works_on()
    {
        var (unit, _) = await UnitOnDuty("推送-09");
        var water = await app.Client().Assigned("civil-affairs");
        var accepted = await app.Client().Accepted();

        using var wrong = await app.Client().PostRaw($"/api/units/{unit}/dispatch", JsonSerializer.Serialize(new { incidentId = water.Id }));
        using var early = await app.Client().PostRaw($"/api/units/{unit}/dispatch", JsonSerializer.Serialize(new { incidentId = accepted.Id }));

        await wrong.Refusal("dispatch.department");
        await early.Refusal("dispatch.unassigned");
        var roster = (await app.Client().GetJson("/api/units")).EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == unit);
        Assert.Equal("Available", roster.GetProperty("status").GetString());
    }
}
