using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Units;
using Dispatch.Server.Chat;
using Dispatch.Server.Components.Units;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Dispatch.Server.Tests.Units;

namespace Dispatch.Server.Tests.Chat;

/// <summary>
/// <c>/units near</c> then <c>/assign 1</c> over a real server and real SignalR clients (issue 19 item 5): the number is
/// the unit the list numbered, sent through the same command path as the drawer's key, held by the drawer's guard, and
/// refused with a code whenever the list is not this person's, this channel's, this incident's or fresh. The clock is
/// the test's, so "within the hold" and "minutes later" are exact.
/// </summary>
public class ChatAssignByNumberTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    readonly Scopes _scopes = new(app);

    /// <summary>A unit of the lead department with a capability of this test's own (so only this test's units are proposed).</summary>
    async Task<(Guid Id, string Login, string CallSign)> UnitNear(string capability, double north)
    {
        var (login, callSign) = (Api.Unique("unit"), "东湖-城管-" + Api.Unique("")[1..6]);
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { capability },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await app.Move(id, "on-duty");
        await app.Move(id, "position", new { lat = Api.ReportLat + north, lon = Api.ReportLon, accuracy = 10, reportedAt = app.Time.GetUtcNow() });
        return (id, login, callSign);
    }

    Task<ChatClient> Dispatcher(string language = "en") =>
        ChatClient.Connect(app, Api.Unique("dispatcher"), language, new Grant(Role.Dispatcher, _scopes.District.Path));

    async Task<int> Dispatches(Guid incident) =>
        (await app.Events(incident)).Count(e => e.Data is IncidentUnitDispatched);

    [Fact]
    public async Task Given_units_near_in_the_drawers_words_when_assign_1_then_the_first_unit_is_sent_and_the_same_number_again_sends_nothing()
    {
        var capability = Api.Unique("cap");
        var incident = await app.Client().Assigned();
        var channel = Channels.Incident(incident.Id).Key;
        var first = await UnitNear(capability, 0.002);
        var second = await UnitNear(capability, 0.004);
        await using var dispatcher = await Dispatcher("zh-CN");
        await using var phone = await UnitDevice.Connect(app, first.Login);

        var near = await dispatcher.Post(channel, $"/units near {capability}");

        Assert.True(near.Ok, near.Text);
        // The drawer's words: 力量, metres as 米, numbered as its keys.
        Assert.Contains("推荐力量", near.Text);
        Assert.Contains($"1. {first.CallSign} · 城市管理局 · 222 米", near.Text);
        Assert.Contains($"2. {second.CallSign} · 城市管理局 · 445 米", near.Text);
        Assert.DoesNotContain("单元", near.Text);

        var sent = await dispatcher.Post(channel, "/assign 1");

        Assert.True(sent.Ok, $"{sent.Code} {sent.Text}");
        Assert.Equal("done", sent.Kind);
        await phone.Next(UnitMessageKind.Assignment, m => m.Read() is AssignmentMessage a && a.Number == incident.Number);

        // Pressed again (the confirmation went unseen), or another number, within the hold: nothing is sent.
        var again = await dispatcher.Post(channel, "/assign 1");
        var other = await dispatcher.Post(channel, "/assign 2");

        Assert.Equal((false, "command.assign.already-sent"), (again.Ok, again.Code));
        Assert.Equal((false, "command.assign.confirm"), (other.Ok, other.Code));
        Assert.Contains(second.CallSign, other.Text);
        Assert.Equal(1, await Dispatches(incident.Id));

        // After the hold the same number names the same unit, now busy: refused, not renumbered.
        app.Time.Advance(UnitKeyGuard.Hold + TimeSpan.FromSeconds(1));
        var later = await dispatcher.Post(channel, "/assign 1");

        Assert.Equal((false, "command.assign.not-free"), (later.Ok, later.Code));
        Assert.Equal(1, await Dispatches(incident.Id));
    }

    [Fact]
    public async Task Given_no_list_for_this_person_channel_and_incident_when_assign_1_then_it_is_refused_and_nothing_is_sent()
    {
        var capability = Api.Unique("cap");
        var incident = await app.Client().Assigned();
        var channel = Channels.Incident(incident.Id).Key;
        await UnitNear(capability, 0.002);
        await using var asker = await Dispatcher();
        await using var colleague = await Dispatcher();

        var none = await asker.Post(channel, "/assign 1");
        Assert.True((await asker.Post(channel, $"/units near {capability}")).Ok);
        var someoneElses = await colleague.Post(channel, "/assign 1");
        var otherChannel = await asker.Post(Channels.Node(_scopes.District.Path).Key, $"/assign #{incident.Number} 1");
        var noSuchNumber = await asker.Post(channel, "/assign 2");

        Assert.Equal((false, "command.assign.no-list"), (none.Ok, none.Code));
        Assert.Equal((false, "command.assign.no-list"), (someoneElses.Ok, someoneElses.Code));
        Assert.Equal((false, "command.assign.no-list"), (otherChannel.Ok, otherChannel.Code));
        Assert.Equal((false, "command.assign.no-number"), (noSuchNumber.Ok, noSuchNumber.Code));
        Assert.Contains("/assign <1–9>", noSuchNumber.Usage);
        Assert.Equal(0, await Dispatches(incident.Id));
    }

    [Fact]
    public async Task Given_a_list_older_than_its_lifetime_when_assign_1_then_it_is_refused_and_nothing_is_sent()
    {
        var capability = Api.Unique("cap");
        var incident = await app.Client().Assigned();
        var channel = Channels.Incident(incident.Id).Key;
        await UnitNear(capability, 0.002);
        await using var dispatcher = await Dispatcher();
        Assert.True((await dispatcher.Post(channel, $"/units near {capability}")).Ok);

        app.Time.Advance(ChatProposals.Lifetime + TimeSpan.FromSeconds(1));
        var stale = await dispatcher.Post(channel, "/assign 1");

        Assert.Equal((false, "command.assign.no-list"), (stale.Ok, stale.Code));
        Assert.Equal(0, await Dispatches(incident.Id));
    }

    [Fact]
    public async Task Given_the_numbered_unit_is_no_longer_free_when_assign_1_then_it_is_refused_and_nothing_is_sent()
    {
        var capability = Api.Unique("cap");
        var incident = await app.Client().Assigned();
        var channel = Channels.Incident(incident.Id).Key;
        var unit = await UnitNear(capability, 0.002);
        await using var dispatcher = await Dispatcher();
        Assert.True((await dispatcher.Post(channel, $"/units near {capability}")).Ok);

        await app.Move(unit.Id, "off-duty");
        var busy = await dispatcher.Post(channel, "/assign 1");

        Assert.Equal((false, "command.assign.not-free"), (busy.Ok, busy.Code));
        Assert.Contains(unit.CallSign, busy.Text);
        Assert.Equal(0, await Dispatches(incident.Id));
    }
}
