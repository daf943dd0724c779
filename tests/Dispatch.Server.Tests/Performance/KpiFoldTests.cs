using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Performance;

namespace Dispatch.Server.Tests.Performance;

/// <summary>
/// The KPI rules as pure code: events in, rows out, no database. The cases the end-to-end scenario does not reach:
/// corrections, assisting departments, escalations, unplaced and moved incidents, and the row arithmetic.
/// </summary>
public sealed class KpiFoldTests
{
    static readonly TimeZoneInfo Shanghai = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");
    static readonly Guid Id = Guid.NewGuid();
    static readonly Place East = new("demo/dh/dh-01/dh-01-03", "dh", "dh-01", "dh-01-03");
    static readonly Place West = new("demo/xs/xs-02", "xs", "xs-02", null);
    const string Um = "urban-management", Water = "water", Police = "public-security";

    /// <summary>2026-11-23 at a Shanghai wall-clock time.</summary>
    static DateTimeOffset At(int hour, int minute = 0, int day = 23) => new(2026, 11, day, hour, minute, 0, TimeSpan.FromHours(8));

    static IncidentReported Reported(DateTimeOffset at, string? receivedAt = "demo") =>
        new(Id, "20261123-0001", Channel.Hotline, new Caller(null, null), null, null, "road-damage", "路面塌陷", Urgency.Normal, "ct", at, receivedAt);

    /// <summary>Folds the events as the projection does and returns the rows by id.</summary>
    static Dictionary<string, KpiDay> Fold(params object[] events)
    {
        KpiIncident? incident = null;
        var rows = new Dictionary<string, KpiDay>();
        foreach (var e in events)
        {
            (incident, var facts) = KpiFold.Apply(incident, e, Shanghai);
            foreach (var fact in facts)
            {
                if (!rows.TryGetValue(fact.RowId, out var row)) rows[fact.RowId] = row = KpiDay.For(fact);
                row.Add(fact);
            }
        }
        return rows;
    }

    static KpiDay Dept(Dictionary<string, KpiDay> rows, string department, string path = "demo/dh/dh-01", int day = 23) =>
        rows[KpiDay.IdOf(KpiKind.Department, new DateOnly(2026, 11, day), department, path)];

    static KpiDay Node(Dictionary<string, KpiDay> rows, string path = "demo/dh/dh-01", int day = 23) =>
        rows[KpiDay.IdOf(KpiKind.Node, new DateOnly(2026, 11, day), null, path)];

    [Fact]
    public void Kpi_a_matter_fixed_on_the_spot_counts_as_received_acknowledged_and_resolved_on_time_without_durations_or_a_callback()
    {
        var finder = new Finder(Guid.NewGuid(), Guid.NewGuid(), "网格-01", Um, "grid-01", At(9, 40), FixedOnSpot: true);
        var events = FieldReportRules.Intake(new ReportIncident(Id, "20261123-0001", Channel.Grid, new Caller(null, null), new GeoPoint(31.23, 121.47),
            null, "road-damage", "井盖缺失", Urgency.Normal, "grid-01", East, "demo/dh/dh-01", Finder: finder), "已放置临时井盖", At(10));

        var rows = Fold([.. events]);

        var dept = Dept(rows, Um);
        Assert.Equal((1, 1, 1, 1, 1, 0), (dept.Received, dept.Acknowledged, dept.AcknowledgedOnTime, dept.Resolved, dept.ResolvedOnTime, dept.Callbacks));
        // Zero seconds would drag the medians of work that was waited for: not timed.
        Assert.Empty(dept.AcknowledgeSeconds);
        Assert.Empty(dept.ResolveSeconds);
        Assert.Equal(1, Node(rows).Received);
        Assert.IsType<IncidentClosed>(events[^1]);
    }

