using System.Diagnostics;
using Dispatch.Server.Performance;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using Xunit.Abstractions;

namespace Dispatch.Server.Tests.Cluster;

/// <summary>
/// The async daemon in hot/cold mode (the default) across two nodes on one database: one node runs the KPI projection,
/// and when it stops the other takes over and the KPI rows keep up.
/// </summary>
public sealed class HotColdDaemonTests(ITestOutputHelper output)
{
    static bool RunsTheDaemon(DispatchApp node) =>
        node.Services.GetRequiredService<Marten.Events.Daemon.Coordination.IProjectionCoordinator>().DaemonForMainDatabase()
            .CurrentAgents().Any(a => a.Status == JasperFx.AgentStatus.Running && a.Name.Identity.StartsWith(KpiProjection.Name));

    static async Task Until(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (cts.IsCancellationRequested) throw new TimeoutException($"Not within {timeout}: {what}");
            await Task.Delay(50);
        }
    }

    static async Task<string> DaemonRole(DispatchApp node)
    {
        using var client = node.Anonymous();
        var body = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/health/ready")).RootElement;
        return body.GetProperty("checks").GetProperty("daemon").GetProperty("description").GetString()!;
    }

    static async Task<int> Received(DispatchApp node, string department)
    {
        await using var query = node.Documents().QuerySession();
        var rows = await query.Query<KpiDay>().Where(r => r.Kind == KpiKind.Department && r.Department == department).ToListAsync();
        return rows.Sum(r => r.Received);
    }

    static async Task Assign(DispatchApp node, string department)
    {
        var accepted = await node.Client().ReportOk();
        await node.Client().CommandOk(accepted.Id, "accept");
        await node.Client().CommandOk(accepted.Id, "assign", new { department });
    }

    [Fact]
    public async Task Given_two_nodes_in_hot_cold_when_the_leader_stops_then_the_other_takes_over_and_kpis_keep_updating()
    {
        const string department = "urban-management";
        await using var nodes = new Nodes();
        var phase = Stopwatch.StartNew();
        var a = await nodes.Start();
        var b = await nodes.Start();
        DispatchApp[] both = [a, b];
        output.WriteLine($"Two nodes started in {phase.ElapsedMilliseconds} ms");

        // One node, not two, runs the KPI projection, through several leadership polls.
        var started = Stopwatch.StartNew();
        await Until(() => Task.FromResult(both.Count(RunsTheDaemon) == 1), TimeSpan.FromSeconds(30), "a leader");
        output.WriteLine($"A leader {started.ElapsedMilliseconds} ms after both nodes started");
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(3)) { Assert.Equal(1, both.Count(RunsTheDaemon)); await Task.Delay(100); }
        var leader = both.Single(RunsTheDaemon);
        var standby = both.Single(n => n != leader);
        // Each node says its part on /health/ready.
        Assert.StartsWith("leader", await DaemonRole(leader));
        Assert.StartsWith("standby", await DaemonRole(standby));

        // A command on the standby counts in the KPIs (the leader's daemon projects it).
        await Assign(standby, department);
        await Until(async () => await Received(standby, department) == 1, TimeSpan.FromSeconds(30), "the first KPI change");

        // The leader stops; a new command on the survivor shows in the KPIs once it has taken over.
        phase.Restart();
        await nodes.Stop(leader);
        output.WriteLine($"The leader stopped in {phase.ElapsedMilliseconds} ms");
        var failover = Stopwatch.StartNew();
        await Until(() => Task.FromResult(RunsTheDaemon(standby)), TimeSpan.FromSeconds(30), "the standby taking over");
        var takeover = failover.ElapsedMilliseconds;
        await Assign(standby, department);
        await Until(async () => await Received(standby, department) == 2, TimeSpan.FromSeconds(30), "the KPI change after the leader stopped");
        failover.Stop();
        output.WriteLine($"Standby runs the daemon {takeover} ms after the leader stopped (leadership polling 1000 ms); " +
                         $"a new command's KPI change visible {failover.ElapsedMilliseconds} ms after it stopped");

        // A few polls, and the command's own time on a loaded test machine.
        Assert.True(failover.Elapsed < TimeSpan.FromSeconds(15), $"failover took {failover.Elapsed}");
    }
}
