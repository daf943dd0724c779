namespace Dispatch.Domain.Warning;

/// <summary>
/// How many reports came in, per category × town, per quarter-hour of the city's local time: the memory the surge
/// baseline and the "usual day" trend are read from. Only non-empty quarter-hours are kept, and <see cref="Forget"/>
/// drops what is older than the baseline reaches, so its size is bounded by the days kept, not by the events seen.
/// </summary>
public sealed class ReportTally(TimeZoneInfo zone)
{
    public static readonly TimeSpan Slot = TimeSpan.FromMinutes(15);
    public const int SlotsPerDay = 96;

    readonly Dictionary<(string Town, string Category, long Slot), int> _counts = [];

    /// <summary>Quarter-hours kept (non-empty ones only).</summary>
    public int Size => _counts.Count;

    public TimeZoneInfo Zone => zone;

    /// <summary>The quarter-hour of local wall-clock time <paramref name="at"/> falls in, counted from year 1.</summary>
    public long SlotOf(DateTimeOffset at) => Local(at) / Slot.Ticks;

    long Local(DateTimeOffset at) => TimeZoneInfo.ConvertTime(at, zone).DateTime.Ticks;

    /// <summary>The first quarter-hour of <paramref name="day"/>.</summary>
    public static long FirstSlotOf(DateOnly day) => day.ToDateTime(TimeOnly.MinValue).Ticks / Slot.Ticks;

    public void Add(string town, string category, DateTimeOffset at, int count = 1)
    {
        var key = (town, category, SlotOf(at));
        _counts[key] = _counts.GetValueOrDefault(key) + count;
    }

    /// <summary>The count in one quarter-hour of one pair.</summary>
    public int At(string town, string category, long slot) => _counts.GetValueOrDefault((town, category, slot));

    /// <summary>Drops every quarter-hour before <paramref name="slot"/>.</summary>
    public void Forget(long slot)
    {
        foreach (var key in _counts.Keys.Where(k => k.Slot < slot).ToList()) _counts.Remove(key);
    }

    /// <summary>Every kept quarter-hour from <paramref name="fromSlot"/> on (for the trend, which sums them by hour).</summary>
    public IEnumerable<(string Town, string Category, long Slot, int Count)> From(long fromSlot) =>
        _counts.Where(c => c.Key.Slot >= fromSlot).Select(c => (c.Key.Town, c.Key.Category, c.Key.Slot, c.Value));

    /// <summary>
    /// The pair's usual count in the window of <see cref="SurgeSettings.Window"/> ending <paramref name="now"/>: the same
    /// local time of day on each of the past <see cref="SurgeSettings.BaselineDays"/> days (yesterday back). Quarter-hours
    /// the window only partly covers count in proportion, so the baseline slides smoothly with the window.
    /// </summary>
    public SurgeBaseline Baseline(SurgeKey key, DateTimeOffset now, SurgeSettings settings)
    {
        var end = (double)Local(now) / Slot.Ticks;
        var start = end - settings.Window.Ticks / (double)Slot.Ticks;
        var days = new double[settings.BaselineDays];
        for (var d = 1; d <= settings.BaselineDays; d++)
            days[d - 1] = Between(key, start - d * SlotsPerDay, end - d * SlotsPerDay);
        return SurgeBaseline.Of(days);
    }

    double Between(SurgeKey key, double from, double to)
    {
        var sum = 0.0;
        for (var slot = (long)Math.Floor(from); slot < to; slot++)
        {
            if (!_counts.TryGetValue((key.Town, key.Category, slot), out var count)) continue;
            var covered = Math.Min(to, slot + 1) - Math.Max(from, slot);
            if (covered > 0) sum += count * covered;
        }
        return sum;
    }
}
