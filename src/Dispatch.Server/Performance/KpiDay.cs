using System.Globalization;

namespace Dispatch.Server.Performance;

/// <summary>Whose figures a row holds: a department's (work it led) or a jurisdiction node's (every incident there).</summary>
public enum KpiKind { Department, Node, Operation }

/// <summary>What one counted step adds to a row.</summary>
public enum KpiMeasure { Received, Acknowledged, Resolved, Returned, Reopened, Callback, Closed, CallerNotReached, SupervisionOverdue }

/// <summary>
/// Where a row lies in the jurisdiction tree: the incident's town, or its district or the city when it is placed no
/// finer, or the receiving centre while it is not placed. Rows stop at the town: grid cells have no command centre,
/// and a row per cell per day would multiply rows without anyone to read them.
/// </summary>
public sealed record KpiNode(string Path, string? District, string? Town)
{
    public static KpiNode City { get; } = new("", null, null);

    public static KpiNode Of(Dispatch.Domain.Incidents.Place place) => new(UpToTown(place.Path), place.District, place.Town);

    /// <summary>A centre's path (city, district or town): the tree's depth says which codes it holds.</summary>
    public static KpiNode OfCentre(string? path)
    {
        var node = UpToTown(path ?? "");
        var codes = node.Split('/');
        return new(node, codes.Length > 1 ? codes[1] : null, codes.Length > 2 ? codes[2] : null);
    }

    /// <summary><c>demo/dh/dh-01/dh-01-03</c> → <c>demo/dh/dh-01</c> (city, district, town).</summary>
    public static string UpToTown(string path) => Prefix(path, 3);

    /// <summary>The first <paramref name="depth"/> codes of a path (1 = city, 2 = district, 3 = town).</summary>
    public static string Prefix(string path, int depth)
    {
        var at = -1;
        for (var i = 0; i < depth; i++)
        {
            at = path.IndexOf('/', at + 1);
            if (at < 0) return path;
        }
        return path[..at];
    }
}

/// <summary>One step counted for one row: the fold's output, applied to <see cref="KpiDay"/> rows.</summary>
/// <param name="Department">The department row's department; null for the node's own row.</param>
/// <param name="Seconds">For acknowledgements and resolutions: how long since the assignment.</param>
public sealed record KpiFact(DateOnly Day, string? Department, KpiNode Node, KpiMeasure Measure, bool OnTime = true,
    long? Seconds = null, int? Satisfaction = null, Guid? Operation = null)
{
    public KpiKind Kind => Operation is not null ? KpiKind.Operation : Department is null ? KpiKind.Node : KpiKind.Department;
    public string RowId => KpiDay.IdOf(Kind, Day, Operation?.ToString() ?? Department, Node.Path);
}

/// <summary>
/// The figures of one department or one jurisdiction node on one local day of the city (the KPI read model).
/// Department rows are kept per node too, so a leader's department figures can count only incidents in their scope.
/// The individual durations are kept, not only a sum, because medians cannot be added up across days.
/// </summary>
public sealed class KpiDay
{
    public string Id { get; set; } = "";
    public KpiKind Kind { get; set; }
    public DateOnly Day { get; set; }
    /// <summary><see cref="DateOnly.DayNumber"/> of <see cref="Day"/>: what range queries compare.</summary>
    public int DayNumber { get; set; }
    /// <summary>The department of a department row; empty on a node row.</summary>
    public string Department { get; set; } = "";
    /// <summary>The node's path (see <see cref="KpiNode"/>); empty for the city when nothing finer is known.</summary>
    public string Path { get; set; } = "";
    public string? District { get; set; }
    public string? Town { get; set; }
    /// <summary>Set on an operation's rows (<see cref="KpiKind.Operation"/>).</summary>
    public Guid? Operation { get; set; }

    /// <summary>Department rows: assignments received as lead. Node rows: incidents reported there.</summary>
    public int Received { get; set; }
    /// <summary>Acknowledgements by the lead department.</summary>
    public int Acknowledged { get; set; }
    /// <summary>Of those, at or before the assignment's acknowledgement deadline (no deadline counts as on time).</summary>
    public int AcknowledgedOnTime { get; set; }
    public int Resolved { get; set; }
    public int ResolvedOnTime { get; set; }
    public int Returned { get; set; }
    /// <summary>Reopened incidents; a department row counts those its own resolution had closed.</summary>
    public int Reopened { get; set; }
    public int Callbacks { get; set; }
    public int SatisfactionSum { get; set; }
    /// <summary>Closed incidents; of those, closed because the caller could not be reached (no score, so not in the average).</summary>
    public int Closed { get; set; }
    public int CallerNotReached { get; set; }
    /// <summary>Supervision replies overdue (督办 unanswered in time): a department row counts those it led.</summary>
    public int SupervisionOverdue { get; set; }
    /// <summary>Seconds from assignment to the lead's acknowledgement, one per acknowledgement.</summary>
    public List<long> AcknowledgeSeconds { get; set; } = [];
    /// <summary>Seconds from assignment to resolution, one per resolution.</summary>
    public List<long> ResolveSeconds { get; set; } = [];

    public static string IdOf(KpiKind kind, DateOnly day, string? department, string path) =>
        string.Create(CultureInfo.InvariantCulture, $"{(kind switch { KpiKind.Node => "node", KpiKind.Operation => "op", _ => "dept" })}|{day:yyyy-MM-dd}|{department}|{path}");

    public static KpiDay For(KpiFact fact) => new()
    {
        Id = fact.RowId, Kind = fact.Kind, Day = fact.Day, DayNumber = fact.Day.DayNumber, Department = fact.Department ?? "",
        Path = fact.Node.Path, District = fact.Node.District, Town = fact.Node.Town, Operation = fact.Operation,
    };

    public void Add(KpiFact fact)
    {
        switch (fact.Measure)
        {
            case KpiMeasure.Received:
                Received++;
                break;
            case KpiMeasure.Acknowledged:
                Acknowledged++;
                if (fact.OnTime) AcknowledgedOnTime++;
                if (fact.Seconds is { } ack) AcknowledgeSeconds.Add(ack);
                break;
            case KpiMeasure.Resolved:
                Resolved++;
                if (fact.OnTime) ResolvedOnTime++;
                if (fact.Seconds is { } resolve) ResolveSeconds.Add(resolve);
                break;
            case KpiMeasure.Returned:
                Returned++;
                break;
            case KpiMeasure.Reopened:
                Reopened++;
                break;
            case KpiMeasure.Callback:
                Callbacks++;
                SatisfactionSum += fact.Satisfaction ?? 0;
                break;
            case KpiMeasure.Closed:
                Closed++;
                break;
            case KpiMeasure.CallerNotReached:
                CallerNotReached++;
                break;
            case KpiMeasure.SupervisionOverdue:
                SupervisionOverdue++;
                break;
        }
    }
}
