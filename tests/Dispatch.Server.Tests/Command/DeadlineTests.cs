using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Command;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Command;

/// <summary>Waiting for the deadline watch, without sleeping: it reports each round it completes.</summary>
public static class Watch
{
    public static DeadlineWatch DeadlineWatch(this DispatchApp app) => app.Services.GetRequiredService<DeadlineWatch>();

    /// <summary>
    /// Completes once the watch finished a round that last looked with its clock at or after <paramref name="from"/>
    /// (it has seen the world as of then). Call before moving the clock, with the time it moves to.
    /// </summary>
    public static Task RoundAt(this DispatchApp app, DateTimeOffset from)
    {
        var watch = app.DeadlineWatch();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRound(DateTimeOffset lookedAt) { if (lookedAt >= from) done.TrySetResult(); }
        watch.RoundCompleted += OnRound;
        return done.Task.WaitAsync(BoardClient.Patience).ContinueWith(t => { watch.RoundCompleted -= OnRound; return t; }).Unwrap();
    }
}

/// <summary>
/// Deadlines on an injected clock: an assignment nobody acknowledges goes up a level when its time runs out, one
/// level per lapse, and at the city the miss is recorded once.
/// </summary>
public class DeadlineTests(ClockedDispatchApp app) : IClassFixture<ClockedDispatchApp>
{
    // Urgency 3 (high): 30 minutes to acknowledge, a day to resolve (src/Dispatch.Server/command-policy.json).
    static readonly TimeSpan Acknowledge = TimeSpan.FromMinutes(30);

    async Task<Accepted> AssignedHigh()
    {
        var incident = await app.Client().Accepted(Api.Report(urgency: 3));
        return await app.Client().CommandOk(incident.Id, "assign", new { department = "urban-management" });
    }

    [Fact]
    public async Task An_unacknowledged_assignment_escalates_town_district_city_then_the_miss_is_recorded_once()
    {
        await using var board = await BoardClient.Connect(app);
        var incident = await AssignedHigh();
        var assignedAt = app.Time.GetUtcNow();

        // At the deadline (and not before: CommandTests): up to the district, with a fresh half hour.
        app.Time.Advance(Acknowledge);
        var district = await board.Next(c => c.Id == incident.Id && c.Level == CommandLevel.District);
        Assert.Equal(app.Time.GetUtcNow() + Acknowledge, district.DeadlineDue);
        Assert.Equal(1, district.Escalations);

        app.Time.Advance(Acknowledge);
        await board.Next(c => c.Id == incident.Id && c.Level == CommandLevel.City);

        var missedRound = app.RoundAt(app.Time.GetUtcNow() + Acknowledge);
        app.Time.Advance(Acknowledge);
        var missed = await board.Next(c => c.Id == incident.Id && c.MissedDue is not null);
        Assert.Null(missed.NextCheckAt);
        await missedRound; // the watch has gone back to sleep

        // Later rounds (the watch looks at least every 12 hours) find nothing more to do.
        var round = app.RoundAt(app.Time.GetUtcNow() + TimeSpan.FromHours(13));
        app.Time.Advance(TimeSpan.FromHours(13));
        await round;
        var events = (await app.Events(incident.Id)).Select(e => e.Data).ToList();
        var escalations = events.OfType<IncidentEscalated>().ToList();
        Assert.Equal([(CommandLevel.Town, CommandLevel.District), (CommandLevel.District, CommandLevel.City)], escalations.Select(e => (e.From, e.To)));
        Assert.All(escalations, e => Assert.True(e.Automatic));
        Assert.All(escalations, e => Assert.Equal(DeadlineWatch.Login, e.By));
        Assert.StartsWith($"acknowledgement overdue since {(assignedAt + Acknowledge).UtcDateTime:yyyy-MM-dd HH:mm}", escalations[0].Reason);
        Assert.Single(events.OfType<IncidentDeadlineMissed>());
    }

    [Fact]
    public async Task An_acknowledged_incident_is_not_escalated_for_acknowledgement()
    {
        var incident = await AssignedHigh();
        await app.Client().CommandOk(incident.Id, "acknowledge", new { department = "urban-management" });

        var round = app.RoundAt(app.Time.GetUtcNow() + Acknowledge + TimeSpan.FromMinutes(5));
        app.Time.Advance(Acknowledge + TimeSpan.FromMinutes(5));
        await round;

        Assert.Equal(CommandLevel.Town, (await app.Card(incident.Id))!.Level);
        Assert.DoesNotContain(await app.Events(incident.Id), e => e.Data is IncidentEscalated);
    }
}
