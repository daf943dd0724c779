using Dispatch.Domain.Plans;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Plans;

/// <summary>
/// The plan's run as the read models show it: the board card's badge numbers and the watch's next look, the drawer's
/// plan with every task and who worked it.
/// </summary>
public class PlanProgressTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task Given_an_activated_plan_when_a_task_is_completed_then_the_card_counts_it_and_the_detail_names_who_did_it()
    {
        var incident = await app.Client().ReportOk(Api.Report($"小区燃气爆炸 {Api.Unique("p")}", category: "gas-leak", urgency: 4));
        await app.Client().CommandOk(incident.Id, "activate-plan", new { plan = "gas-explosion", reason = "现场确认爆炸" });
        var activated = (await app.Events(incident.Id)).Select(e => e.Data).OfType<PlanActivated>().Single();

        var card = (await app.Card(incident.Id))!;
        Assert.Equal(("gas-explosion", "燃气爆炸事故应急预案", ResponseLevel.II, 6, 0, 0, true),
            (card.Plan!.Code, card.Plan.Title, card.Plan.Level, card.Plan.Total, card.Plan.Done, card.Plan.Late, card.Plan.Running));
        // fire-rescue is the first due (10 minutes); the watch looks then at the latest.
        Assert.Equal(activated.At + TimeSpan.FromMinutes(10), card.Plan.NextDue);
        Assert.True(card.NextCheckAt <= card.Plan.NextDue);

        await app.Client().CommandOk(incident.Id, "complete-task", new { task = "fire-rescue", department = "fire", note = "明火已扑灭" });

        card = (await app.Card(incident.Id))!;
        Assert.Equal(1, card.Plan!.Done);
        Assert.Equal(activated.At + TimeSpan.FromMinutes(15), card.Plan.NextDue);
        var detail = await app.Client().Detail(incident.Id);
        var plan = detail.GetProperty("plan");
        Assert.Equal(("gas-explosion", 1, "II", "现场确认爆炸", true),
            (plan.GetProperty("code").GetString(), plan.GetProperty("version").GetInt32(), plan.GetProperty("level").GetString(),
                plan.GetProperty("reason").GetString(), plan.GetProperty("running").GetBoolean()));
        var fire = plan.GetProperty("tasks").EnumerateArray().Single(t => t.GetProperty("code").GetString() == "fire-rescue");
        Assert.Equal(("fire", "明火已扑灭", activated.At + TimeSpan.FromMinutes(10)),
            (fire.GetProperty("workedBy").GetString(), fire.GetProperty("note").GetString(), fire.GetProperty("due").GetDateTimeOffset()));
        Assert.False(string.IsNullOrEmpty(fire.GetProperty("completedBy").GetString()));
        Assert.Contains(detail.GetProperty("timeline").EnumerateArray(), t => t.GetProperty("kind").GetString() == "PlanTaskCompleted");

        await app.Client().CommandOk(incident.Id, "stand-down", new { reason = "险情消除" });

        card = (await app.Card(incident.Id))!;
        Assert.False(card.Plan!.Running);
        Assert.Null(card.Plan.NextDue);
        plan = (await app.Client().Detail(incident.Id)).GetProperty("plan");
        Assert.Equal(("险情消除", false), (plan.GetProperty("stoodDownReason").GetString(), plan.GetProperty("running").GetBoolean()));
    }
}
