using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Marten;

namespace Dispatch.Server.Performance;

/// <summary>
/// One line of the performance review: a department's, district's or town's figures over the range (or on
/// <see cref="Day"/> when read day by day). Durations are seconds; averages and medians are null when nothing was
/// counted.
/// </summary>
public sealed record KpiRow(
    string Key,
    string Name,
    DateOnly? Day,
    int Received,
    int Acknowledged,
    int AcknowledgedOnTime,
    int Resolved,
    int ResolvedOnTime,
    int Returned,
    int Reopened,
    int Callbacks,
    double? AverageSatisfaction,
    double? MedianAcknowledgeSeconds,
    double? MedianResolveSeconds,
    int Closed = 0,
    int CallerNotReached = 0,
    int SupervisionOverdue = 0);

/// <summary>
/// Reads the performance review from the <see cref="KpiDay"/> rows: leaders and administrators, each in their own
/// part of the city. Department figures count only the incidents that lie in the reader's scope; district and town
/// rows show only nodes that lie within it (a town leader sees its town, not the district around it).
/// </summary>
public sealed class KpiReport(IDocumentStore store, CityCatalog city, JurisdictionTree tree, TimeProvider clock)
{
    /// <summary>The city's calendar day now: what an open range ends on.</summary>
    public DateOnly Today => KpiFold.DayOf(clock.GetUtcNow(), city.TimeZone);

    public async Task<IReadOnlyList<KpiRow>> Read(Actor reader, KpiQuery query, CultureInfo culture, CancellationToken ct = default)
    {
        var scopes = reader.Grants.Where(g => g.Role is Role.Leader or Role.Admin).Select(g => g.Scope).Distinct().ToList();
        if (scopes.Count == 0) return [];
        var kind = query.By switch { KpiGrouping.Department => KpiKind.Department, KpiGrouping.Operation => KpiKind.Operation, _ => KpiKind.Node };
        var (from, to) = (query.From.DayNumber, query.To.DayNumber);

        await using var session = store.QuerySession();
        var found = new Dictionary<string, KpiDay>();
        // One query per scope (a reader holds one or two), each a plain prefix test, as the audit trail does.
        foreach (var scope in scopes)
        {
            var rows = session.Query<KpiDay>().Where(r => r.Kind == kind && r.DayNumber >= from && r.DayNumber <= to);
            if (scope.Contains('/'))
            {
                var under = scope + "/";
                rows = rows.Where(r => r.Path == scope || r.Path.StartsWith(under));
            }
            foreach (var row in await rows.ToListAsync(ct)) found[row.Id] = row;
        }

        // An operation's rows are named by the operation (its incidents, tagged at intake).
        var operationIds = found.Values.Where(r => r.Operation is not null).Select(r => r.Operation!.Value).Distinct().ToArray();
        var operations = operationIds.Length == 0 ? new Dictionary<string, string>()
            : (await session.LoadManyAsync<Dispatch.Domain.Operations.Operation>(ct, operationIds)).ToDictionary(o => o.Id.ToString(), o => o.Name);
        // A district or town shows only when the node itself lies in scope, so its figures are whole.
        return found.Values
            .Select(r => (Row: r, Group: Group(r, query.By)))
            .Where(x => x.Group is { } g && scopes.Any(s => AccessRules.Covers(s, g.Path)))
            .GroupBy(x => (x.Group!.Value.Key, Day: query.Daily ? x.Row.Day : (DateOnly?)null))
            .Select(g => Total(g.Key.Key, query.By == KpiGrouping.Operation ? operations.GetValueOrDefault(g.Key.Key, g.Key.Key) : Name(g.Key.Key, query.By, culture),
                g.Key.Day, g.Select(x => x.Row)))
            .OrderBy(r => r.Name, StringComparer.Create(culture, ignoreCase: true)).ThenBy(r => r.Key, StringComparer.Ordinal).ThenBy(r => r.Day)
            .ToList();
    }

    /// <summary>The row's key under the grouping, and the path access is decided on; null when it has none (unplaced).</summary>
    static (string Key, string Path)? Group(KpiDay row, KpiGrouping by) => by switch
    {
        KpiGrouping.Department => (row.Department, row.Path),
        KpiGrouping.District when row.District is { } district => (district, KpiNode.Prefix(row.Path, 2)),
        KpiGrouping.Town when row.Town is { } town => (town, KpiNode.Prefix(row.Path, 3)),
        // An operation's figures are whole only to a reader over all of it: each place's rows are checked as a node's.
        KpiGrouping.Operation when row.Operation is { } operation => (operation.ToString(), row.Path),
        _ => null,
    };

    string Name(string key, KpiGrouping by, CultureInfo culture) =>
        by == KpiGrouping.Department ? city.DepartmentName(key, culture) : tree.NameOf(key);

    static KpiRow Total(string key, string name, DateOnly? day, IEnumerable<KpiDay> rows)
    {
        var list = rows.ToList();
        var callbacks = list.Sum(r => r.Callbacks);
        return new KpiRow(key, name, day,
            Received: list.Sum(r => r.Received),
            Acknowledged: list.Sum(r => r.Acknowledged),
            AcknowledgedOnTime: list.Sum(r => r.AcknowledgedOnTime),
            Resolved: list.Sum(r => r.Resolved),
            ResolvedOnTime: list.Sum(r => r.ResolvedOnTime),
            Returned: list.Sum(r => r.Returned),
            Reopened: list.Sum(r => r.Reopened),
            Callbacks: callbacks,
            AverageSatisfaction: callbacks == 0 ? null : (double)list.Sum(r => r.SatisfactionSum) / callbacks,
            MedianAcknowledgeSeconds: Median(list.SelectMany(r => r.AcknowledgeSeconds)),
            MedianResolveSeconds: Median(list.SelectMany(r => r.ResolveSeconds)),
            Closed: list.Sum(r => r.Closed),
            CallerNotReached: list.Sum(r => r.CallerNotReached),
            SupervisionOverdue: list.Sum(r => r.SupervisionOverdue));
    }

    /// <summary>The middle value; with an even count, the mean of the two middle ones.</summary>
    public static double? Median(IEnumerable<long> values)
    {
        var sorted = values.Order().ToList();
        if (sorted.Count == 0) return null;
        var mid = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }
}
