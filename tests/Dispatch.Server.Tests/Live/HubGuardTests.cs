using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Live;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Live;

/// <summary>Bad arguments to any hub method are answered to the caller; the server throws nothing and the connection stays.</summary>
public class HubArgumentTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    string TownChannel => Channels.Node(_scopes.Town.Path).Key;

    [Fact]
    public async Task Null_empty_huge_and_control_character_arguments_to_the_chat_hub_are_refused_as_answers()
    {
        await using var alice = await ChatClient.Connect(app, Api.Unique("nulls"), grants: new Grant(Role.Dispatcher, _scopes.Town.Path));
        var errors = app.ServerErrors.All.Count;

        Assert.Null(await alice.Connection.InvokeAsync<string?>(ChatHubMethods.Direct, null).WaitAsync(ChatClient.Patience));
        Assert.Null(await alice.Connection.InvokeAsync<string?>(ChatHubMethods.Direct, "a\0b").WaitAsync(ChatClient.Patience));
        var nullChannel = await alice.Connection.InvokeAsync<ChatReply>(ChatHubMethods.Post, null, "你好").WaitAsync(ChatClient.Patience);
        Assert.Equal((false, "channel.required"), (nullChannel.Ok, nullChannel.Code));
        var nul = await alice.Post(TownChannel + "\0", "你好");
        Assert.Equal((false, "channel.control"), (nul.Ok, nul.Code));
        var huge = await alice.Post(new string('x', SlashCommands.MaxLength + 1), "你好");
        Assert.Equal((false, "channel.too-long"), (huge.Ok, huge.Code));
        var nullText = await alice.Connection.InvokeAsync<ChatReply>(ChatHubMethods.Post, TownChannel, null).WaitAsync(ChatClient.Patience);
        Assert.Equal((false, "message.empty"), (nullText.Ok, nullText.Code));
        var history = await alice.Connection.InvokeAsync<ChatHistoryView>(ChatHubMethods.History, null, null, 10).WaitAsync(ChatClient.Patience);
        Assert.Empty(history.Messages);
        await alice.Connection.InvokeAsync(ChatHubMethods.MarkRead, null, 1L).WaitAsync(ChatClient.Patience);

        // Still connected and served; nothing was logged as an error on the server.
        Assert.Equal(HubConnectionState.Connected, alice.Connection.State);
        Assert.True((await alice.Post(TownChannel, Api.Unique("still here"))).Ok);
        Assert.Equal(errors, app.ServerErrors.All.Count);
    }

    [Fact]
    public async Task Null_and_control_character_notes_from_a_unit_are_refused_as_replies()
    {
        var login = Api.Unique("unit");
        using var response = await app.Client().PostAsJsonAsync("/api/units", new
        {
            callSign = Api.Unique("G"), department = Steps.Department, jurisdiction = _scopes.Town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await response.ShouldBe(HttpStatusCode.OK);
        await using var phone = await UnitDevice.Connect(app, login);
        var errors = app.ServerErrors.All.Count;

        var none = await phone.Connection.InvokeAsync<UnitReply>(UnitHubMethods.Note, null).WaitAsync(UnitDevice.Patience);
        Assert.Equal((false, "note.required"), (none.Ok, none.Code));
        var nul = await phone.Connection.InvokeAsync<UnitReply>(UnitHubMethods.Resolve, "填平\0").WaitAsync(UnitDevice.Patience);
        Assert.Equal((false, "resolution.control"), (nul.Ok, nul.Code));

        Assert.Equal(HubConnectionState.Connected, phone.Connection.State);
        Assert.False(await phone.Connection.InvokeAsync<bool>(UnitHubMethods.Ack, long.MaxValue).WaitAsync(UnitDevice.Patience));
        Assert.Equal(errors, app.ServerErrors.All.Count);
    }
}

/// <summary>A server that allows two hub calls a second per user (bursts of four).</summary>
public sealed class FewHubCallsApp : DispatchApp
{
    public FewHubCallsApp() => Settings = new() { ["Dispatch:RateLimits:HubCallsPerSecond"] = "2" };
}

/// <summary>One user flooding a hub is answered "too many requests"; the connection stays and other users are served.</summary>
public class HubLimitTests(FewHubCallsApp app) : IClassFixture<FewHubCallsApp>
{
    [Fact]
    public async Task A_flood_of_hub_calls_from_one_user_is_refused_with_429_answers_and_the_connection_stays()
    {
        await using var flooder = await ChatClient.Connect(app, Api.Unique("flood"));
        var channel = Channels.Node(new Scopes(app).City.Path).Key;

        // Methods with a reply record answer it; data methods answer an error to the caller.
        var replies = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => flooder.Post(channel, "")));
        var reads = await Task.WhenAll(Enumerable.Range(0, 30).Select(async _ =>
        {
            try { await flooder.Channels(); return "ok"; }
            catch (HubException e) { return e.Message; }
        }));

        Assert.Contains(replies, r => r.Code == "message.empty");
        Assert.Contains(replies, r => (r.Ok, r.Code) == (false, HubGuard.TooManyCode));
        Assert.Contains(reads, r => r.Contains("429"));
        Assert.Equal(HubConnectionState.Connected, flooder.Connection.State);
        // The limit is per user: someone else is served.
        await using var other = await ChatClient.Connect(app, Api.Unique("calm"));
        Assert.Equal("message.empty", (await other.Post(channel, "")).Code);
    }
}
