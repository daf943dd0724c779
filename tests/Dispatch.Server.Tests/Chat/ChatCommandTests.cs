using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Xunit.Abstractions;

namespace Dispatch.Server.Tests.Chat;

/// <summary>
/// Slash commands act through the same services and rules as the buttons: results go to the incident's channel for
/// everyone, errors only to the sender, and a command outside one's rights leaves nothing written.
/// </summary>
public class ChatCommandTests(DispatchApp app, ITestOutputHelper output) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    string State(JsonElement detail) => detail.GetProperty("state").GetString()!;

    async Task<(Guid Id, string Login, string CallSign)> UnitOnDuty()
    {
        var (login, callSign) = (Api.Unique("unit"), "东湖-城管-" + Api.Unique("")[1..6]);
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强", "李明" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        foreach (var (action, body) in new (string, object)[] { ("on-duty", new { }), ("position", new { lat = Api.ReportLat + 0.002, lon = Api.ReportLon, accuracy = 10, reportedAt = DateTimeOffset.UtcNow }) })
        {
            using var sent = await app.Client().PostRaw($"/api/units/{id}/{action}", JsonSerializer.Serialize(body, JsonSerializerOptions.Web));
            await sent.ShouldBe(HttpStatusCode.OK);
        }
        return (id, login, callSign);
    }

    [Fact]
    public async Task A_whole_incident_runs_from_its_channel_without_a_button()
    {
        var incident = await app.Client().Reported();
        var channel = Channels.Incident(incident.Id).Key;
        var unit = await UnitOnDuty();
        await using var dispatcher = await ChatClient.Connect(app, Api.Unique("district"), "en",
            new Grant(Role.Dispatcher, _scopes.District.Path));
        await using var handler = await ChatClient.Connect(app, Api.Unique("handler"), "en",
            new Grant(Role.Handler, _scopes.Town.Path, Steps.Department));
        await using var phone = await UnitDevice.Connect(app, unit.Login);
        await using var crew = await ChatClient.Connect(app, unit.Login);
        var transcript = new StringBuilder();

        async Task<ChatReply> Say(ChatClient who, string name, string line)
        {
            var reply = await who.Post(channel, line);
            transcript.AppendLine($"{name,-10} > {line}");
            if (reply.Kind != "posted") transcript.AppendLine($"{"",-10}   ({reply.Kind}, only to {name}) {reply.Text?.Replace("\n", "\n" + new string(' ', 14))}");
            Assert.True(reply.Ok, $"{line}: {reply.Code} {reply.Text}");
            return reply;
        }

        await Say(dispatcher, "district", "/accept");
        await Say(dispatcher, "district", "/status");
        var near = await Say(dispatcher, "district", "/units near");
        Assert.Contains(unit.CallSign, near.Text);
        await Say(dispatcher, "district", $"/assign {Steps.Department}");
        await Say(dispatcher, "district", $"/assign {unit.CallSign}");
        await phone.Next(UnitMessageKind.Assignment, m => m.Read() is AssignmentMessage a && a.Number == incident.Number);
        await Say(crew, "unit", "/ack");
        await Say(crew, "unit", "到达现场, 路面塌陷约 1 平方米, 已设围挡");
        await Say(crew, "unit", "/note 已设置围挡并疏导交通");
        await Say(handler, "handler", $"@{unit.CallSign} 需要支援请说");
        await Say(crew, "unit", "/resolve 坑洞已填平, 路面恢复通行");
        await Say(dispatcher, "district", "/callback 5 市民表示满意");
        await Say(dispatcher, "district", "/close");
        await Say(dispatcher, "district", "/status");

        Assert.Equal("Closed", State(await app.Client().Detail(incident.Id)));
        // Everyone in the channel saw the same record, in order: the typed lines and what each did.
        var history = (await dispatcher.History(channel)).Messages;
        transcript.AppendLine().AppendLine($"The channel of #{incident.Number}, as everyone in it reads it:");
        foreach (var m in history)
            transcript.AppendLine($"{m.Seq,3} {m.At:HH:mm:ss} {(m.Kind == MessageKind.System ? "dispatch" : m.AuthorName),-24} {m.Text}{(m.Result is null ? "" : "  → " + m.Result)}");
        output.WriteLine(transcript.ToString());
        Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "transcripts"));
        await File.WriteAllTextAsync(Path.Combine(AppContext.BaseDirectory, "transcripts", "whole-incident.txt"), transcript.ToString());

        Assert.Equal(
            ["/accept", $"/assign {Steps.Department}", $"/assign {unit.CallSign}", "/ack", "到达现场, 路面塌陷约 1 平方米, 已设围挡",
             "/note 已设置围挡并疏导交通", $"@{unit.CallSign} 需要支援请说", "/resolve 坑洞已填平, 路面恢复通行", "/callback 5 市民表示满意", "/close"],
            history.Select(m => m.Text));
        Assert.All(history.Where(m => m.Text.StartsWith('/')), m => Assert.Equal(MessageKind.Command, m.Kind));
        Assert.All(history.Where(m => m.Kind == MessageKind.Command), m => Assert.Contains(incident.Number, m.Result));
        Assert.Contains(unit.CallSign, history.Single(m => m.Text == $"/assign {unit.CallSign}").Result);
        Assert.Equal(new Mention(MentionKind.Unit, unit.CallSign, unit.Login), history.Single(m => m.Text.StartsWith('@')).Mentions.Single());
        await crew.Next(m => m.Channel == channel && m.MentionsMe);

        // The incident's own timeline carries who did each step.
        var steps = (await app.Client().Detail(incident.Id)).GetProperty("timeline").EnumerateArray()
            .Select(t => (t.GetProperty("kind").GetString(), t.GetProperty("by").GetString())).ToList();
        Assert.Contains(("Accepted", dispatcher.Login), steps);
        Assert.Contains(("Resolved", unit.Login), steps);
        Assert.Contains(("Closed", dispatcher.Login), steps);
    }

    [Fact]
    public async Task A_town_dispatcher_cannot_assign_an_incident_of_another_town_from_chat()
    {
        var incident = await app.Client().Accepted();
        await using var other = await ChatClient.Connect(app, Api.Unique("othertown"), "en", new Grant(Role.Dispatcher, _scopes.OtherTown.Path));

        var inOwnChannel = await other.Post(Channels.Node(_scopes.OtherTown.Path).Key, $"/assign {Steps.Department} #{incident.Number}");
        var inIncidentChannel = await other.Post(Channels.Incident(incident.Id).Key, $"/assign {Steps.Department}");

        Assert.Equal((false, "command.unknown-incident"), (inOwnChannel.Ok, inOwnChannel.Code));
        Assert.Contains(incident.Number, inOwnChannel.Text);
        Assert.Equal((false, "chat.no-channel"), (inIncidentChannel.Ok, inIncidentChannel.Code));
        Assert.Equal("Accepted", State(await app.Client().Detail(incident.Id)));
        Assert.Empty((await app.Client().GetJson($"/api/chat/messages?channel={Channels.Incident(incident.Id).Key}")).GetProperty("messages").EnumerateArray());
    }

    [Fact]
    public async Task A_leader_who_may_read_but_not_dispatch_is_told_so_and_nothing_is_written()
    {
        var incident = await app.Client().Accepted();
        var channel = Channels.Incident(incident.Id).Key;
        await using var leader = await ChatClient.Connect(app, Api.Unique("leader"), "en", new Grant(Role.Leader, _scopes.District.Path));

        var refused = await leader.Post(channel, $"/assign {Steps.Department}");
        var supervised = await leader.Post(channel, "/supervise 请区城管局今日内处置");

        Assert.Equal((false, "access.denied"), (refused.Ok, refused.Code));
        Assert.Contains(incident.Number, refused.Text);
        Assert.True(supervised.Ok, supervised.Text);
        Assert.Equal("Accepted", State(await app.Client().Detail(incident.Id)));
        var history = (await leader.History(channel)).Messages;
        Assert.Equal(["/supervise 请区城管局今日内处置"], history.Select(m => m.Text));
    }

    [Theory]
    [InlineData("/assign", "command.assign.missing", "/assign <department>")]
    [InlineData("/assign 不存在的部门", "command.assign.unknown", "/assign <department>")]
    [InlineData("/callback 9", "command.callback.satisfaction", "/callback")]
    [InlineData("/frobnicate", "command.unknown", null)]
    [InlineData("/close", "close.not-resolved", null)]
    public async Task A_wrong_command_is_answered_to_the_sender_only_with_what_was_wrong_and_how_to_write_it(string line, string code, string? usage)
    {
        var incident = await app.Client().Assigned();
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await ChatClient.Connect(app, Api.Unique("typist"), "en", new Grant(Role.Dispatcher, _scopes.Town.Path));
        await using var colleague = await ChatClient.Connect(app, Api.Unique("colleague"), "en", new Grant(Role.Dispatcher, _scopes.Town.Path));

        var reply = await dispatcher.Post(channel, line);
        var after = await dispatcher.Post(channel, "下一条");

        Assert.Equal((false, code), (reply.Ok, reply.Code));
        Assert.False(string.IsNullOrWhiteSpace(reply.Text));
        if (usage is not null) Assert.Contains(usage, reply.Usage);
        Assert.Equal(1, after.Seq);
        var seen = await colleague.Next(m => m.Channel == channel);
        Assert.Equal("下一条", seen.Text);
        Assert.Equal("Assigned", State(await app.Client().Detail(incident.Id)));
    }

    [Fact]
    public async Task A_command_typed_in_the_town_channel_reports_in_the_incidents_channel()
    {
        var incident = await app.Client().Accepted();
        var town = Channels.Node(_scopes.Town.Path).Key;
        await using var dispatcher = await ChatClient.Connect(app, Api.Unique("towner"), "en", new Grant(Role.Dispatcher, _scopes.Town.Path));

        var done = await dispatcher.Post(town, $"/assign {Steps.Department} +water #{incident.Number}");

        Assert.Equal(("done", Channels.Incident(incident.Id).Key), (done.Kind, done.Channel));
        var posted = await dispatcher.Next(m => m.Channel == Channels.Incident(incident.Id).Key);
        Assert.Equal((MessageKind.Command, $"/assign {Steps.Department} +water #{incident.Number}"), (posted.Kind, posted.Text));
        Assert.DoesNotContain((await dispatcher.History(town)).Messages, m => m.Text.Contains(incident.Number));
        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal((Steps.Department, "water"), (detail.GetProperty("leadDepartment").GetString(), detail.GetProperty("assisting")[0].GetString()));
    }

    [Fact]
    public async Task An_escalation_by_button_is_announced_in_the_incidents_channel_and_to_the_district()
    {
        var incident = await app.Client().Assigned();
        await using var district = await ChatClient.Connect(app, Api.Unique("districtdesk"), "zh-CN", new Grant(Role.Dispatcher, _scopes.District.Path));

        await app.Client().CommandOk(incident.Id, "escalate", new { reason = "涉及多个街道" });

        var announced = await district.Next(m => m.Channel == Channels.Node(_scopes.District.Path).Key && m.IncidentId == incident.Id);
        Assert.Equal((MessageKind.System, Mentions.Platform), (announced.Kind, announced.Author));
        Assert.Contains(incident.Number, announced.Result);
        Assert.Contains("涉及多个街道", announced.Result);
        var inChannel = (await district.History(Channels.Incident(incident.Id).Key)).Messages.Single();
        Assert.Equal(announced.Result, inChannel.Result);
    }

    [Fact]
    public async Task A_unit_sent_to_a_neighbouring_town_works_that_incident_from_its_channel()
    {
        var there = _scopes.OtherTown.Boundary.InteriorPoint;
        var report = Api.Report();
        (report["lat"], report["lon"]) = (there.Y, there.X);
        var incident = await app.Client().Assigned(report: report);
        var unit = await UnitOnDuty();
        await using var district = await ChatClient.Connect(app, Api.Unique("neighbour"), "en", new Grant(Role.Dispatcher, _scopes.District.Path));
        await using var crew = await ChatClient.Connect(app, unit.Login);
        var channel = Channels.Incident(incident.Id).Key;

        Assert.True((await district.Post(channel, $"/assign {unit.CallSign}")).Ok);
        var accepted = await crew.Post(channel, "/ack");
        var noted = await crew.Post(channel, "/note 已到邻镇现场");
        var resolved = await crew.Post(channel, "/resolve 已处置");

        Assert.All([accepted, noted, resolved], r => Assert.True(r.Ok, r.Text));
        Assert.Equal("Resolved", State(await app.Client().Detail(incident.Id)));
    }
}
