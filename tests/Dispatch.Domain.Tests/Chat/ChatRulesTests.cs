using Dispatch.Domain.Chat;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests.Chat;

/// <summary>The pure parts of chat besides the parser: channel keys, mentions, and what the platform announces where.</summary>
public class ChatRulesTests
{
    // ---- channel keys -------------------------------------------------------------------------------

    [Theory]
    [InlineData("node:demo", ChannelKind.City)]
    [InlineData("node:demo/dh", ChannelKind.District)]
    [InlineData("node:demo/dh/dh-04", ChannelKind.Town)]
    [InlineData("dept:demo/dh:urban-management", ChannelKind.Department)]
    [InlineData("hotline:demo", ChannelKind.Hotline)]
    [InlineData("incident:7b1f6c2e3d4a4c5b9e8f0a1b2c3d4e5f", ChannelKind.Incident)]
    [InlineData("dm:alice|bob", ChannelKind.Direct)]
    public void A_key_names_its_channel_and_reads_back_the_same(string key, ChannelKind kind)
    {
        var channel = Channels.Parse(key);

        Assert.Equal((key, kind), (channel?.Key, channel?.Kind));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("node:")]
    [InlineData("node:demo/dh/dh-04/dh-04-02")] // grid cells talk in their town's channel
    [InlineData("node:demo/../etc")]
    [InlineData("dm:bob|alice")] // not in its one spelling
    [InlineData("dm:alice|alice")]
    [InlineData("incident:not-a-guid")]
    [InlineData("hotline:demo/dh")]
    [InlineData("team:demo")]
    public void A_key_that_names_no_channel_is_refused(string? key) => Assert.Null(Channels.Parse(key));

    [Fact]
    public void A_direct_channel_is_named_the_same_from_both_ends()
    {
        Assert.Equal(Channels.Direct("alice", "bob"), Channels.Direct("bob", "alice"));
        Assert.Equal("bob", Channels.Partner(Channels.Direct("alice", "bob"), "alice"));
    }

    // ---- mentions -----------------------------------------------------------------------------------

    [Fact]
    public void Mentions_are_the_names_after_an_at_sign_but_not_in_an_email_address()
    {
        Assert.Equal(["东湖-城管-01", "dh-04.dispatcher", "water"],
            Mentions.NamesIn("@东湖-城管-01 请联系 @dh-04.dispatcher 和 @water, 邮件 li@example.com @东湖-城管-01"));
    }

    [Fact]
    public void A_mention_concerns_the_person_the_units_crew_and_the_departments_people()
    {
        IReadOnlyList<Mention> mentions = [new(MentionKind.Unit, "东湖-城管-01", "dh-04.unit"), new(MentionKind.Department, "water")];

        Assert.True(Mentions.Concerns(mentions, "dh-04.unit", []));
        Assert.True(Mentions.Concerns(mentions, "handler.wang", ["water"]));
        Assert.False(Mentions.Concerns(mentions, "handler.wang", ["urban-management"]));
    }

    // ---- what the platform announces ----------------------------------------------------------------

    static Incident Town() => Given(Reported(), Accepted(), Assigned()).State with { Place = new Place("demo/dh/dh-04", "dh", "dh-04", null) };

    [Fact]
    public void An_escalation_is_announced_in_the_incidents_channel_and_to_the_centre_that_now_commands_it()
    {
        var before = Town();
        var escalated = new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.District, "涉及多个街道", false, null, null, Dispatcher, Now);
        var after = Incident.Evolve(before, escalated)!;

        var posts = SystemMessages.For(after, [escalated]);

        Assert.Equal([Channels.Incident(Id).Key, "node:demo/dh"], posts.Select(p => p.Channel.Key));
        Assert.All(posts, p => Assert.Equal("system.escalated", p.Result.Code));
        Assert.All(posts, p => Assert.Equal([Number, "Town", "District", "涉及多个街道", Dispatcher], p.Result.Args));
    }

    [Fact]
    public void An_overdue_unit_is_announced_in_the_incidents_channel_only_and_an_assignment_not_at_all()
    {
        var overdue = new IncidentUnitOverdue(Id, Guid.NewGuid(), "东湖-城管-01", UnitStatus.OnScene, Earlier, TimeSpan.FromMinutes(60), "system", Now);

        var posts = SystemMessages.For(Town(), [overdue, Assigned()]);

        var post = Assert.Single(posts);
        Assert.Equal((ChannelKind.Incident, "system.unit-overdue"), (post.Channel.Kind, post.Result.Code));
        Assert.Equal([Number, "东湖-城管-01", "OnScene", "60"], post.Result.Args);
    }

    [Fact]
    public void An_overdue_plan_task_is_announced_to_the_incident_the_commanding_centre_and_the_tasks_department_there()
    {
        var due = Now.AddMinutes(-5);
        var activated = new Dispatch.Domain.Plans.PlanActivated(Id, "urban-flooding", 1, "城市内涝应急预案", Dispatch.Domain.Plans.ResponseLevel.III,
            CommandLevel.Town, UrbanManagement, [], [new("pumps", "排水", Water, null, due), new("search", "巡查", null, "patrol", due)], "积水", Dispatcher, Earlier);
        var overdue = new Dispatch.Domain.Plans.PlanTaskOverdue(Id, "pumps", due, "system", Now);
        var capability = new Dispatch.Domain.Plans.PlanTaskOverdue(Id, "search", due, "system", Now);
        var after = Incident.Evolve(Incident.Evolve(Town(), activated), overdue)!;

        var posts = SystemMessages.For(after, [overdue, capability]);

        Assert.Equal([Channels.Incident(Id).Key, "node:demo/dh/dh-04", $"dept:demo/dh/dh-04:{Water}", Channels.Incident(Id).Key, "node:demo/dh/dh-04"],
            posts.Select(p => p.Channel.Key));
        Assert.All(posts, p => Assert.Equal("system.plan-task-overdue", p.Result.Code));
        Assert.Equal([Number, "pumps", due.ToString("O")], posts[2].Result.Args);
    }

    [Fact]
    public void A_command_typed_in_chat_reports_the_platforms_own_words_when_it_announces_it_anyway()
    {
        var before = Town();
        var supervised = new IncidentSupervised(Id, "今日内处置", "leader.zhou", Now);

        var result = SystemMessages.ResultOf(new SuperviseIncident("今日内处置", "leader.zhou"), Incident.Evolve(before, supervised)!, [supervised]);
        var assigned = SystemMessages.ResultOf(new AssignIncident(UrbanManagement, Dispatcher, [Water]), before, [Assigned()]);

        Assert.Equal("system.supervised", result.Code);
        Assert.Equal("result.assigned-with", assigned.Code);
        Assert.Equal([Number, UrbanManagement, Water], assigned.Args);
    }
}
