using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Units;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Chat;

/// <summary>
/// Every console action has its slash command: /cancel, /merge, /reopen, /locate, /place, /route, /reveal and /msg do
/// what the button does, through the same services and rights, and a refusal leaves nothing written.
/// </summary>
public class ChatConsoleActionTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    static string State(JsonElement detail) => detail.GetProperty("state").GetString()!;

    Task<ChatClient> Dispatcher(string tag) =>
        ChatClient.Connect(app, Api.Unique(tag), "en", new Grant(Role.Dispatcher, _scopes.District.Path));

    async Task<long> VersionOf(Guid id)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return (await query.Events.FetchStreamStateAsync(id))!.Version;
    }

    /// <summary>A refusal wrote nothing: the incident's stream is where it was and its channel is empty.</summary>
    async Task NothingWritten(ChatClient who, Guid id, long version)
    {
        Assert.Equal(version, await VersionOf(id));
        Assert.Empty((await who.History(Channels.Incident(id).Key)).Messages);
    }

    static void Ok(ChatReply reply) => Assert.True(reply.Ok, $"{reply.Code} {reply.Text}");

    [Fact]
    public async Task Cancel_from_chat_cancels_as_the_button_does_and_a_duplicate_without_its_note_is_refused()
    {
        var incident = await app.Client().Accepted();
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await Dispatcher("cancel");
        var before = await VersionOf(incident.Id);

        var refused = await dispatcher.Post(channel, "/cancel duplicate");
        await NothingWritten(dispatcher, incident.Id, before);
        var done = await dispatcher.Post(channel, "/cancel invalid 测试来电");

        Assert.Equal((false, "cancel.duplicate-of"), (refused.Ok, refused.Code));
        Ok(done);
        Assert.Equal("Cancelled", State(await app.Client().Detail(incident.Id)));
        Assert.Equal(["/cancel invalid 测试来电"], (await dispatcher.History(channel)).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Merge_from_the_duplicates_channel_moves_it_into_the_named_incident_and_merging_into_itself_is_refused()
    {
        var target = await app.Client().Accepted();
        var duplicate = await app.Client().Reported();
        var channel = Channels.Incident(duplicate.Id).Key;
        await using var dispatcher = await Dispatcher("merge");
        var before = await VersionOf(duplicate.Id);

        var self = await dispatcher.Post(channel, $"/merge into #{duplicate.Number}");
        var unknown = await dispatcher.Post(channel, "/merge into #19990101-0001");
        await NothingWritten(dispatcher, duplicate.Id, before);
        var done = await dispatcher.Post(channel, $"/merge into #{target.Number}");

        Assert.Equal((false, "merge.self"), (self.Ok, self.Code));
        Assert.Equal((false, "command.unknown-incident"), (unknown.Ok, unknown.Code));
        Ok(done);
        var merged = await app.Client().Detail(duplicate.Id);
        Assert.Equal(("Merged", target.Number), (State(merged), merged.GetProperty("mergedIntoNumber").GetString()));
        Assert.Contains((await app.Client().Detail(target.Id)).GetProperty("callers").EnumerateArray(),
            c => c.GetProperty("number").GetString() == duplicate.Number);
    }

    [Fact]
    public async Task Reopen_from_chat_reopens_a_resolved_incident_and_an_open_one_is_refused()
    {
        var open = await app.Client().Assigned();
        var resolved = await app.Client().Resolved();
        await using var dispatcher = await Dispatcher("reopen");
        var before = await VersionOf(open.Id);

        var refused = await dispatcher.Post(Channels.Incident(open.Id).Key, "/reopen 市民再次来电");
        await NothingWritten(dispatcher, open.Id, before);
        var done = await dispatcher.Post(Channels.Node(_scopes.District.Path).Key, $"/reopen #{resolved.Number} 市民再次来电");

        Assert.Equal((false, "reopen.not-finished"), (refused.Ok, refused.Code));
        Ok(done);
        Assert.NotEqual("Resolved", State(await app.Client().Detail(resolved.Id)));
        Assert.Equal([$"/reopen #{resolved.Number} 市民再次来电"], (await dispatcher.History(Channels.Incident(resolved.Id).Key)).Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Locate_from_chat_moves_the_incident_and_the_tree_places_it()
    {
        var incident = await app.Client().Accepted();
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await Dispatcher("locate");
        var point = _scopes.Grid.Boundary.InteriorPoint;

        var done = await dispatcher.Post(channel,
            string.Create(CultureInfo.InvariantCulture, $"/locate {point.Y:0.######}, {point.X:0.######} 东湖区人民路 200 号"));

        Ok(done);
        var detail = await app.Client().Detail(incident.Id);
        Assert.Equal(point.Y, detail.GetProperty("location").GetProperty("lat").GetDouble(), 5);
        Assert.Equal(point.X, detail.GetProperty("location").GetProperty("lon").GetDouble(), 5);
        Assert.Equal("东湖区人民路 200 号", detail.GetProperty("address").GetString());
        Assert.Equal(_scopes.Grid.Path, detail.GetProperty("place").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Place_from_chat_finds_the_node_by_its_names_and_refuses_an_unknown_one_or_the_whole_city()
    {
        var incident = await app.Client().Accepted();
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await Dispatcher("place");
        var before = await VersionOf(incident.Id);

        var unknown = await dispatcher.Post(channel, "/place 不存在的街道");
        var city = await dispatcher.Post(channel, $"/place {_scopes.City.Code}");
        await NothingWritten(dispatcher, incident.Id, before);
        var done = await dispatcher.Post(channel, $"/place {_scopes.District.Name} {_scopes.Town.Name}");

        Assert.Equal((false, "command.place.unknown"), (unknown.Ok, unknown.Code));
        Assert.Equal((false, "command.invalid"), (city.Ok, city.Code));
        Ok(done);
        Assert.Equal(_scopes.Town.Path, (await app.Client().Detail(incident.Id)).GetProperty("place").GetProperty("path").GetString());
    }

    [Fact]
    public async Task Route_from_chat_overrides_level_and_lead_and_the_same_level_again_is_refused()
    {
        var incident = await app.Client().Accepted();
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await Dispatcher("route");

        var done = await dispatcher.Post(channel, $"/route district {Steps.Department} 涉及两个街道");
        var after = await VersionOf(incident.Id);
        var again = await dispatcher.Post(channel, "/route district 再说一次");

        Ok(done);
        Assert.Equal((false, "override.same"), (again.Ok, again.Code));
        Assert.Equal(after, await VersionOf(incident.Id));
        Assert.Equal("District", (await app.Client().Detail(incident.Id)).GetProperty("level").GetString());
    }

    [Fact]
    public async Task Reveal_answers_the_sender_only_is_audited_and_is_denied_to_a_handler()
    {
        const string phone = "13912345678";
        var incident = await app.Client().Assigned(report: Api.Report(callerPhone: phone));
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await Dispatcher("reveal");
        await using var handler = await ChatClient.Connect(app, Api.Unique("revealh"), "en",
            new Grant(Role.Handler, _scopes.Town.Path, Steps.Department));
        var before = await VersionOf(incident.Id);

        var denied = await handler.Post(channel, "/reveal 想知道");
        var revealed = await dispatcher.Post(channel, "/reveal 回访需要电话");

        Assert.Equal((false, "access.denied"), (denied.Ok, denied.Code));
        Assert.Equal(("answer", true), (revealed.Kind, revealed.Text!.Contains(phone)));
        Assert.Contains(incident.Number, revealed.Text);
        await NothingWritten(dispatcher, incident.Id, before);
        var audit = (await app.Client("reveal-auditor", "en", new Grant(Role.Admin, _scopes.City.Path))
            .GetJson($"/api/audit?incident={incident.Number}")).EnumerateArray().ToList();
        Assert.Contains(audit, e => e.GetProperty("action").GetString() == "caller.reveal"
            && e.GetProperty("user").GetString() == dispatcher.Login && e.GetProperty("detail").GetString() == "回访需要电话");
    }

    [Fact]
    public async Task Msg_reaches_the_units_phone_and_an_unknown_call_sign_is_refused()
    {
        var (login, callSign) = (Api.Unique("msgunit"), "东湖-城管-" + Api.Unique("")[1..6]);
        using var registered = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await registered.ShouldBe(HttpStatusCode.OK);
        var unitId = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        // Words reach a phone on duty; an off-duty unit's wait until it comes on.
        using (var onDuty = await app.Client().PostRaw($"/api/units/{unitId}/on-duty", "{}"))
            await onDuty.ShouldBe(HttpStatusCode.OK);
        await using var phone = await UnitDevice.Connect(app, login);
        await using var dispatcher = await Dispatcher("msg");
        var desk = Channels.Node(_scopes.District.Path).Key;

        var unknown = await dispatcher.Post(desk, "/msg 没有这个单元 你好");
        var sent = await dispatcher.Post(desk, $"/msg {callSign} 请到东门集合");

        Assert.Equal((false, "command.unknown-unit"), (unknown.Ok, unknown.Code));
        Assert.Equal("answer", sent.Kind);
        var message = await phone.Next(UnitMessageKind.Text);
        Assert.Equal("请到东门集合", message.Body.GetProperty("text").GetString());
        Assert.Equal(dispatcher.Login, message.Body.GetProperty("from").GetString());
        Assert.DoesNotContain((await dispatcher.History(desk)).Messages, m => m.Text.Contains("东门"));
    }

    /// <summary>
    /// The same steps by button (the console's API) on one incident and typed in chat on another, by the same person:
    /// both streams hold the same events with the same data, but for ids, numbers and times.
    /// </summary>
    [Fact]
    public async Task A_sequence_of_actions_by_button_and_by_chat_appends_the_same_events()
    {
        var login = Api.Unique("twin");
        Grant[] grants = [new(Role.Dispatcher, _scopes.City.Path), new(Role.Handler, _scopes.Town.Path, Steps.Department)];
        var console = app.Client(login, "en", grants);
        await using var chat = await ChatClient.Connect(app, login, "en", grants);
        var report = Api.Report(description: "两条路面塌陷 " + Api.Unique("twin"));
        var byButton = await app.Client().ReportOk(report.DeepClone());
        var byChat = await app.Client().ReportOk(report.DeepClone());
        var point = _scopes.Grid.Boundary.InteriorPoint;
        var (lat, lon) = (Math.Round(point.Y, 6), Math.Round(point.X, 6));

        (string Action, object? Body, string Line)[] steps =
        [
            ("accept", null, "/accept"),
            ("locate", new { lat, lon, address = "东湖区人民路 200 号" },
                string.Create(CultureInfo.InvariantCulture, $"/locate {lat} {lon} 东湖区人民路 200 号")),
            ("place", new { jurisdiction = _scopes.Town.Code }, $"/place {_scopes.Town.Name}"),
            ("override", new { level = "District", reason = "涉及两个街道" }, "/route district 涉及两个街道"),
            ("override", new { level = "Town", department = Steps.Department, reason = "属地处置" }, $"/route town {Steps.Department} 属地处置"),
            ("assign", new { department = Steps.Department }, $"/assign {Steps.Department}"),
            ("acknowledge", new { department = Steps.Department }, "/ack"),
            ("progress", new { department = Steps.Department, note = "已设围挡" }, "/note 已设围挡"),
            ("escalate", new { reason = "需要区里协调" }, "/escalate 需要区里协调"),
            ("resolve", new { department = Steps.Department, resolution = "已填平" }, "/resolve 已填平"),
            ("reopen", new { reason = "市民反映仍有积水" }, "/reopen 市民反映仍有积水"),
            ("cancel", new { reason = "Invalid", note = "重复报警的测试" }, "/cancel invalid 重复报警的测试"),
        ];
        foreach (var (action, body, line) in steps)
        {
            await console.CommandOk(byButton.Id, action, body);
            var reply = await chat.Post(Channels.Incident(byChat.Id).Key, line);
            Assert.True(reply.Ok, $"{line}: {reply.Code} {reply.Text}");
        }

        var (button, typed) = (await Events(byButton.Id), await Events(byChat.Id));
        Assert.Equal(button.Select(e => e.Type), typed.Select(e => e.Type));
        Assert.All(button.Zip(typed), pair => Assert.Equal(pair.First.Data, pair.Second.Data));
        Assert.Contains(button, e => e.Type.Contains("cancelled", StringComparison.OrdinalIgnoreCase));
        Assert.All(button.Where(e => e.Data.Contains("\"by\"")), e => Assert.Contains(login, e.Data));
    }

    /// <summary>The events after the report, each as its type and its data without what differs between two incidents.</summary>
    async Task<List<(string Type, string Data)>> Events(Guid id)
    {
        await using var query = app.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var events = await query.Events.FetchStreamAsync(id);
        return [.. events.Skip((int)Api.IntakeVersion).Select(e => (e.EventTypeName, Comparable(e.Data)))];
    }

    static readonly string[] Differing = ["incidentId", "number", "at"];

    /// <summary>The event's JSON without its incident's id and number and without any point in time.</summary>
    static string Comparable(object data)
    {
        var node = JsonSerializer.SerializeToNode(data, data.GetType(), JsonSerializerOptions.Web)!;
        Strip(node);
        return node.ToJsonString();
    }

    static void Strip(JsonNode? node)
    {
        if (node is JsonObject o)
        {
            foreach (var (key, value) in o.ToList())
                if (Differing.Contains(key) || value is JsonValue v && v.TryGetValue<string>(out var s) && Timestamp().IsMatch(s)) o.Remove(key);
                else Strip(value);
        }
        else if (node is JsonArray a)
        {
            foreach (var item in a) Strip(item);
        }
    }

    static Regex Timestamp() => new(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}");
}