    [Fact]
    public void Kpi_a_report_counts_once_at_its_town_on_its_own_day_even_when_placed_by_hand_later()
    {
        var rows = Fold(Reported(At(23, 50)), new IncidentPlacementFlagged(Id, PlacementProblem.AddressOnly, "ct", At(23, 50)),
            new IncidentPlaced(Id, East, Manual: true, "disp", At(0, 20, day: 24)));

        // Unplaced at intake: the receiving centre (the city) holds it and its report; the hand placement moves later steps only.
        var only = Assert.Single(rows.Values);
        Assert.Equal((KpiKind.Node, "demo", (string?)null, (string?)null, 1), (only.Kind, only.Path, only.District, only.Town, only.Received));
        Assert.Equal(new DateOnly(2026, 11, 23), only.Day);
    }

    [Fact]
    public void Kpi_a_correction_before_acknowledgement_times_the_new_lead_from_its_own_assignment()
    {
        var rows = Fold(Reported(At(9)), new IncidentPlaced(Id, East, false, "ct", At(9)),
            new IncidentAssigned(Id, Water, "disp", At(9, 10), AcknowledgeBy: At(9, 20)),
            new IncidentAssigned(Id, Um, "disp", At(9, 30), AcknowledgeBy: At(9, 40)),
            new IncidentAcknowledged(Id, Water, "h", At(9, 35)), // no longer the lead: not counted
            new IncidentAcknowledged(Id, Um, "h", At(9, 38)));

        Assert.Equal(1, Dept(rows, Water).Received);
        Assert.Equal(0, Dept(rows, Water).Acknowledged);
        var um = Dept(rows, Um);
        Assert.Equal((1, 1, 1), (um.Received, um.Acknowledged, um.AcknowledgedOnTime));
        Assert.Equal([480L], um.AcknowledgeSeconds);
        Assert.Equal((1, 1), (Node(rows).Received, Node(rows).Acknowledged));
    }

    [Fact]
    public void Kpi_assisting_departments_are_not_timed_but_their_returns_count_against_them()
    {
        var rows = Fold(Reported(At(9)), new IncidentPlaced(Id, East, false, "ct", At(9)),
            new IncidentAssigned(Id, Um, "disp", At(9, 10), Assisting: [Police, Water]),
            new IncidentAcknowledged(Id, Police, "h", At(9, 12)),
            new IncidentReturned(Id, Water, "不涉及供水", "h", At(9, 14)),
            new IncidentAcknowledged(Id, Um, "h", At(9, 20)),
            new IncidentResolved(Id, Um, "已处理", "h", At(10, 10)));

        Assert.False(rows.ContainsKey(KpiDay.IdOf(KpiKind.Department, new DateOnly(2026, 11, 23), Police, "demo/dh/dh-01")));
        Assert.Equal((0, 1), (Dept(rows, Water).Received, Dept(rows, Water).Returned));
        Assert.Equal((1, 1, 1), (Dept(rows, Um).Received, Dept(rows, Um).Acknowledged, Dept(rows, Um).Resolved));
        Assert.Equal([3600L], Dept(rows, Um).ResolveSeconds);
        Assert.Equal((1, 1, 1), (Node(rows).Acknowledged, Node(rows).Returned, Node(rows).Resolved));
    }

    [Fact]
    public void Kpi_an_escalation_restarts_commands_clock_but_a_late_acknowledgement_stays_late()
    {
        var rows = Fold(Reported(At(9)), new IncidentPlaced(Id, East, false, "ct", At(9)),
            new IncidentAssigned(Id, Um, "disp", At(9), AcknowledgeBy: At(9, 30), ResolveBy: At(13)),
            new IncidentEscalated(Id, CommandLevel.Town, CommandLevel.District, "acknowledgement overdue", true,
                AcknowledgeBy: At(10, 1), ResolveBy: null, "deadline-watch", At(9, 31)),
            new IncidentAcknowledged(Id, Um, "h", At(9, 45)),
            new IncidentResolved(Id, Um, "已处理", "h", At(13)));

        var um = Dept(rows, Um);
        Assert.Equal((1, 0), (um.Acknowledged, um.AcknowledgedOnTime));
        Assert.Equal((1, 1), (um.Resolved, um.ResolvedOnTime)); // at the deadline is on time
    }

