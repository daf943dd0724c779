using Dispatch.Drill;

namespace Dispatch.Server.Tests.Drill;

/// <summary>
/// The pure parts of the failover and rolling drills: their options and the report computed from what the drill
/// recorded. (The drills themselves run against a cluster: deploy/drill/run.)
/// </summary>
public sealed class FailoverDrillTests
{
    static readonly Guid A = Guid.NewGuid(), B = Guid.NewGuid(), C = Guid.NewGuid();

    [Fact]
    public void Given_no_options_when_parsed_then_the_drill_kills_the_consoles_node_with_two_intakes_a_second()
    {
        var options = FailoverOptions.From(Options.Parse(["failover", "--url", "http://localhost:5090"]));

        Assert.Null(options.Kill);
        Assert.Equal(2, options.Rate);
        Assert.Equal(8, options.Units);
        Assert.Equal(TimeSpan.FromSeconds(20), options.Before);
        Assert.True(options.Browser);
        Assert.Equal(new Uri("http://localhost:5090"), options.Url);
    }

    [Fact]
    public void Given_a_node_and_no_browser_when_parsed_then_they_are_taken_and_a_bad_node_or_unknown_option_is_refused()
    {
        var options = FailoverOptions.From(Options.Parse(["failover", "--kill", "2", "--no-browser", "--after", "5"]));
        Assert.Equal(2, options.Kill);
        Assert.False(options.Browser);
        Assert.Equal(TimeSpan.FromSeconds(5), options.After);

        Assert.Contains("--kill", Assert.Throws<OptionException>(() => FailoverOptions.From(Options.Parse(["failover", "--kill", "0"]))).Message);
        Assert.Contains("--kil", Assert.Throws<OptionException>(() => FailoverOptions.From(Options.Parse(["failover", "--kil", "1"]))).Message);
        Assert.Contains("--after", Assert.Throws<OptionException>(() => FailoverOptions.From(Options.Parse(["rolling", "--after", "1"]))).Message);
    }

    static PhoneTally Phone(Guid[] dispatched, Guid[] received, int duplicates = 0, double[]? dropped = null, double[]? back = null, bool connected = true) =>
        new("演练-城管-001", dispatched, received, duplicates, 0, dropped ?? [], back ?? [], connected);

    [Fact]
    public void Given_answers_read_back_and_units_when_reported_then_lost_missing_gap_and_times_are_counted_from_t0()
    {
        var kill = new Disturbance("kill -9 node 1", 100, 101);
        Answered[] answers =
        [
            new("intake", 98, 98.2, 201, A, "N-A"),
            new("intake", 99, 99.2, 201, B, "N-B"),
            new("intake", 100.1, 110, 0, null, null),     // no answer: not a success, not counted as lost
            new("intake", 100.5, 102.5, 201, C, "N-C"),   // first success after the kill: 2.5 s
            new("dispatch:send", 99.5, 99.6, 502, A, null),
        ];
        var exists = new Dictionary<Guid, bool> { [A] = true, [B] = false, [C] = true };
        PhoneTally[] phones =
        [
            Phone([A], [A], dropped: [100.2], back: [103]),
            Phone([B, C], [B], duplicates: 1, dropped: [100.3], back: [104.5]),
            Phone([], [], dropped: [50], back: [51]), // dropped before the kill: not affected by it
        ];

        var report = DrillReport.From("Failover", "http://localhost:5090/", 2, [kill], answers, exists, phones, "fresh board", 109, [new("D-1", 130, 1)], "test");

        Assert.Equal(1, report.Lost);
        Assert.Equal(["N-B"], report.LostNumbers);
        Assert.Equal(3, report.Succeeded);
        Assert.Equal(2, report.Failed);
        Assert.Equal(["1× intake no answer", "1× dispatch:send 502"], report.Failures);
        Assert.Equal(2.5, report.FirstIntakeAfter!.Value, 3);
        Assert.Equal(102.5 - 99.2, report.MaxGap, 3);
        Assert.Equal((2, 2), (report.UnitsAffected, report.UnitsReconnected));
        Assert.Equal(4.5, report.UnitsBackAfter!.Value, 3);
        Assert.Equal((1, 1), (report.Missing, report.Duplicates));
        Assert.Equal(9, report.ConsoleAfter!.Value, 3);
        Assert.Equal(30, report.Deadlines[0].DueAt, 3);
        Assert.False(report.Passed);
        Assert.Contains("| **lost** (2xx answered, not found afterwards) | **1** (N-B) |", report.Markdown(DateTimeOffset.UnixEpoch, "test"));
    }

    [Fact]
    public void Given_everything_back_when_reported_then_it_passes_and_a_unit_still_offline_or_a_deadline_fired_twice_fails_it()
    {
        var kill = new Disturbance("kill -9 node 2", 10, 11);
        Answered[] answers = [new("intake", 11, 11.3, 201, A, "N-A")];
        var exists = new Dictionary<Guid, bool> { [A] = true };
        PhoneTally[] back = [Phone([A], [A], dropped: [10.5], back: [12])];

        Assert.True(DrillReport.From("Failover", "u", 2, [kill], answers, exists, back, "fresh board", 15, [new("D", 20, 1)], "t").Passed);
        Assert.False(DrillReport.From("Failover", "u", 2, [kill], answers, exists, back, "fresh board", 15, [new("D", 20, 2)], "t").Passed);
        var offline = DrillReport.From("Failover", "u", 2, [kill], answers, exists, [Phone([], [], dropped: [10.5], connected: false)], "fresh board", 15, [], "t");
        Assert.False(offline.Passed);
        Assert.Null(offline.UnitsBackAfter);
        Assert.False(DrillReport.From("Failover", "u", 2, [kill], answers, exists, back, "signed out", 15, [], "t").Passed);
    }
}
