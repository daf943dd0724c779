using System.Globalization;
using Dispatch.Domain.Intake;
using Dispatch.Server.Performance;

namespace Dispatch.Server.Components.Performance;

/// <summary>The performance page's filter as typed: two local dates, a grouping and day by day or not.</summary>
public sealed class KpiFilter
{
    public string? From { get; set; }
    public string? To { get; set; }
    public KpiGrouping By { get; set; } = KpiGrouping.Department;
    public bool Daily { get; set; }

    /// <summary>The week ending <paramref name="today"/>, as the API reads an open range.</summary>
    public static KpiFilter Week(DateOnly today) => new()
    {
        From = Text(today.AddDays(1 - KpiQuery.DefaultDays)),
        To = Text(today),
    };

    public (KpiQuery? Query, IReadOnlyList<FieldError> Errors) ToQuery(DateOnly today) =>
        KpiQuery.Parse(From, To, By.ToString(), Daily, today);

    /// <summary>The CSV of exactly what <paramref name="query"/> shows.</summary>
    public static string CsvHref(KpiQuery query) =>
        $"/api/kpis.csv?from={Text(query.From)}&to={Text(query.To)}&by={query.By.ToString().ToLowerInvariant()}" +
        (query.Daily ? "&daily=true" : "");

    static string Text(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
