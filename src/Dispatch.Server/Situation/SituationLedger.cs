using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Domain.Warning;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Performance;
using Dispatch.Server.Units;

namespace Dispatch.Server.Situation;

/// <summary>
/// What one node knows for the situation screens, in memory, kept from pushed board cards and roster lines: a small
/// line per incident that is open or was touched today, the report tally of the past days (<see cref="ReportTally"/>),
/// the units' statuses, today's department KPI rows and the surges. <see cref="Rollover"/> at the city's midnight drops
/// what no longer belongs to today, so the size follows the day's work and the fleet, never the number of pushes.
/// Not thread-safe: <see cref="SituationFeed"/> guards it.
/// </summary>
public sealed class SituationLedger(CityCatalog city, JurisdictionTree tree, SurgeSettings settings)
{
    const int ListLength = 6;
    const int HotSpotCount = 8;
    const int LeaderCount = 5;
    const int PlanCount = 4;

    readonly Dictionary<Guid, Line> _incidents = [];
    readonly SurgeWindow _window = new(settings.Window);
    // The open lines' deadlines, soonest first: the next tick is found without looking at every line.
    readonly SortedSet<(DateTimeOffset Due, Guid Id)> _deadlines = [];
    // One copy of each category, path and town: a busy day holds hundreds of thousands of lines that share a few hundred.
    readonly HashSet<string> _words = new(StringComparer.Ordinal);
    readonly Dictionary<Guid, (UnitStatus Status, string Home)> _units = [];
    readonly Dictionary<Guid, SurgeCard> _surges = [];
    IReadOnlyList<KpiDay> _kpis = [];
    // The usual day per scope: it changes only with the day, so it is summed once per scope per day.
    readonly Dictionary<string, double[]> _usual = [];

    public ReportTally Tally { get; } = new(city.TimeZone);
    public SurgeSettings Settings => settings;

    /// <summary>The city's local day the ledger counts; set by <see cref="Rollover"/>.</summary>
    public DateOnly Day { get; private set; }
    DateTimeOffset _midnight;

    /// <summary>Incident lines held (open, or touched today, or reported within the surge window).</summary>
    public int Incidents => _incidents.Count;
    public int Units => _units.Count;

    /// <summary>One incident, trimmed to what the screen counts; never the caller, summary or address.</summary>
    sealed record Line(
        Guid Id, string Number, string Category, Urgency Urgency, bool IsOpen, CommandLevel Level, string Path, string Town,
        DateTimeOffset ReportedAt, DateTimeOffset? AcceptedAt, DateTimeOffset? ResolvedAt, DateTimeOffset? ClosedAt,
        DateTimeOffset? DeadlineDue, DateTimeOffset? SupervisedAt, DateTimeOffset UpdatedAt, long Version)
    {
        /// <summary>The plan running on it, if one is (the card's own record, shared).</summary>
        public Plans.CardPlan? Plan { get; init; }

        public static Line Of(IncidentCard c, Func<string, string> shared) => new(c.Id, c.Number, shared(c.Category), c.Urgency, c.IsOpen,
            c.Level, shared(c.ScopePath), shared(KpiNode.UpToTown(c.ScopePath)), c.ReportedAt, c.AcceptedAt, c.ResolvedAt, c.ClosedAt, c.DeadlineDue,
            c.Supervision is null ? null : c.SupervisedAt ?? c.UpdatedAt, c.UpdatedAt, c.Version) { Plan = c.Plan is { Running: true } plan ? plan : null };

        public (DateTimeOffset Due, Guid Id)? Deadline => IsOpen && DeadlineDue is { } due ? (due, Id) : null;
    }

    string Shared(string word)
    {
        if (_words.TryGetValue(word, out var held)) return held;
        _words.Add(word);
        return word;
    }

    /// <summary>Moves the ledger to the day <paramref name="now"/> falls in; true when the day changed.</summary>
    public bool Rollover(DateTimeOffset now)
    {
        var day = KpiFold.DayOf(now, city.TimeZone);
        if (day == Day) return false;
        Day = day;
        _midnight = MidnightOf(day);
        var keepReportedSince = (now - settings.Window < _midnight ? now - settings.Window : _midnight);
        foreach (var line in _incidents.Values.Where(l => !l.IsOpen && l.UpdatedAt < _midnight && l.ReportedAt < keepReportedSince).ToList())
        {
            _incidents.Remove(line.Id);
            _window.Remove(line.Id);
            if (line.Deadline is { } deadline) _deadlines.Remove(deadline);
        }
        foreach (var surge in _surges.Values.Where(s => !s.Active && s.EndedAt < _midnight).ToList()) _surges.Remove(surge.Id);
        _kpis = [.. _kpis.Where(k => k.Day == day)];
        Tally.Forget(ReportTally.FirstSlotOf(day.AddDays(-settings.BaselineDays)));
        _usual.Clear();
        return true;
    }