    [Fact]
    public void Kpi_each_step_counts_where_the_incident_lies_then_and_callbacks_and_reopens_against_the_resolver()
    {
        var rows = Fold(Reported(At(9)), new IncidentPlaced(Id, East, false, "ct", At(9)),
            new IncidentAssigned(Id, Um, "disp", At(9, 10)),
            new IncidentPlaced(Id, West, Manual: true, "disp", At(9, 15)),
            new IncidentAcknowledged(Id, Um, "h", At(9, 20)),
            new IncidentResolved(Id, Um, "已处理", "h", At(11)),
            new CitizenCallbackRecorded(Id, 2, "不满意", "ct", At(12)),
            new IncidentReopened(Id, "问题未解决", "disp", At(12, 30)),
            new IncidentAssigned(Id, Water, "disp", At(13)),
            new IncidentAcknowledged(Id, Water, "h", At(13, 5)),
            new IncidentResolved(Id, Water, "已处理", "h", At(14)),
            new CitizenCallbackRecorded(Id, 4, null, "ct", At(15)));

        // Reported and assigned in 东湖; everything after the move counts in 西山.
        Assert.Equal((1, 0), (Node(rows).Received, Node(rows).Acknowledged));
        Assert.Equal(1, Dept(rows, Um).Received);
        var west = Node(rows, "demo/xs/xs-02");
        Assert.Equal(("xs", "xs-02"), (west.District, west.Town));
        Assert.Equal((0, 2, 2, 1, 2, 6), (west.Received, west.Acknowledged, west.Resolved, west.Reopened, west.Callbacks, west.SatisfactionSum));
        var um = Dept(rows, Um, "demo/xs/xs-02");
        Assert.Equal((1, 1, 1, 1, 2), (um.Acknowledged, um.Resolved, um.Reopened, um.Callbacks, um.SatisfactionSum));
        Assert.Equal([6600L], um.ResolveSeconds); // from its assignment at 09:10, not the report
        var water = Dept(rows, Water, "demo/xs/xs-02");
        Assert.Equal((1, 1, 1, 0, 1, 4), (water.Received, water.Acknowledged, water.Resolved, water.Reopened, water.Callbacks, water.SatisfactionSum));
        Assert.Equal([3600L], water.ResolveSeconds); // from the new assignment at 13:00
    }

    [Fact]
    public void Kpi_an_acknowledgement_after_midnight_in_shanghai_counts_on_the_next_local_day()
    {
        // 23:40 and 00:10 Shanghai are both 2026-11-23 in UTC (15:40 and 16:10).
        var rows = Fold(Reported(At(23, 30)), new IncidentPlaced(Id, East, false, "ct", At(23, 30)),
            new IncidentAssigned(Id, Um, "disp", At(23, 40)),
            new IncidentAcknowledged(Id, Um, "h", At(0, 10, day: 24)));

        Assert.Equal((1, 0), (Dept(rows, Um).Received, Dept(rows, Um).Acknowledged));
        var next = Dept(rows, Um, day: 24);
        Assert.Equal((0, 1), (next.Received, next.Acknowledged));
        Assert.Equal([1800L], next.AcknowledgeSeconds);
    }

    [Fact]
    public void Kpi_events_of_a_stream_whose_report_was_never_seen_are_ignored()
    {
        var (incident, facts) = KpiFold.Apply(null, new IncidentAcknowledged(Id, Um, "h", At(9)), Shanghai);
        Assert.Null(incident);
        Assert.Empty(facts);
    }

    [Theory]
    [InlineData("demo/dh/dh-01/dh-01-03", 3, "demo/dh/dh-01")]
    [InlineData("demo/dh/dh-01/dh-01-03", 2, "demo/dh")]
    [InlineData("demo/dh", 3, "demo/dh")]
    [InlineData("demo", 2, "demo")]
    [InlineData("", 3, "")]
    public void Kpi_node_paths_stop_at_the_asked_depth(string path, int depth, string expected) =>
        Assert.Equal(expected, KpiNode.Prefix(path, depth));

    [Fact]
    public void Kpi_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones()
    {
        Assert.Null(KpiReport.Median([]));
        Assert.Equal(1200, KpiReport.Median([2700, 600, 1200]));
        Assert.Equal(1500, KpiReport.Median([1800, 1200]));
    }
}
