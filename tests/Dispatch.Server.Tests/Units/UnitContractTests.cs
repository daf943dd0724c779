using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Chat;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Dispatch.Server.Tests.Units;

/// <summary>
/// The unit-message contract end to end: what the server stores is what a SignalR client on a real Kestrel server
/// reads back as the kind's record, with enums as names; bodies a reader does not know, and bodies stored before the
/// contract (enums as numbers, no version), still read.
/// </summary>
public class UnitContractTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    static readonly Guid Incident = Guid.Parse("6f1c2b0e-8d7a-4f53-9a41-2f3b9c1d7e55");
    static readonly DateTimeOffset Since = new(2026, 11, 23, 9, 0, 0, TimeSpan.FromHours(8));

    /// <summary>One body of each kind, as its writer makes it.</summary>
    public static TheoryData<string, UnitMessageBody> EachKind() => new()
    {
        { UnitMessageKind.Assignment, new AssignmentMessage(Incident, "20261123-0042", "road-damage", Urgency.High, "坑洞", "人民路 1 号",
            31.2304, 121.4737, "geo:31.230400,121.473700?q=31.230400,121.473700", "demo/dh/dh-01", "urban-management", "dispatcher") },
        { UnitMessageKind.Incident, new IncidentChangedMessage(Incident, "20261123-0042", IncidentState.Resolved, CommandLevel.District,
            "urban-management", ["Resolved"], "dispatcher") },
        { UnitMessageKind.Status, new StatusSetMessage("off-duty", null, "dispatcher") },
        { UnitMessageKind.Released, new ReleasedMessage(Incident, "20261123-0042", "dispatcher") },
        { UnitMessageKind.Text, new DispatcherTextMessage("dispatcher", "李调度", "回电中心") },
        { UnitMessageKind.Overdue, new OverdueMessage(Incident, "20261123-0042", UnitStatus.Dispatched, Since, 5) },
    };

    [Theory]
    [MemberData(nameof(EachKind))]
    public async Task Each_kind_the_server_posts_reaches_a_signalr_client_as_its_record_with_enums_as_names(string kind, UnitMessageBody body)
    {
        var (unit, login) = await UnitOnDuty("契约-" + kind);
        await using var phone = await UnitDevice.Connect(app, login);

        await using (var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            UnitMailbox.Post(session, unit, kind, body, DateTimeOffset.UtcNow);
            await session.SaveChangesAsync();
        }

        var received = await phone.Next(kind);
        var read = received.Read();
        Assert.IsType(body.GetType(), read);
        Assert.Equivalent(body, read, strict: true);
        Assert.Equal(UnitMessageBody.Current, received.Body.GetProperty("v").GetInt32());
        Assert.DoesNotContain(received.Body.EnumerateObject(), p => p.NameEquals("kind"));
        // Enum fields travel as names, not numbers.
        foreach (var name in new[] { "urgency", "state", "level", "status" })
            if (received.Body.TryGetProperty(name, out var value))
                Assert.Equal(JsonValueKind.String, value.ValueKind);
    }

    [Fact]
    public async Task A_body_stored_before_the_contract_with_enums_as_numbers_and_no_version_still_reads_and_goes_out_with_names()
    {
        var (unit, login) = await UnitOnDuty("契约-旧");
        // Exactly what UnitService.Assignment's anonymous object and the mailbox's web defaults stored.
        await Store(unit, UnitMessageKind.Assignment, JsonSerializer.Serialize(new
        {
            IncidentId = Incident, Number = "20261123-0042", Category = "road-damage", Urgency = Urgency.High, Description = "坑洞",
            Address = "人民路 1 号", Lat = 31.2304, Lon = 121.4737, MapUrl = (string?)null, Place = (string?)null,
            LeadDepartment = "urban-management", By = "dispatcher",
        }, JsonSerializerOptions.Web));
        await Store(unit, UnitMessageKind.Overdue, JsonSerializer.Serialize(new
        {
            IncidentId = Incident, IncidentNumber = "20261123-0042", Status = UnitStatus.OnScene, Since, LimitMinutes = 60,
        }, JsonSerializerOptions.Web));

        await using var phone = await UnitDevice.Connect(app, login);

        var assignment = await phone.Next(UnitMessageKind.Assignment);
        var a = Assert.IsType<AssignmentMessage>(assignment.Read());
        Assert.Equal((Incident, Urgency.High, "20261123-0042"), (a.IncidentId, a.Urgency, a.Number));
        Assert.Equal("High", assignment.Body.GetProperty("urgency").GetString());
        Assert.Equal(1, assignment.Body.GetProperty("v").GetInt32());
        var overdue = Assert.IsType<OverdueMessage>((await phone.Next(UnitMessageKind.Overdue)).Read());
        Assert.Equal((UnitStatus.OnScene, 60), (overdue.Status, overdue.LimitMinutes));
    }

    [Fact]
    public async Task A_kind_or_a_field_or_a_value_this_build_does_not_know_reaches_the_client_and_reads_without_failing()
    {
        var (unit, login) = await UnitOnDuty("契约-新");
        await Store(unit, "weather", """{"v":2,"warning":"台风","level":"Red"}""");
        await Store(unit, UnitMessageKind.Text, """{"v":2,"from":"dispatcher","fromName":"李调度","text":"回电中心","priority":"urgent","attachments":[1,2]}""");
        await Store(unit, UnitMessageKind.Overdue, """{"v":2,"incidentId":"6f1c2b0e-8d7a-4f53-9a41-2f3b9c1d7e55","incidentNumber":"20261123-0042","status":"Standby","since":"2026-11-23T09:00:00+08:00","limitMinutes":5}""");

        await using var phone = await UnitDevice.Connect(app, login);
        await phone.Until(all => all.Count >= 3);

        var (weather, text, overdue) = (phone.Received()[0], phone.Received()[1], phone.Received()[2]);
        Assert.Equal("台风", Assert.IsType<UnknownMessage>(weather.Read()).Body.GetProperty("warning").GetString());
        Assert.Equal("weather", weather.Read().Kind);
        // A newer version of a known kind: the fields this build knows are read, the rest ignored (and passed on as stored).
        var words = Assert.IsType<DispatcherTextMessage>(text.Read());
        Assert.Equal(("李调度", "回电中心", 2), (words.FromName, words.Text, words.ContractVersion));
        Assert.Equal("urgent", text.Body.GetProperty("priority").GetString());
        // A status a newer server added: the message cannot be typed, so it is shown generically.
        Assert.Equal(UnitMessageKind.Overdue, Assert.IsType<UnknownMessage>(overdue.Read()).Kind);
        Assert.True(await phone.Ack(overdue.Seq));
    }

    [Fact]
    public void The_reader_takes_enums_as_numbers_or_names_and_anything_else_as_unknown()
    {
        var numbers = JsonSerializer.SerializeToElement(new { status = (int)UnitStatus.Dispatched, incidentNumber = "1", limitMinutes = 5 });
        Assert.Equal(UnitStatus.Dispatched, ((OverdueMessage)UnitMessageBody.Read(UnitMessageKind.Overdue, numbers)).Status);
        Assert.Equal(UnitStatus.Dispatched, ((OverdueMessage)UnitMessageBody.Read(UnitMessageKind.Overdue,
            JsonSerializer.SerializeToElement(new { status = "dispatched" }))).Status);
        Assert.IsType<UnknownMessage>(UnitMessageBody.Read(UnitMessageKind.Assignment, JsonSerializer.SerializeToElement("not an object")));
        Assert.IsType<UnknownMessage>(UnitMessageBody.Read(UnitMessageKind.Assignment, JsonSerializer.SerializeToElement(new { incidentId = "not a guid" })));
        Assert.Equal(1, UnitMessageBody.Read(UnitMessageKind.Status, JsonSerializer.SerializeToElement(new { command = "on-duty" })).ContractVersion);
    }

    [Fact]
    public void The_contracts_method_names_are_the_hubs_methods()
    {
        static void Same(Type names, Type hub)
        {
            var declared = names.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.Name != "Path").Select(f => (string)f.GetValue(null)!);
            var methods = hub.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => !m.IsSpecialName && m.Name is not ("OnConnectedAsync" or "OnDisconnectedAsync")).Select(m => m.Name);
            Assert.Equal(methods.Order(), declared.Order());
        }
        Same(typeof(UnitHubMethods), typeof(UnitHub));
        Same(typeof(ChatHubMethods), typeof(ChatHub));
        Same(typeof(BoardHubMethods), typeof(BoardHub));
        Assert.Equal((UnitHubMethods.Path, ChatHubMethods.Path, BoardHubMethods.Path), (UnitHub.Path, ChatHub.Path, BoardHub.Path));
    }

    /// <summary>A row as some other build of the server stored it (the phone is not connected yet: it gets it on connect).</summary>
    async Task Store(Guid unit, string kind, string body)
    {
        await using var command = app.Services.GetRequiredService<NpgsqlDataSource>().CreateCommand(
            $"with next as (insert into {UnitMailbox.CountersTable} (unit_id, last_seq) values ($1, 1) " +
            $"on conflict (unit_id) do update set last_seq = {UnitMailbox.CountersTable}.last_seq + 1 returning last_seq) " +
            $"insert into {UnitMailbox.MessagesTable} (unit_id, seq, kind, body, at) select $1, last_seq, $2, $3::jsonb, now() from next");
        command.Parameters.AddWithValue(unit);
        command.Parameters.AddWithValue(kind);
        command.Parameters.AddWithValue(body);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A unit of the town with its own sign-in, on duty, with nothing pending.</summary>
    async Task<(Guid Id, string Login)> UnitOnDuty(string callSign)
    {
        var login = Api.Unique("unit");
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = new Scopes(app).Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var onDuty = await app.Client().PostRaw($"/api/units/{id}/on-duty", "{}");
        await onDuty.ShouldBe(HttpStatusCode.OK);
        // It heard it was put on duty (message 1): had, so only what a test stores or posts comes to its phone.
        Assert.True(await app.Services.GetRequiredService<UnitMailbox>().Ack(id, 1));
        return (id, login);
    }
}
