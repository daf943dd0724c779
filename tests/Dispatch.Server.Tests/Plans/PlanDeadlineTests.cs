using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.Command;
using Dispatch.Server.Tests.Command;
using Dispatch.Server.Tests.Infrastructure;
using Xunit;

namespace Dispatch.Server.Tests.Plans;

/// <summary>
/// A running plan's task deadlines on the injected clock: the deadline watch wakes for them and records each late task
/// overdue exactly once (bringing command back up if it was taken below the plan's level), never a completed one, and
/// nothing once the plan stands down.
/// </summary>
public class PlanDeadlineTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    /// <summary>
    /// A missing old man under the elderly-missing plan (district, response level Ⅳ): search in 30 minutes, cameras and
    /// shelter in an hour. The assignment is acknowledged, so its own deadline (days) stays out of the way.
    /// </summary>
    internal static async Task<Accepted> MissingUnderPlan(DispatchApp app)
    {
        var incident = await app.Client().ReportOk(Api.Report($"老人走失，家属报警 {Api.Unique("m")}", category: "elderly-assistance", urgency: 2));
        await app.Client().CommandOk(incident.Id, "activate-plan", new { plan = "elderly-missing", reason = "八十岁老人走失三小时" });
        return await app.Client().CommandOk(incident.Id, "acknowledge", new { department = "public-security" });
    }

    static async Task<List<PlanTaskOverdue>> Overdue(DispatchApp app, Guid id) =>
        [.. (await app.Events(id)).Select(e => e.Data).OfType<PlanTaskOverdue>()];

    [Fact]
    public async Task Given_a_running_plan_when_tasks_run_out_then_each_late_task_is_overdue_exactly_once_and_a_completed_one_never()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await MissingUnderPlan(app);
        await app.Client().CommandOk(incident.Id, "complete-task", new { task = "cameras", department = "public-security", note = "监控已调取" });
        var activatedAt = (await app.Events(incident.Id)).Select(e => e.Data).OfType<PlanActivated>().Single().At;

        // Half an hour: the search is late, and the board hears it.
        app.Time.Advance(TimeSpan.FromMinutes(30));
        var late = await board.Next(c => c.Id == incident.Id && c.Plan is { Late: 1 });
        Assert.Equal((3, 1), (late.Plan!.Total, late.Plan.Done));
        Assert.Equal(activatedAt + TimeSpan.FromHours(1), late.Plan.NextDue);

        // An hour: the shelter too; the cameras were done in time.
        app.Time.Advance(TimeSpan.FromMinutes(30));
        await board.Next(c => c.Id == incident.Id && c.Plan is { Late: 2 });

        // Later rounds (the watch looks at least every 12 hours) find nothing more.
        var round = app.RoundAt(app.Time.GetUtcNow() + TimeSpan.FromHours(13));
        app.Time.Advance(TimeSpan.FromHours(13));
        await round;
        var overdue = await Overdue(app, incident.Id);
        Assert.Equal(["search", "shelter"], overdue.Select(o => o.Task).Order());
        Assert.All(overdue, o => Assert.Equal(DeadlineWatch.Login, o.By));
        Assert.Equal(activatedAt + TimeSpan.FromMinutes(30), overdue.Single(o => o.Task == "search").Due);
        var card = (await app.Card(incident.Id))!;
        Assert.Null(card.Plan!.NextDue);
        var shelter = (await app.Client().Detail(incident.Id)).GetProperty("plan").GetProperty("tasks").EnumerateArray()
            .Single(t => t.GetProperty("code").GetString() == "shelter");
        Assert.True(shelter.GetProperty("overdue").GetBoolean());
    }

    [Fact]
    public async Task Given_command_delegated_below_the_plans_level_when_a_task_runs_out_then_it_goes_back_up_automatically_once()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await MissingUnderPlan(app);
        await app.Client().CommandOk(incident.Id, "delegate", new { reason = "镇里先找" });
        Assert.Equal(CommandLevel.Town, (await app.Card(incident.Id))!.Level);

        app.Time.Advance(TimeSpan.FromMinutes(31));

        var raised = await board.Next(c => c.Id == incident.Id && c.Level == CommandLevel.District && c.Plan is { Late: 1 });
        var events = (await app.Events(incident.Id)).Select(e => e.Data).ToList();
        var automatic = Assert.Single(events.OfType<IncidentEscalated>(), e => e.Automatic);
        Assert.Equal((CommandLevel.Town, CommandLevel.District, DeadlineWatch.Login), (automatic.From, automatic.To, automatic.By));
        Assert.Contains("plan elderly-missing task search overdue", automatic.Reason);
        Assert.Equal(CommandLevel.District, raised.Level);
    }

    [Fact]
    public async Task Given_a_plan_stood_down_when_its_deadlines_pass_then_nothing_is_overdue()
    {
        var incident = await MissingUnderPlan(app);
        await app.Client().CommandOk(incident.Id, "stand-down", new { reason = "老人已找到" });
        var card = (await app.Card(incident.Id))!;
        Assert.Null(card.Plan!.NextDue);
        Assert.False(card.Plan.Running);

        var round = app.RoundAt(app.Time.GetUtcNow() + TimeSpan.FromHours(2));
        app.Time.Advance(TimeSpan.FromHours(2));
        await round;

        Assert.Empty(await Overdue(app, incident.Id));
    }
}

/// <summary>Two server nodes on one database, one clock: a late task is recorded overdue once between them.</summary>
public sealed class PlanDeadlineTwoNodeTests
{
    [Fact]
    public async Task With_two_nodes_on_one_database_a_late_plan_task_is_recorded_overdue_exactly_once()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 23, 1, 0, 0, TimeSpan.Zero));
        var first = DispatchApp.OnDatabase(database, keepDatabase: true, clock);
        var second = DispatchApp.OnDatabase(database, keepDatabase: false, clock);
        await ((IAsyncLifetime)first).InitializeAsync();
        await ((IAsyncLifetime)second).InitializeAsync();
        try
        {
            var incidents = new List<Accepted>();
            for (var i = 0; i < 3; i++) incidents.Add(await PlanDeadlineTests.MissingUnderPlan(i % 2 == 0 ? first : second));

            // Both nodes wake at the search's deadline and both ask; each task is recorded once.
            var due = clock.GetUtcNow() + TimeSpan.FromMinutes(31);
            var rounds = Task.WhenAll(first.RoundAt(due), second.RoundAt(due));
            clock.Advance(TimeSpan.FromMinutes(31));
            await rounds;

            foreach (var incident in incidents)
            {
                var overdue = (await first.Events(incident.Id)).Select(e => e.Data).OfType<PlanTaskOverdue>().ToList();
                Assert.Equal("search", Assert.Single(overdue).Task);
                Assert.Equal(1, (await second.Card(incident.Id))!.Plan!.Late);
            }
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }
}
