using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Server.Situation;

/// <summary>
/// Everything the situation screen shows for one scope at one moment, already counted and named: the panels only lay
/// it out. No caller data: incidents appear by number, category and town.
/// </summary>
public sealed record SituationPicture(
    DateTimeOffset At,
    DateOnly Day,
    string Scope,
    string ScopeName,
    DayTotals Totals,
    IReadOnlyList<Tally> OpenByLevel,
    /// <summary>Open incidents by the areas one level below the scope (districts of the city, towns of a district…).</summary>
    IReadOnlyList<Tally> OpenByArea,
    IReadOnlyList<Tally> ReportedByCategory,
    WatchList Overdue,
    WatchList Supervised,
    HourlyTrend Trend,
    IReadOnlyList<Tally> HotSpots,
    IReadOnlyList<Tally> UnitsByStatus,
    IReadOnlyList<KpiLeader> Leaders,
    IReadOnlyList<SurgeAlert> Surges)
{
    /// <summary>Incidents with a contingency plan running (预案), gravest response first (<see cref="RunningPlan"/>).</summary>
    public RunningPlans Plans { get; init; } = new([], 0);
}

/// <summary>The day's counts: reported, accepted, resolved and closed today (city time), and open now.</summary>
public sealed record DayTotals(int Reported, int Accepted, int Resolved, int Closed, int Open);

/// <summary>One bar of a panel: a key (code or path), its name in the reader's language, and its count.</summary>
public sealed record Tally(string Key, string Label, int Count);

/// <summary>The first few incidents of a list and how many there are in all (the screen does not scroll).</summary>
public sealed record WatchList(IReadOnlyList<WatchedIncident> First, int Total);

/// <summary>An incident on a list: number, category and town only.</summary>
public sealed record WatchedIncident(Guid Id, string Number, string Category, string Place, CommandLevel Level, Urgency Urgency, DateTimeOffset Since);

/// <summary>Reports per hour of today (up to the current hour) against the usual day (mean of the same hour over the past days).</summary>
public sealed record HourlyTrend(IReadOnlyList<int> Today, IReadOnlyList<double> Usual, int CurrentHour, int BaselineDays);

/// <summary>A department's day: resolutions, and the share of them on time; acknowledgements likewise.</summary>
public sealed record KpiLeader(string Department, string Name, int Resolved, int ResolvedOnTime, int Acknowledged, int AcknowledgedOnTime)
{
    public int OnTimePercent => Resolved == 0 ? 0 : (int)Math.Round(100.0 * ResolvedOnTime / Resolved);
}

/// <summary>A running surge (or one that ended today) as the screen shows it.</summary>
public sealed record SurgeAlert(Guid Id, string Town, string TownName, string Category, string CategoryName, int Count, double Usual,
    DateTimeOffset DetectedAt, bool Active, DateTimeOffset? EndedAt);
