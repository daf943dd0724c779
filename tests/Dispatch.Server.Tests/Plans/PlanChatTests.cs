using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Plans;

/// <summary><c>/plan</c> alone in an incident's channel: the matching plans with their codes, to the sender only.</summary>
public class PlanChatTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task Given_an_explosion_When_a_dispatcher_types_plan_alone_Then_the_matching_plans_are_answered_with_their_codes_and_once_one_runs_that_one()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Api.Report($"小区楼道燃气爆炸，有人受伤 {Api.Unique("c")}", category: "gas-leak", urgency: 4));
        var channel = Channels.Incident(incident.Id).Key;
        await using var dispatcher = await ChatClient.Connect(app, Api.Unique("plan-city"), "en", new Grant(Role.Dispatcher, scopes.City.Path));

        var proposals = await dispatcher.Post(channel, "/plan");

        Assert.True(proposals.Ok, $"{proposals.Code} {proposals.Text}");
        Assert.Equal("answer", proposals.Kind);
        Assert.Equal($"Plans for #{incident.Number} (/plan <code> <reason> activates one):\ngas-explosion — level Ⅱ 燃气爆炸事故应急预案 · City command · 6 tasks",
            proposals.Text);

        var activated = await dispatcher.Post(channel, "/plan gas-explosion 现场确认爆炸");
        Assert.True(activated.Ok, $"{activated.Code} {activated.Text}");
        var running = await dispatcher.Post(channel, "/plan");
        Assert.Equal($"Running on #{incident.Number}: level Ⅱ 燃气爆炸事故应急预案 (version 1); /standdown <reason> ends it.", running.Text);
    }

    [Fact]
    public async Task Given_a_handler_in_the_channel_When_they_type_plan_alone_Then_it_is_refused_as_the_api_refuses_them()
    {
        var scopes = new Scopes(app);
        var incident = await app.Client().ReportOk(Api.Report($"燃气爆炸 {Api.Unique("h")}", category: "gas-leak", urgency: 4));
        await app.Client().CommandOk(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "爆炸" });
        await using var handler = await ChatClient.Connect(app, Api.Unique("plan-hdl"), "en", new Grant(Role.Handler, scopes.City.Path, "emergency"));

        var reply = await handler.Post(Channels.Incident(incident.Id).Key, "/plan");

        Assert.False(reply.Ok);
        Assert.Equal("access.denied", reply.Code);
    }
}
