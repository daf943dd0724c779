using System.Globalization;
using Dispatch.Domain.Intake;

namespace Dispatch.Server.Performance;

/// <summary>How rows are grouped: by lead department, or by the district or town the incidents lie in.</summary>
public enum KpiGrouping { Department, District, Town, Operation }

/// <summary>
/// What a KPI reader asks for: the city's local days <see cref="From"/> to <see cref="To"/> (both included),
/// grouped by <see cref="By"/>; with <see cref="Daily"/>, one row per key per day instead of one per key.
/// </summary>
public sealed record KpiQuery(DateOnly From, DateOnly To, KpiGrouping By = KpiGrouping.Department, bool Daily = false)
{
    /// <summary>The longest range one read may cover: a year of days (a leap year's too).</summary>
    public const int MaxDays = 366;

    /// <summary>The week ending today, when no range is given.</summary>
    public const int DefaultDays = 7;

    /// <summary>
    /// Reads the query as typed (API parameters or the page's fields): dates as <c>yyyy-MM-dd</c>, either may be
    /// left out (to: today; from: a week before to). The errors name the field (from, to, by) and a code.
    /// </summary>
    public static (KpiQuery? Query, IReadOnlyList<FieldError> Errors) Parse(string? from, string? to, string? by, bool daily, DateOnly today)
    {
        var errors = new List<FieldError>();
        var end = Date("to", to, errors) ?? today;
        var start = Date("from", from, errors) ?? end.AddDays(1 - DefaultDays);
        var grouping = KpiGrouping.Department;
        if (!string.IsNullOrWhiteSpace(by))
        {
            // By name only: Enum.TryParse would also take "1".
            var named = Enum.GetValues<KpiGrouping>().Where(g => string.Equals(g.ToString(), by.Trim(), StringComparison.OrdinalIgnoreCase)).ToList();
            if (named.Count == 1) grouping = named[0];
            else errors.Add(new FieldError("by", "by", "Group by department, district, town or operation."));
        }
        if (errors.Count == 0 && end < start)
            errors.Add(new FieldError("to", "range", "'To' must not come before 'From'."));
        else if (errors.Count == 0 && end.DayNumber - start.DayNumber >= MaxDays)
            errors.Add(new FieldError("to", "too-long", $"A range is at most {MaxDays} days."));
        return errors.Count > 0 ? (null, errors) : (new KpiQuery(start, end, grouping, daily), errors);
    }

    static DateOnly? Date(string field, string? text, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        errors.Add(new FieldError(field, "date", "Give a date as yyyy-MM-dd, e.g. 2026-11-23."));
        return null;
    }
}
