using Dispatch.Server.Tests.Infrastructure;
using Xunit;

namespace Dispatch.Server.Tests.Lifecycle;

/// <summary>A restart (or a crash) loses no accepted event, and the day's numbers go on where they were.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task After_a_restart_every_accepted_incident_is_there_with_its_timeline_and_numbers_go_on()
    {
        var database = $"dispatch_test_{Guid.NewGuid():N}";
        Accepted first, second;
        var before = DispatchApp.OnDatabase(database, keepDatabase: true);
        await ((IAsyncLifetime)before).InitializeAsync();
        try
        {
            // Given a server that accepted two incidents and one step
            var client = before.Client("before-restart");
            first = await client.ReportOk();
            second = await client.ReportOk();
            await client.CommandOk(first.Id, "accept");
        }
        finally
        {
            await ((IAsyncLifetime)before).DisposeAsync();
        }

        // When a new server starts on the same database
        var after = DispatchApp.OnDatabase(database, keepDatabase: false);
        await ((IAsyncLifetime)after).InitializeAsync();
        try
        {
            var client = after.Client("after-restart");

            // Then both incidents and their steps are there
            var detail = await client.Detail(first.Id);
            Assert.Equal("Accepted", detail.GetProperty("state").GetString());
            Assert.Equal(["Reported", "Placed", "Routed", "Accepted"],
                detail.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("kind").GetString()));
            Assert.Equal("before-restart", detail.GetProperty("timeline")[2].GetProperty("by").GetString());
            var board = await client.GetJson("/api/board");
            Assert.Equal(new[] { first.Id, second.Id }.Order(), board.EnumerateArray().Select(c => c.GetProperty("id").GetGuid()).Order());

            // and a new intake takes the next number of the day, never one already given
            var third = await client.ReportOk();
            Assert.Equal(first.Number[..9], third.Number[..9]);
            Assert.Equal(int.Parse(second.Number[9..]) + 1, int.Parse(third.Number[9..]));
            // and the incidents take commands at the versions they had
            await client.CommandOk(second.Id, "accept", new { expectedVersion = second.Version });
            Assert.Equal("Accepted", (await client.Detail(second.Id)).GetProperty("state").GetString());
        }
        finally
        {
            await ((IAsyncLifetime)after).DisposeAsync();
        }
    }
}
