using Bunit;
using Dispatch.Components.Tests.Infrastructure;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;
using Dispatch.Server.Components;
using Dispatch.Server.Components.Pages;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests;

/// <summary>
/// The console's chat page on the app's real chat service and feed: messages are posted through the same service by
/// other people, committed, NOTIFYed and pushed into the rendered page. Nothing sleeps: each step waits for what it expects.
/// </summary>
public sealed class ChatPageTests(DispatchApp app) : IClassFixture<DispatchApp>, IAsyncLifetime
{
    const double Lat = 31.2304, Lon = 121.4737;
    readonly List<BunitContext> _contexts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var ctx in _contexts) await ctx.DisposeAsync();
    }

    string District => app.Services.GetRequiredService<JurisdictionTree>().Place(Lat, Lon).District!.Path;

    /// <summary>A dispatcher at the district's centre, a user of their own (so their read marks are theirs alone).</summary>
    async Task<Actor> DistrictDispatcher(string name)
    {
        var login = $"chat-{Guid.NewGuid():N}"[..14];
        Grant[] grants = [new Grant(Role.Dispatcher, District)];
        await app.EnsureUser(login, grants);
        return new Actor(login, name, grants);
    }

    /// <summary>Someone else, with every incident role city-wide, who exists as a user (direct messages need one).</summary>
    async Task<Actor> Other()
    {
        var login = $"other-{Guid.NewGuid():N}"[..14];
        await app.EnsureUser(login);
        return new Actor(login, "王强", app.Everything());
    }

    async Task<ChatOutcome> Post(Actor who, string channel, string text)
    {
        using var scope = app.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ChatService>().Post(who, channel, text);
    }

    /// <summary>The chat page as <paramref name="reader"/> sees it, once live (subscribed to the feed).</summary>
    IRenderedComponent<TestHost> Open(Actor reader, string? channel = null, Action<BunitContext>? before = null)
    {
        var ctx = ConsoleContext.For(app);
        _contexts.Add(ctx);
        before?.Invoke(ctx);
        ctx.Services.GetRequiredService<ConsoleSession>().Actor = reader;
        if (channel is not null)
            ctx.Services.GetRequiredService<NavigationManager>().NavigateTo($"/chat?channel={Uri.EscapeDataString(channel)}");
        var cut = ctx.RenderWithPopovers<ChatPage>();
        cut.WaitForElement("[data-testid=chat-page][data-live=true]", Waits.Push);
        return cut;
    }

    static string Channel(string key) => $"[data-testid=chat-channel][data-key='{key}']";

    static Task Type(IRenderedComponent<TestHost> cut, string text) => cut.InvokeAsync(() => cut.Find("[data-testid=chat-input]").Input(text));

    static Task Send(IRenderedComponent<TestHost> cut) => cut.InvokeAsync(() => cut.Find("form[data-testid=chat-box]").Submit());

    [Fact]
    public async Task The_list_shows_the_readers_channels_with_unread_and_mention_counts_and_showing_a_channel_reads_it()
    {
        var reader = await DistrictDispatcher("李明");
        var other = await Other();
        var direct = Channels.Direct(reader.Login, other.Login).Key;
        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, "在吗？"));
        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, $"@{reader.Login} 请回电"));
        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, "谢谢"));

        var cut = Open(reader, $"node:{District}");

        // The district and city channels are the district dispatcher's; the direct one is listed once written in.
        Assert.Equal("true", cut.Find(Channel($"node:{District}")).GetAttribute("aria-current"));
        cut.Find(Channel("node:" + District.Split('/')[0]));
        var dm = cut.Find(Channel(direct));
        Assert.Equal("3", dm.GetAttribute("data-unread"));
        Assert.Equal("1", dm.GetAttribute("data-mentions"));
        // Named by the other person's account (their login here: the test users are named so).
        Assert.Equal(other.Login, dm.QuerySelector(".chat-channel-title")!.TextContent);
        Assert.Equal("Direct", dm.Closest("[data-testid=chat-channel-group]")!.GetAttribute("data-group"));

        // Shown, it is read: the list and the store agree.
        await cut.InvokeAsync(() => cut.Find(Channel(direct)).Click());
        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=chat-message]").Count));
        cut.WaitForAssertion(() => Assert.Equal("0", cut.Find(Channel(direct)).GetAttribute("data-unread")));
        using var scope = app.Services.CreateScope();
        var stored = (await scope.ServiceProvider.GetRequiredService<ChatService>().Channels(reader)).Single(c => c.Key == direct);
        Assert.Equal(0, stored.Unread);
        // The message that names the reader is emphasised.
        Assert.Equal("true", cut.Find("[data-testid=chat-message] [data-testid=chat-mention]").GetAttribute("data-mine"));
    }

    [Fact]
    public async Task A_message_posted_elsewhere_is_pushed_into_the_open_channel_and_counted_on_another()
    {
        var reader = await DistrictDispatcher("李明");
        var other = await Other();
        var direct = Channels.Direct(reader.Login, other.Login).Key;
        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, "第一条"));
        var cut = Open(reader, direct);
        cut.WaitForElement("[data-testid=chat-message]");
        var district = $"node:{District}";
        var before = int.Parse(cut.Find(Channel(district)).GetAttribute("data-unread")!);

        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, "第二条：东湖路口积水"));
        // A city dispatcher is not in the district's channel; a colleague at the district is.
        Assert.IsType<ChatOutcome.Refused>(await Post(other, district, "越级"));
        Assert.IsType<ChatOutcome.Posted>(await Post(await DistrictDispatcher("赵六"), district, "区里通报"));

        cut.WaitForAssertion(() => Assert.Contains(cut.FindAll("[data-testid=chat-text]"), t => t.TextContent == "第二条：东湖路口积水"));
        cut.WaitForAssertion(() => Assert.Equal((before + 1).ToString(), cut.Find(Channel(district)).GetAttribute("data-unread")));
        // The open channel stays read.
        Assert.Equal("0", cut.Find(Channel(direct)).GetAttribute("data-unread"));
    }

    [Fact]
    public async Task Markup_in_a_message_is_shown_as_text_and_an_incident_number_opens_its_drawer()
    {
        var reader = await DistrictDispatcher("李明");
        var other = await Other();
        var incident = await app.Report(Calls.Form() with { Lat = Lat, Lon = Lon });
        var direct = Channels.Direct(reader.Login, other.Login).Key;
        const string hostile = "<script>alert('x')</script><b onclick=\"alert(1)\">粗体</b>";
        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, hostile));
        var cut = Open(reader, direct);

        Assert.IsType<ChatOutcome.Posted>(await Post(other, direct, $"请看 #{incident.Number} 现场"));

        var link = cut.WaitForElement($"[data-testid=chat-incident-link][data-number='{incident.Number}']");
        Assert.Equal($"#{incident.Number}", link.TextContent);
        var text = cut.FindAll("[data-testid=chat-text]").First(t => t.TextContent.Contains("alert"));
        Assert.Equal(hostile, text.TextContent);
        Assert.Empty(text.Children);
        Assert.Empty(cut.FindAll("[data-testid=chat-messages] script, [data-testid=chat-messages] b"));
        Assert.Contains("&lt;script&gt;", text.InnerHtml);

        await cut.InvokeAsync(() => cut.Find($"[data-testid=chat-incident-link][data-number='{incident.Number}']").Click());
        cut.WaitForElement($"[data-testid=incident-drawer][data-id='{incident.Id}'] [data-testid=drawer-number]");
    }

    [Fact]
    public async Task A_refused_command_is_shown_to_its_sender_only_with_how_to_write_it()
    {
        var sender = await DistrictDispatcher("李明");
        var colleague = await DistrictDispatcher("赵六");
        var channel = $"node:{District}";
        var mine = Open(sender, channel);
        var theirs = Open(colleague, channel);

        await Type(mine, "/assign");
        // The box suggests the command while it is typed.
        mine.WaitForAssertion(() => Assert.Contains(mine.FindAll("[data-testid=chat-completion]"), c => c.GetAttribute("data-insert") == "/assign"));
        await Send(mine);

        var note = mine.WaitForElement("[data-testid=chat-note][data-kind=Refused]");
        Assert.Contains("/assign needs a department or a unit", note.TextContent);
        Assert.Contains("/assign <department>", mine.Find("[data-testid=chat-usage]").TextContent);
        // The line stays in the box to be put right.
        Assert.Equal("/assign", mine.Find("[data-testid=chat-input]").GetAttribute("value"));

        // A message sent after it reaches the colleague; the refusal never did.
        await Type(mine, "收到，马上处理");
        await Send(mine);
        theirs.WaitForAssertion(() => Assert.Contains(theirs.FindAll("[data-testid=chat-text]"), t => t.TextContent == "收到，马上处理"));
        Assert.Empty(theirs.FindAll("[data-testid=chat-note]"));
        Assert.DoesNotContain("needs a department", theirs.Markup);
        Assert.DoesNotContain(theirs.FindAll("[data-testid=chat-text]"), t => t.TextContent.StartsWith("/assign"));
        // The sender's own message was taken: the box is empty again and the refusal made way.
        mine.WaitForAssertion(() => Assert.Empty(mine.FindAll("[data-testid=chat-note]")));
    }

    [Fact]
    public async Task Given_the_chat_page_when_it_opens_or_a_line_is_sent_then_the_message_box_has_the_focus()
    {
        var reader = await DistrictDispatcher("李明");
        var focus = new JSCalls("dispatch.focus", call => call.Arguments[0] as string == "#chat-input");
        var cut = Open(reader, $"node:{District}", ctx => ctx.JSInterop.AddInvocationHandler(focus));

        // Opened: the cursor is in the box, no Tab needed (issue 19 item 5).
        await focus.Call(1);
        Assert.Equal(1, focus.Count);
        Assert.NotEmpty(cut.FindAll("#chat-input"));

        await Type(cut, "收到");
        await Send(cut);

        // Sent (by Enter or by the button): the focus is put back in the box for the next line.
        await focus.Call(2);
        Assert.Equal(2, focus.Count);
        Assert.Null(cut.Find("[data-testid=chat-input]").GetAttribute("value"));
    }
}
