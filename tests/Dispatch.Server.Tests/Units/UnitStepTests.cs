using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.BadInput;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Units;

/// <summary>
/// The phone's offline queue arriving over the unit hub (<see cref="UnitHubMethods.Step"/>) on a real Kestrel server:
/// each step applied once per phone-made id, at the time the crew tapped, with the time it arrived kept beside it;
/// a field out of bounds refused by name with nothing written.
/// </summary>
public class UnitStepTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

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
        return (id, login);
    }

    async Task Send(Guid unit, string action, object? body = null)
    {
        using var response = await app.Client().PostRaw($"/api/units/{unit}/{action}", JsonSerializer.Serialize(body ?? new { }, JsonSerializerOptions.Web));
        await response.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>A unit on duty, sent to an assigned incident, its phone connected and holding the assignment.</summary>
    async Task<(Guid Unit, Accepted Incident, UnitDevice Phone, string Login)> Dispatched(string callSign)
    {
        var (unit, login) = await UnitOnDuty(callSign);
        var incident = await app.Client().Assigned();
        var phone = await UnitDevice.Connect(app, login);
        await Send(unit, "dispatch", new { incidentId = incident.Id });
        await phone.Next(UnitMessageKind.Assignment);
        return (unit, incident, phone, login);
    }

    static Task<UnitReply> Step(UnitDevice phone, QueuedStep step) => phone.Call(UnitHubMethods.Step, step);

    async Task<long> EventCount()
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.Events.QueryAllRawEvents().CountAsync();
    }

    static DateTimeOffset Ms(DateTimeOffset t) => new(t.Ticks - t.Ticks % TimeSpan.TicksPerMillisecond, t.Offset);

    [Fact]
    public async Task Given_steps_made_offline_when_they_arrive_later_twice_then_each_is_applied_once_in_order_at_its_tap_time_with_its_arrival_time()
    {
        var (_, incident, phone, login) = await Dispatched("离线-01");
        await using var _ = phone;
        var tapped = Ms(DateTimeOffset.UtcNow.AddMinutes(-13));
        QueuedStep[] queue =
        [
            new(Guid.NewGuid(), UnitSteps.AcceptAndGo, tapped, IncidentId: incident.Id),
            new(Guid.NewGuid(), UnitSteps.OnScene, tapped.AddMinutes(4), IncidentId: incident.Id),
            new(Guid.NewGuid(), UnitSteps.Note, tapped.AddMinutes(6), "地下车库无信号，现场已设置围挡", IncidentId: incident.Id),
            new(Guid.NewGuid(), UnitSteps.Resolve, tapped.AddMinutes(9), "积水已排除", IncidentId: incident.Id),
        ];
        var arrivedFrom = DateTimeOffset.UtcNow;

        var first = new List<UnitReply>();
        foreach (var step in queue) first.Add(await Step(phone, step));
        var events = await EventCount();
        // The phone did not hear the answers: it sends the whole queue again.
        var again = new List<UnitReply>();
        foreach (var step in queue) again.Add(await Step(phone, step));

        Assert.All(first, r => Assert.True(r.Ok, r.Message));
        Assert.Equal(first, again);
        Assert.Equal(events, await EventCount());
        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal("Resolved", detail.GetProperty("state").GetString());
        var byPhone = detail.GetProperty("timeline").EnumerateArray()
            .Where(t => t.GetProperty("by").GetString() == login && t.GetProperty("kind").GetString() != "Acknowledged")
            .Select(t => (Kind: t.GetProperty("kind").GetString(), At: t.GetProperty("at").GetDateTimeOffset(),
                Received: t.GetProperty("receivedAt").GetDateTimeOffset()))
            .ToList();
        Assert.Equal(["UnitEnRoute", "UnitOnScene", "ProgressNoted", "Resolved"], byPhone.Select(s => s.Kind));
        Assert.Equal(queue.Select(s => s.OccurredAt), byPhone.Select(s => s.At));
        Assert.All(byPhone, s => Assert.True(s.Received >= arrivedFrom.AddSeconds(-1), $"{s.Kind} received {s.Received:O}"));
    }

    [Fact]
    public async Task Given_one_step_sent_five_times_at_once_when_they_race_then_it_is_applied_once()
    {
        var (_, incident, phone, _) = await Dispatched("离线-02");
        await using var _ = phone;
        Assert.True((await Step(phone, new(Guid.NewGuid(), UnitSteps.AcceptAndGo, DateTimeOffset.UtcNow.AddMinutes(-2)))).Ok);
        var note = new QueuedStep(Guid.NewGuid(), UnitSteps.Note, DateTimeOffset.UtcNow.AddMinutes(-1), "到达路口");

        var replies = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Step(phone, note)));

        Assert.All(replies, r => Assert.True(r.Ok, r.Message));
        Assert.Single(replies.Select(r => r.Version).Distinct());
        var notes = (await app.Client().Detail(incident.Id)).GetProperty("timeline").EnumerateArray()
            .Count(t => t.GetProperty("kind").GetString() == "ProgressNoted");
        Assert.Equal(1, notes);
    }

    public static TheoryData<string, string, string> OutOfBounds() => new()
    {
        { """{"id":"00000000-0000-0000-0000-000000000000","step":"OnScene","occurredAt":"$now"}""", "id", "step.id" },
        { """{"id":"$id","step":"Teleport","occurredAt":"$now"}""", "step", "step.unknown" },
        { """{"id":"$id","step":"","occurredAt":"$now"}""", "step", "step.unknown" },
        { """{"id":"$id","step":"OnScene"}""", "occurredAt", "step.occurred-at" },
        { """{"id":"$id","step":"OnScene","occurredAt":"$future"}""", "occurredAt", "step.future" },
        { """{"id":"$id","step":"OnScene","occurredAt":"2000-01-01T00:00:00Z"}""", "occurredAt", "step.too-old" },
        { """{"id":"$id","step":"Note","occurredAt":"$now","text":"   "}""", "text", "step.text" },
        { """{"id":"$id","step":"Resolve","occurredAt":"$now","text":"$long"}""", "text", "step.text-too-long" },
        { """{"id":"$id","step":"Position","occurredAt":"$now","longitude":121.47}""", "latitude", "step.latitude" },
        { """{"id":"$id","step":"Position","occurredAt":"$now","latitude":91,"longitude":121.47}""", "latitude", "position.lat" },
        { """{"id":"$id","step":"Position","occurredAt":"$now","latitude":31.2,"longitude":-181}""", "longitude", "position.lon" },
        { """{"id":"$id","step":"OnScene","occurredAt":"$now","incidentId":"$id"}""", "incidentId", "step.incident-changed" },
    };

    [Theory]
    [MemberData(nameof(OutOfBounds))]
    public async Task Given_a_step_with_a_field_out_of_bounds_when_it_arrives_then_it_is_refused_naming_the_field_and_nothing_is_written(
        string json, string field, string code)
    {
        var (_, _, phone, _) = await Dispatched(Api.Unique("离线-界"));
        await using var _ = phone;
        var body = json.Replace("$id", Guid.NewGuid().ToString()).Replace("$now", DateTimeOffset.UtcNow.AddSeconds(-5).ToString("O"))
            .Replace("$future", DateTimeOffset.UtcNow.AddMinutes(30).ToString("O")).Replace("$long", new string('长', 2001));
        var before = await Written.Count(app);

        var reply = await phone.Connection.InvokeCoreAsync<UnitReply>(UnitHubMethods.Step, [JsonDocument.Parse(body).RootElement.Clone()])
            .WaitAsync(UnitDevice.Patience);

        Assert.False(reply.Ok);
        Assert.Equal(code, reply.Code);
        Assert.Equal(field, reply.Field);
        Assert.False(string.IsNullOrWhiteSpace(reply.Message));
        Assert.Equal("", before.Difference(await Written.Count(app)));
    }

    [Fact]
    public async Task Given_no_step_at_all_when_null_arrives_then_it_is_refused_naming_the_step()
    {
        var (_, login) = await UnitOnDuty("离线-03");
        await using var phone = await UnitDevice.Connect(app, login);

        var reply = await phone.Connection.InvokeCoreAsync<UnitReply>(UnitHubMethods.Step, [null]).WaitAsync(UnitDevice.Patience);

        Assert.Equal(("step.missing", "step"), (reply.Code, reply.Field));
    }

    [Fact]
    public async Task Given_a_step_id_another_units_phone_used_when_it_arrives_then_it_is_refused_naming_the_id()
    {
        var (_, one) = await UnitOnDuty("离线-04");
        var (_, other) = await UnitOnDuty("离线-05");
        await using var first = await UnitDevice.Connect(app, one);
        await using var second = await UnitDevice.Connect(app, other);
        var id = Guid.NewGuid();
        Assert.True((await Step(first, new(id, UnitSteps.OffDuty, DateTimeOffset.UtcNow.AddMinutes(-1)))).Ok);

        var reply = await Step(second, new(id, UnitSteps.OffDuty, DateTimeOffset.UtcNow.AddMinutes(-1)));

        Assert.Equal(("step.id-taken", "id"), (reply.Code, reply.Field));
        Assert.Equal("Available", (await second.Me()).Status.ToString());
    }

    [Fact]
    public async Task Given_a_position_kept_offline_when_it_arrives_then_the_telemetry_path_keeps_it_at_its_real_time()
    {
        var (unit, login) = await UnitOnDuty("离线-06");
        await using var phone = await UnitDevice.Connect(app, login);
        var fixedAt = Ms(DateTimeOffset.UtcNow.AddMinutes(-7));

        var reply = await Step(phone, new(Guid.NewGuid(), UnitSteps.Position, fixedAt, Latitude: Api.ReportLat, Longitude: Api.ReportLon, Accuracy: 12));

        Assert.True(reply.Ok, reply.Message);
        var me = await phone.Me();
        Assert.Equal(unit, me.Id);
        Assert.Equal(fixedAt, me.PositionAt);
        Assert.Equal(Api.ReportLat, me.Lat!.Value, 6);
    }
}
