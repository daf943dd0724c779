using System.Globalization;
using System.Text;
using Dispatch.Server.Localization;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Performance;

/// <summary>
/// The performance review as a spreadsheet: UTF-8 with a byte-order mark (without it Excel reads Chinese names as
/// the local code page), one header row in the reader's language, then one row per key over the range, or per
/// key per day with a leading day column. Durations are minutes here (the JSON has seconds), numbers invariant.
/// </summary>
public static class KpiCsv
{
    /// <summary>The header keys, in column order (the page's column names).</summary>
    public static readonly string[] Columns =
    [
        "kpi.col.key", "kpi.col.name", "kpi.col.received", "kpi.col.acknowledged", "kpi.col.acknowledged-on-time",
        "kpi.col.resolved", "kpi.col.resolved-on-time", "kpi.col.returned", "kpi.col.reopened", "kpi.col.callbacks",
        "kpi.col.satisfaction", "kpi.col.median-acknowledge", "kpi.col.median-resolve",
        "kpi.col.closed", "kpi.col.caller-not-reached", "kpi.col.supervision-overdue",
    ];

    public static byte[] Write(IReadOnlyList<KpiRow> rows, bool daily, IStringLocalizer<Ui> text)
    {
        var csv = new StringBuilder();
        var header = Columns.Select(c => text[c].Value);
        Line(csv, daily ? header.Prepend(text["kpi.col.day"].Value) : header);
        foreach (var r in rows)
        {
            string[] cells =
            [
                Text(r.Key), Text(r.Name), Number(r.Received), Number(r.Acknowledged), Number(r.AcknowledgedOnTime), Number(r.Resolved),
                Number(r.ResolvedOnTime), Number(r.Returned), Number(r.Reopened), Number(r.Callbacks),
                Decimal(r.AverageSatisfaction, "0.00"), Decimal(r.MedianAcknowledgeSeconds / 60, "0.0"),
                Decimal(r.MedianResolveSeconds / 60, "0.0"),
                Number(r.Closed), Number(r.CallerNotReached), Number(r.SupervisionOverdue),
            ];
            Line(csv, daily ? cells.Prepend(r.Day?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "") : cells);
        }
        return [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv.ToString())];
    }

    // A name that starts like a formula is shown as text, never run by the spreadsheet.
    static string Text(string value) => value.Length > 0 && value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;

    static string Number(int n) => n.ToString(CultureInfo.InvariantCulture);

    static string Decimal(double? d, string format) => d?.ToString(format, CultureInfo.InvariantCulture) ?? "";

    // RFC 4180: CRLF between records, a field with a comma, quote or line break in quotes with quotes doubled.
    static void Line(StringBuilder csv, IEnumerable<string> cells)
    {
        csv.AppendJoin(',', cells.Select(Cell));
        csv.Append("\r\n");
    }

    static string Cell(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
