using System.Text.Json;
using Dispatch.Server.Tests.Cluster;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Sensors;

/// <summary>Alarms from two devices at one place, sent to two server nodes on one database at once, open one incident.</summary>
public class TwoNodeSensorTests
{
    [Fact]
    public async Task Given_two_nodes_when_alarms_from_one_place_race_on_both_then_exactly_one_incident_holds_every_alarm()
    {
        await using var nodes = new Nodes();
        var a = await nodes.Start();
        var b = await nodes.Start();
        var first = await a.Client().Register(Devices.Body("illegal-parking"));
        var second = await a.Client().Register(Devices.Body("illegal-parking", Api.ReportLat + 0.00005, Api.ReportLon));
        var now = DateTimeOffset.UtcNow;

        // Ten batches each way, half to each node, all at once.
        using var go = new SemaphoreSlim(0);
        var sends = Enumerable.Range(0, 20).Select(async i =>
        {
            var (node, device) = (i % 2 == 0 ? a : b, i % 4 < 2 ? first : second);
            using var client = node.Keyed(device.Key);
            await go.WaitAsync();
            return await client.SendOk(device.Id, ("level", 4.0, now.AddSeconds(-i)));
        }).ToList();
        go.Release(20);
        var answers = await Task.WhenAll(sends);

        var number = Assert.Single(answers.Select(x => x.GetProperty("incident").GetString()).Distinct());
        var card = Assert.Single(await a.SensorCards("illegal-parking"));
        Assert.Equal(number, card.Number);
        Assert.Equal(20, (await a.Client().Detail(card.Id)).GetProperty("sensorAlarms").GetInt32());
    }
}
