using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;
using Dispatch.Server.Components.Chat;

namespace Dispatch.Components.Tests;

/// <summary>The pure parts of the chat's faces: a message split into text, incident links and mentions; the box's suggestions; the channel groups.</summary>
public sealed class ChatTextTests
{
    static IReadOnlyList<MessageSegment> Split(string text, params Mention[] mentions) =>
        MessageSegments.Split(text, mentions, "wang", ["urban-management"], name => name == "城管" ? "urban-management" : null);

    [Fact]
    public void An_incident_number_becomes_a_link_piece_and_the_rest_stays_text()
    {
        var pieces = Split("请看 #20261123-0042，已到场");
        Assert.Equal(
            [new(SegmentKind.Text, "请看 "), new(SegmentKind.Incident, "#20261123-0042", "20261123-0042"), new(SegmentKind.Text, "，已到场")],
            pieces);
    }

    [Theory]
    [InlineData("x#20261123-0042")]      // glued to a word
    [InlineData("#20261123-0042x")]
    [InlineData("#2026112-0042")]        // seven digits
    [InlineData("#20261123-042")]        // three
    public void Something_that_only_looks_like_a_number_stays_text(string text) =>
        Assert.Equal([new MessageSegment(SegmentKind.Text, text)], Split(text));

    [Fact]
    public void Only_resolved_mentions_are_highlighted_and_the_readers_own_is_marked_mine()
    {
        var pieces = Split("@wang 和 @东湖-城管-01 去现场，@nobody 不用。@城管.",
            new Mention(MentionKind.Person, "wang", "wang"), new Mention(MentionKind.Unit, "东湖-城管-01", "unit-01"),
            new Mention(MentionKind.Department, "urban-management"));
        Assert.Equal(
        [
            new(SegmentKind.Mention, "@wang", "wang", Mine: true),
            new(SegmentKind.Text, " 和 "),
            new(SegmentKind.Mention, "@东湖-城管-01", "东湖-城管-01", Mine: false),
            new(SegmentKind.Text, " 去现场，@nobody 不用。"),
            // Through the reader's department; the full stop after the name stays text.
            new(SegmentKind.Mention, "@城管", "城管", Mine: true),
            new(SegmentKind.Text, "."),
        ], pieces);
    }

    [Fact]
    public void Markup_is_a_text_piece_like_any_other()
    {
        const string hostile = "<script>alert(1)</script><img src=x onerror=alert(2)> #20261123-0042";
        var pieces = Split(hostile);
        Assert.Equal("<script>alert(1)</script><img src=x onerror=alert(2)> ", pieces[0].Text);
        Assert.Equal(SegmentKind.Text, pieces[0].Kind);
        Assert.Equal(hostile, string.Concat(pieces.Select(p => p.Text)));
    }

    static readonly CompletionSources Sources = new(
        Incidents: [new("20261123-0042", "道路破损"), new("20261123-0117", "占道经营"), new("20261122-0042", "噪声")],
        Units: [new("东湖-城管-01", "城管"), new("东湖-城管-02", "城管"), new("西湖-消防-01", "消防")],
        People: [new("wang", "王强"), new("li", "李明")],
        Departments: [new("urban-management", "城管"), new("fire", "消防")]);

    [Fact]
    public void A_slash_at_the_start_completes_commands()
    {
        var commands = ChatCompletions.For("/as", Sources);
        Assert.Equal(["/assign"], commands.Select(c => c.Insert));
        Assert.Equal(SlashCommands.All.Count, ChatCompletions.For("/", Sources).Count);
        Assert.Empty(ChatCompletions.For("see /as", Sources));
    }

    [Fact]
    public void A_hash_completes_visible_incident_numbers_by_any_part()
    {
        Assert.Equal(["#20261122-0042", "#20261123-0042"], ChatCompletions.For("/note #0042", Sources).Select(c => c.Insert));
        Assert.Equal(["#20261123-0117"], ChatCompletions.For("see #2026112", Sources).Where(c => c.Insert.EndsWith("0117")).Select(c => c.Insert));
        Assert.Equal("道路破损", ChatCompletions.For("#20261123-0042", Sources).Single().Detail);
    }

    [Fact]
    public void An_at_completes_people_units_and_departments()
    {
        Assert.Equal(["@wang"], ChatCompletions.For("请 @wa", Sources).Select(c => c.Insert));
        Assert.Equal(["@东湖-城管-01", "@东湖-城管-02"], ChatCompletions.For("@东湖", Sources).Select(c => c.Insert));
        Assert.Equal(["@fire"], ChatCompletions.For("@FI", Sources).Select(c => c.Insert));
    }

    [Fact]
    public void The_argument_of_assign_completes_units_and_departments_and_of_status_units()
    {
        // Names first, then by the word about them: urban management by its Chinese name.
        Assert.Equal(["东湖-城管-01", "东湖-城管-02", "urban-management"], ChatCompletions.For("/assign 城管", Sources).Select(c => c.Insert));
        Assert.Equal(["+fire"], ChatCompletions.For("/assign urban-management +fi", Sources).Select(c => c.Insert));
        Assert.Equal(["西湖-消防-01"], ChatCompletions.For("/status 西湖", Sources).Select(c => c.Insert));
        Assert.Empty(ChatCompletions.For("/note 东湖", Sources));
        Assert.Equal(["#20261123-0042"], ChatCompletions.For("#道路", Sources).Select(c => c.Insert));
        Assert.Empty(ChatCompletions.For("东湖", Sources));
    }

    [Fact]
    public void Accepting_a_suggestion_replaces_the_word_being_typed()
    {
        var completion = ChatCompletions.For("/assign 东湖-城管-0", Sources)[0];
        Assert.Equal("/assign 东湖-城管-01 ", ChatCompletions.Accept("/assign 东湖-城管-0", completion));
        Assert.Equal("/assign ", ChatCompletions.Accept("/as", ChatCompletions.For("/as", Sources)[0]));
    }

    [Fact]
    public void Channels_are_grouped_places_from_the_city_down_then_departments_hotline_incidents_with_news_first_and_direct()
    {
        var now = DateTimeOffset.Parse("2026-11-23T08:00:00Z");
        ChannelSummary S(string key, ChannelKind kind, int unread = 0, int minutesAgo = 0) =>
            new(key, kind, key, 10, 10 - unread, unread, 0, now.AddMinutes(-minutesAgo));
        var groups = ChannelGroups.Of(
        [
            S("dm:a|b", ChannelKind.Direct, minutesAgo: 9), S("incident:old", ChannelKind.Incident, minutesAgo: 1),
            S("node:demo/dh/dh-04", ChannelKind.Town), S("incident:news", ChannelKind.Incident, unread: 2, minutesAgo: 30),
            S("node:demo", ChannelKind.City, unread: 1), S("dept:demo/dh:fire", ChannelKind.Department), S("node:demo/dh", ChannelKind.District),
            S("dm:a|c", ChannelKind.Direct, unread: 3, minutesAgo: 2),
        ]);
        Assert.Equal([ChannelGroupKind.Places, ChannelGroupKind.Departments, ChannelGroupKind.Incidents, ChannelGroupKind.Direct], groups.Select(g => g.Kind));
        Assert.Equal(["node:demo", "node:demo/dh", "node:demo/dh/dh-04"], groups[0].Channels.Select(c => c.Key));
        Assert.Equal(["incident:news", "incident:old"], groups[2].Channels.Select(c => c.Key));
        Assert.Equal(["dm:a|c", "dm:a|b"], groups[3].Channels.Select(c => c.Key));
        Assert.Equal(6, groups.Sum(g => g.Unread));
    }
}
