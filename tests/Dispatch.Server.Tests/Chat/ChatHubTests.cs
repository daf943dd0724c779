using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Tests.Chat;

/// <summary>
/// Channels over a real Kestrel server and real SignalR clients: messages pushed to the members, history in pages,
/// unread counts and mentions, and readers outside a channel kept out of it.
/// </summary>
public class ChatHubTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    readonly Scopes _scopes = new(app);

    Grant TownDispatcher => new(Role.Dispatcher, _scopes.Town.Path);
    string TownChannel => Channels.Node(_scopes.Town.Path).Key;
    string CityChannel => Channels.Node(_scopes.City.Path).Key;

    [Fact]
    public async Task A_message_in_the_town_channel_is_pushed_to_every_dispatcher_of_the_town_in_order()
    {
        await using var alice = await ChatClient.Connect(app, Api.Unique("alice"), grants: TownDispatcher);
        await using var bob = await ChatClient.Connect(app, Api.Unique("bob"), grants: TownDispatcher);
        var tag = Api.Unique("order");

        foreach (var i in Enumerable.Range(1, 5))
            Assert.True((await alice.Post(TownChannel, $"{tag} 第{i}条")).Ok);

        await bob.Until(all => all.Count(m => m.Text.StartsWith(tag)) == 5);
        var mine = bob.Received().Where(m => m.Text.StartsWith(tag)).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"{tag} 第{i}条"), mine.Select(m => m.Text));
        Assert.All(mine, m => Assert.Equal((TownChannel, MessageKind.Text), (m.Channel, m.Kind)));
        Assert.Equal(mine.Select(m => m.Seq).Order(), mine.Select(m => m.Seq));
        Assert.Equal(5, mine.Select(m => m.Seq).Distinct().Count());
    }

    [Fact]
    public async Task History_comes_back_in_pages_oldest_first_until_the_first_message()
    {
        var (a, b) = (Api.Unique("pager"), Api.Unique("paged"));
        await using var alice = await ChatClient.Connect(app, a, grants: TownDispatcher);
        await app.EnsureUser(b, TownDispatcher);
        var dm = await alice.Direct(b);
        foreach (var i in Enumerable.Range(1, 7)) Assert.True((await alice.Post(dm, $"消息 {i}")).Ok);

        var pages = new List<ChatHistoryView>();
        long? before = null;
        do
        {
            var page = await alice.History(dm, before, limit: 3);
            pages.Add(page);
            before = page.Messages[0].Seq;
        } while (pages[^1].HasMore);

        Assert.Equal([3, 3, 1], pages.Select(p => p.Messages.Count));
        var all = pages.AsEnumerable().Reverse().SelectMany(p => p.Messages).ToList();
        Assert.Equal(Enumerable.Range(1, 7).Select(i => $"消息 {i}"), all.Select(m => m.Text));
        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), all.Select(m => m.Seq));
    }

    [Fact]
    public async Task Unread_counts_what_each_reader_has_not_marked_read_and_mentions_count_for_the_person_named()
    {
        var (a, b) = (Api.Unique("writer"), Api.Unique("reader"));
        await using var alice = await ChatClient.Connect(app, a, grants: TownDispatcher);
        await using var bob = await ChatClient.Connect(app, b, grants: TownDispatcher);
        var dm = await alice.Direct(b);
        await alice.Post(dm, "路口积水");
        await alice.Post(dm, $"@{b} 请看一下");
        var third = await alice.Post(dm, "谢谢");

        var unread = (await bob.Channels()).Single(c => c.Key == dm);
        Assert.Equal((3, 1), (unread.Unread, unread.Mentions));
        Assert.Equal(0, (await alice.Channels()).Single(c => c.Key == dm).Unread);

        await bob.MarkRead(dm, third.Seq - 1);
        Assert.Equal((1, 0), (await bob.Channels()).Single(c => c.Key == dm) is var after ? (after.Unread, after.Mentions) : default);

        await bob.MarkRead(dm, 1); // never moves back
        Assert.Equal(1, (await bob.Channels()).Single(c => c.Key == dm).Unread);
        var mention = await bob.Next(m => m.Channel == dm && m.Text.StartsWith('@'));
        Assert.True(mention.MentionsMe);
        Assert.Equal([new Mention(MentionKind.Person, b, b)], mention.Mentions);
    }

    [Fact]
    public async Task A_dispatcher_of_another_town_neither_receives_reads_nor_writes_the_towns_channel()
    {
        await using var insider = await ChatClient.Connect(app, Api.Unique("insider"), grants: TownDispatcher);
        await using var outsider = await ChatClient.Connect(app, Api.Unique("outsider"), grants: new Grant(Role.Dispatcher, _scopes.OtherTown.Path));
        var tag = Api.Unique("secret");

        await insider.Post(TownChannel, $"{tag} 内部消息");
        await insider.Post(CityChannel, $"{tag} 全市通报");

        // The feed hands messages over in commit order: once the city message is in, the town one would have been too.
        await outsider.Next(m => m.Text == $"{tag} 全市通报");
        Assert.DoesNotContain(outsider.Received(), m => m.Channel == TownChannel);
        await Assert.ThrowsAsync<HubException>(() => outsider.History(TownChannel));
        var refused = await outsider.Post(TownChannel, "我也想说");
        Assert.Equal((false, "chat.no-channel"), (refused.Ok, refused.Code));
        Assert.DoesNotContain((await insider.History(TownChannel)).Messages, m => m.Text == "我也想说");
        Assert.DoesNotContain(await outsider.Channels(), c => c.Key == TownChannel);
    }

    [Theory]
    [InlineData("", "message.empty")]
    [InlineData("   ", "message.empty")]
    [InlineData("坏\u0007字符", "message.control")]
    [InlineData("\u202Egnp.exe", "message.control")]
    public async Task A_bad_message_is_refused_to_the_sender_and_nothing_is_posted(string text, string code)
    {
        await using var alice = await ChatClient.Connect(app, Api.Unique("typo"), grants: TownDispatcher);
        var before = (await alice.History(TownChannel)).Messages.LastOrDefault()?.Seq ?? 0;

        var reply = await alice.Post(TownChannel, text);

        Assert.Equal((false, code), (reply.Ok, reply.Code));
        Assert.Equal(before, (await alice.History(TownChannel)).Messages.LastOrDefault()?.Seq ?? 0);
    }

    [Fact]
    public async Task A_message_over_the_limit_is_refused_naming_the_limit()
    {
        await using var alice = await ChatClient.Connect(app, Api.Unique("long"), grants: TownDispatcher);

        var reply = await alice.Post(TownChannel, new string('长', SlashCommands.MaxLength + 1));

        Assert.Equal("message.too-long", reply.Code);
        Assert.Contains($"{SlashCommands.MaxLength}", reply.Text);
    }

    [Fact]
    public async Task Markup_is_kept_as_the_text_that_was_typed()
    {
        await using var alice = await ChatClient.Connect(app, Api.Unique("markup"), grants: TownDispatcher);
        const string hostile = "<script>alert('x')</script><b>粗体</b> & <img src=x onerror=alert(1)>";

        await alice.Post(TownChannel, hostile);

        Assert.Equal(hostile, (await alice.History(TownChannel)).Messages[^1].Text);
    }

    [Fact]
    public async Task The_json_api_reads_and_writes_the_same_channels_and_names_a_missing_field()
    {
        var login = Api.Unique("api");
        await app.EnsureUser(login, TownDispatcher);
        using var http = app.Client(login, "en", TownDispatcher);

        using var posted = await http.PostAsJsonAsync("/api/chat/messages", new { channel = TownChannel, text = "接口消息" });
        await posted.ShouldBe(HttpStatusCode.OK);
        var page = await http.GetJson($"/api/chat/messages?channel={Uri.EscapeDataString(TownChannel)}&limit=1");
        Assert.Equal("接口消息", page.GetProperty("messages")[0].GetProperty("text").GetString());

        using var missing = await http.PostAsJsonAsync("/api/chat/messages", new { text = "哪个频道?" });
        Assert.Contains("channel", (await missing.FieldErrors()).Keys);
        using var elsewhere = await http.GetAsync($"/api/chat/messages?channel={Uri.EscapeDataString(Channels.Node(_scopes.OtherTown.Path).Key)}");
        await elsewhere.ShouldBe(HttpStatusCode.NotFound);
        using var anonymous = await app.Anonymous().GetAsync("/api/chat/channels");
        await anonymous.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