    public DateTimeOffset MidnightOf(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue);
        return new DateTimeOffset(local, city.TimeZone.GetUtcOffset(local));
    }

    /// <summary>The next instant the picture changes by time alone: the next hour (the trend) or the next deadline.</summary>
    public DateTimeOffset NextTick(DateTimeOffset now)
    {
        var local = TimeZoneInfo.ConvertTime(now, city.TimeZone);
        var nextHour = new DateTimeOffset(local.Year, local.Month, local.Day, local.Hour, 0, 0, local.Offset).AddHours(1);
        var after = (now.AddTicks(1), Guid.Empty);
        if (_deadlines.Count == 0 || after.CompareTo(_deadlines.Max) > 0) return nextHour;
        var due = _deadlines.GetViewBetween(after, _deadlines.Max).Min.Due;
        return due < nextHour ? due : nextHour;
    }

    /// <summary>
    /// Applies a pushed (or loaded) board card; false when it is not newer than what is held. A report seen for the first
    /// time today goes into the tally (a card already held, or reported before today, is not counted again).
    /// </summary>
    public bool Apply(IncidentCard card)
    {
        var known = _incidents.GetValueOrDefault(card.Id);
        if (known is not null && known.Version >= card.Version) return false;
        if (known is null && !card.IsOpen && card.UpdatedAt < _midnight && card.ReportedAt < _midnight - settings.Window) return false;
        var line = Line.Of(card, Shared);
        if (known is null && line.ReportedAt >= _midnight) Tally.Add(line.Town, line.Category, line.ReportedAt);
        _incidents[card.Id] = line;
        if (known?.Deadline is { } before) _deadlines.Remove(before);
        if (line.Deadline is { } due) _deadlines.Add(due);
        _window.Put(line.Id, line.ReportedAt, new SurgeKey(line.Town, line.Category));
        return true;
    }

    /// <summary>Counts one past report into the tally (the history loaded at start, before today).</summary>
    public void Count(string path, string category, DateTimeOffset reportedAt)
    {
        if (reportedAt < _midnight) Tally.Add(KpiNode.UpToTown(path), category, reportedAt);
    }

    public bool Apply(UnitRosterEntry unit)
    {
        var known = _units.GetValueOrDefault(unit.Id);
        if (known.Status == unit.Status && known.Home == unit.HomePath && known.Home is not null) return false;
        _units[unit.Id] = (unit.Status, unit.HomePath);
        return true;
    }

    public bool Apply(SurgeCard surge)
    {
        if (_surges.GetValueOrDefault(surge.Id) is { } known && known.Version >= surge.Version) return false;
        _surges[surge.Id] = surge;
        return true;
    }

    /// <summary>Today's department rows of the KPI projection (read again now and then; it runs behind the commits).</summary>
    public void SetKpis(IReadOnlyList<KpiDay> rows) => _kpis = rows;

    public IEnumerable<SurgeCard> ActiveSurges => _surges.Values.Where(s => s.Active);

    // ---- early warning ------------------------------------------------------------------------------------

    /// <summary>Reports per category × town in the window ending <paramref name="now"/>.</summary>
    public Dictionary<SurgeKey, int> WindowCounts(DateTimeOffset now) => _window.CountsAt(now, WindowLines);

    /// <summary>When the window count of one of <paramref name="keys"/> next drops (its oldest report leaves the window).</summary>
    public DateTimeOffset? NextDrop(IReadOnlySet<SurgeKey> keys, DateTimeOffset now) => _window.NextDrop(keys, now, WindowLines);

    IEnumerable<(Guid, DateTimeOffset, SurgeKey)> WindowLines() =>
        _incidents.Values.Select(l => (l.Id, l.ReportedAt, new SurgeKey(l.Town, l.Category)));

    // ---- the picture --------------------------------------------------------------------------------------

    public SituationPicture Picture(string scope, DateTimeOffset now, CultureInfo culture)
    {
        bool In(string path) => AccessRules.Covers(scope, path);
        var lines = _incidents.Values.Where(l => In(l.Path)).ToList();
        var open = lines.Where(l => l.IsOpen).ToList();
        bool Today(DateTimeOffset? at) => at >= _midnight && at <= now;

        var totals = new DayTotals(
            Reported: lines.Count(l => Today(l.ReportedAt)),
            Accepted: lines.Count(l => Today(l.AcceptedAt)),
            Resolved: lines.Count(l => Today(l.ResolvedAt)),
            Closed: lines.Count(l => Today(l.ClosedAt)),
            Open: open.Count);

        var byLevel = Enum.GetValues<CommandLevel>()
            .Select(level => new Tally(level.ToString(), level.ToString(), open.Count(l => l.Level == level))).ToList();

        var depth = Depth(scope) + 1;
        var byArea = open.GroupBy(l => KpiNode.Prefix(l.Path, depth))
            .Where(g => Depth(g.Key) == depth)
            .Select(g => new Tally(g.Key, tree.NameOf(g.Key), g.Count()))
            .OrderByDescending(t => t.Count).ThenBy(t => t.Key, StringComparer.Ordinal).ToList();

        var byCategory = lines.Where(l => Today(l.ReportedAt)).GroupBy(l => l.Category)
            .Select(g => new Tally(g.Key, city.CategoryName(g.Key, culture), g.Count()))
            .OrderByDescending(t => t.Count).ThenBy(t => t.Key, StringComparer.Ordinal).ToList();

        var overdue = open.Where(l => l.DeadlineDue <= now).OrderBy(l => l.DeadlineDue).ToList();
        var supervised = open.Where(l => l.SupervisedAt is not null).OrderByDescending(l => l.SupervisedAt).ToList();

        var hotSpots = lines.Where(l => Today(l.ReportedAt) && Depth(l.Path) >= 3)
            .GroupBy(l => KpiNode.Prefix(l.Path, 4))
            .Select(g => new Tally(g.Key, tree.NameOf(g.Key), g.Count()))
            .OrderByDescending(t => t.Count).ThenBy(t => t.Key, StringComparer.Ordinal).Take(HotSpotCount).ToList();

        var units = _units.Values.Where(u => In(u.Home)).GroupBy(u => u.Status).ToDictionary(g => g.Key, g => g.Count());
        var byStatus = Enum.GetValues<UnitStatus>().Select(s => new Tally(s.ToString(), s.ToString(), units.GetValueOrDefault(s))).ToList();

        var leaders = _kpis.Where(k => k.Kind == KpiKind.Department && k.Day == Day && In(k.Path))
            .GroupBy(k => k.Department)
            .Select(g => new KpiLeader(g.Key, city.DepartmentName(g.Key, culture), g.Sum(k => k.Resolved), g.Sum(k => k.ResolvedOnTime),
                g.Sum(k => k.Acknowledged), g.Sum(k => k.AcknowledgedOnTime)))
            .Where(k => k.Resolved + k.Acknowledged > 0)
            .OrderByDescending(k => k.Resolved).ThenByDescending(k => k.OnTimePercent).ThenBy(k => k.Department, StringComparer.Ordinal)
            .Take(LeaderCount).ToList();

        var surges = _surges.Values.Where(s => In(s.Town) && (s.Active || s.EndedAt >= _midnight))
            .OrderByDescending(s => s.Active).ThenByDescending(s => s.DetectedAt)
            .Select(s => new SurgeAlert(s.Id, s.Town, tree.NameOf(s.Town), s.Category, city.CategoryName(s.Category, culture), s.Count, s.Usual,
                s.DetectedAt, s.Active, s.EndedAt))
            .ToList();

        // Plans running: gravest response first, then the most late tasks, then the longest running.
        var plans = open.Where(l => l.Plan is not null)
            .OrderBy(l => l.Plan!.Level).ThenByDescending(l => l.Plan!.Late).ThenBy(l => l.Plan!.ActivatedAt).ToList();

        return new SituationPicture(now, Day, scope, tree.NameOf(scope), totals, byLevel, byArea, byCategory,
            Watch(overdue, l => l.DeadlineDue!.Value, culture), Watch(supervised, l => l.SupervisedAt!.Value, culture),
            Trend(scope, now), hotSpots, byStatus, leaders, surges)
        {
            Plans = new([.. plans.Take(PlanCount).Select(l => new RunningPlan(l.Id, l.Number, l.Plan!.Code, l.Plan.Title, l.Plan.Level,
                l.Plan.Done, l.Plan.Late, l.Plan.Total, tree.NameOf(l.Town), l.Plan.ActivatedAt))], plans.Count),
        };
    }

    WatchList Watch(List<Line> lines, Func<Line, DateTimeOffset> since, CultureInfo culture) =>
        new([.. lines.Take(ListLength).Select(l => new WatchedIncident(l.Id, l.Number, city.CategoryName(l.Category, culture),
            tree.NameOf(l.Town), l.Level, l.Urgency, since(l)))], lines.Count);

    HourlyTrend Trend(string scope, DateTimeOffset now)
    {
        var first = ReportTally.FirstSlotOf(Day);
        var today = new int[24];
        foreach (var (town, _, slot, count) in Tally.From(first))
            if (slot - first < ReportTally.SlotsPerDay && AccessRules.Covers(scope, town)) today[(slot - first) / 4] += count;
        if (!_usual.TryGetValue(scope, out var usual))
        {
            usual = new double[24];
            var from = ReportTally.FirstSlotOf(Day.AddDays(-settings.BaselineDays));
            foreach (var (town, _, slot, count) in Tally.From(from))
                if (slot < first && AccessRules.Covers(scope, town)) usual[(slot - from) % ReportTally.SlotsPerDay / 4] += count;
            for (var h = 0; h < 24; h++) usual[h] = Math.Round(usual[h] / settings.BaselineDays, 1);
            _usual[scope] = usual;
        }
        var hour = TimeZoneInfo.ConvertTime(now, city.TimeZone).Hour;
        return new HourlyTrend(today, usual, hour, settings.BaselineDays);
    }

    static int Depth(string path) => path.Length == 0 ? 0 : path.Count(c => c == '/') + 1;
}
