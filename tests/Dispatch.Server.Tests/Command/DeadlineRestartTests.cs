using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Tests.Infrastructure;
using Xunit;

namespace Dispatch.Server.Tests.Command;

/// <summary>
/// Timers survive a restart and fire once when two nodes run: the deadlines live with the incidents in
/// PostgreSQL, and the escalation goes through the incident's locked stream.
/// </summary>
public sealed class DeadlineRestartTests
{
    static readonly DateTimeOffset Start = new(2026, 11, 23, 1, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_deadline_that_ran_out_while_the_server_was_down_escalates_when_it_starts()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        var clock = new ManualClock(Start);
        Accepted incident;
        var before = DispatchApp.OnDatabase(database, keepDatabase: true, clock);
        await ((IAsyncLifetime)before).InitializeAsync();
        try
        {
            var accepted = await before.Client().Accepted(Api.Report(urgency: 3));
            incident = await before.Client().CommandOk(accepted.Id, "assign", new { department = "urban-management" });
        }
        finally
        {
            await ((IAsyncLifetime)before).DisposeAsync();
        }

        // While no server runs, the half hour passes.
        clock.Advance(TimeSpan.FromMinutes(45));

        var after = DispatchApp.OnDatabase(database, keepDatabase: false, clock);
        await ((IAsyncLifetime)after).InitializeAsync();
        try
        {
            await using var board = await BoardClient.Connect(after);
            var card = (await board.Board()).Single(c => c.Id == incident.Id);
            if (card.Level != CommandLevel.District)
                card = await board.Next(c => c.Id == incident.Id && c.Level == CommandLevel.District);
            Assert.Equal(CommandLevel.District, card.Level);
            Assert.Single(await after.Events(incident.Id), e => e.Data is IncidentEscalated);
        }
        finally
        {
            await ((IAsyncLifetime)after).DisposeAsync();
        }
    }

    [Fact]
    public async Task With_two_nodes_on_one_database_an_overdue_incident_escalates_exactly_once()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        // One clock for the two nodes, as two servers share real time.
        var clock = new ManualClock(Start);
        var first = DispatchApp.OnDatabase(database, keepDatabase: true, clock);
        var second = DispatchApp.OnDatabase(database, keepDatabase: false, clock);
        await ((IAsyncLifetime)first).InitializeAsync();
        await ((IAsyncLifetime)second).InitializeAsync();
        try
        {
            var incidents = new List<Accepted>();
            for (var i = 0; i < 5; i++)
            {
                var accepted = await first.Client().Accepted(Api.Report(urgency: 3));
                incidents.Add(await second.Client().CommandOk(accepted.Id, "assign", new { department = "urban-management" }));
            }

            // Both nodes wake at the deadline and both try; each incident goes up once.
            var due = clock.GetUtcNow() + TimeSpan.FromMinutes(31);
            var rounds = Task.WhenAll(first.RoundAt(due), second.RoundAt(due));
            clock.Advance(TimeSpan.FromMinutes(31));
            await rounds;

            foreach (var incident in incidents)
            {
                var escalations = (await first.Events(incident.Id)).Where(e => e.Data is IncidentEscalated).ToList();
                Assert.Single(escalations);
                Assert.Equal(CommandLevel.District, (await first.Card(incident.Id))!.Level);
            }
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
            await ((IAsyncLifetime)first).DisposeAsync();
        }
    }
}
