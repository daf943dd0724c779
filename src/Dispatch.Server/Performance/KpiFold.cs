using Dispatch.Domain.Incidents;

namespace Dispatch.Server.Performance;

/// <summary>
/// What the KPI fold remembers of one incident between its events: where it lies, who leads it since when and
/// with which deadlines, and whose resolution the citizen is judging.
/// </summary>
public sealed record KpiIncident
{
    public Guid Id { get; init; }
    public DateTimeOffset ReportedAt { get; init; }
    public string? ReceivedAt { get; init; }
    /// <summary>Where it lies now; null until intake placed or flagged it (then the receiving centre holds it).</summary>
    public KpiNode? Node { get; init; }
    /// <summary>Whether its report has been counted for a node.</summary>
    public bool Counted { get; init; }
    public string? Lead { get; init; }
    public DateTimeOffset? AssignedAt { get; init; }
    public DateTimeOffset? AcknowledgeBy { get; init; }
    public DateTimeOffset? ResolveBy { get; init; }
    public bool LeadAcknowledged { get; init; }
    /// <summary>The department whose resolution stands: callbacks and a reopen count against it.</summary>
    public string? ResolvedBy { get; init; }
    /// <summary>Found and fixed on the spot (自行处置): counted, but its zero durations are not timed.</summary>
    public bool OnSpot { get; init; }
    /// <summary>The operation it was reported in (平战结合), if any: its figures are also counted for the operation.</summary>
    public Guid? Operation { get; init; }

    public KpiNode Where => Node ?? KpiNode.OfCentre(ReceivedAt);
}

/// <summary>
/// The KPI rules, pure: one incident event in, the incident's remembered state and the figures it moves out.
/// Every figure counts on the city's local day its own event happened, at the place the incident lay then.
/// </summary>
public static class KpiFold
{
    public static (KpiIncident? Incident, IReadOnlyList<KpiFact> Facts) Apply(KpiIncident? incident, object @event, TimeZoneInfo zone)
    {
        if (@event is IncidentReported reported)
            return (new KpiIncident
            {
                Id = reported.IncidentId, ReportedAt = reported.At, ReceivedAt = reported.ReceivedAt, OnSpot = reported.Finder?.FixedOnSpot == true,
            }, []);
        // Not an incident step, or a stream whose report this fold never saw: nothing to attribute it to.
        if (incident is null || @event is not IIncidentEvent step) return (incident, []);

        var facts = new List<KpiFact>();
        var next = @event switch
        {
            IncidentPlaced placed => incident with { Node = KpiNode.Of(placed.Place) },
            IncidentPlacementFlagged => incident with { Node = KpiNode.OfCentre(incident.ReceivedAt) },
            Dispatch.Domain.Operations.IncidentInOperation o => incident with { Operation = o.OperationId },
            _ => incident,
        };
        // Intake writes the report and its placement together: the report counts where it was placed, on its own day.
        if (!next.Counted)
        {
            facts.Add(new KpiFact(DayOf(next.ReportedAt, zone), null, next.Where, KpiMeasure.Received));
            next = next with { Counted = true };
        }

        var day = DayOf(step.At, zone);
        var node = next.Where;
        void Both(string department, KpiMeasure measure, bool onTime = true, long? seconds = null, int? satisfaction = null)
        {
            facts.Add(new KpiFact(day, department, node, measure, onTime, seconds, satisfaction));
            facts.Add(new KpiFact(day, null, node, measure, onTime, seconds, satisfaction));
        }

        switch (@event)
        {
            case IncidentAssigned a:
                facts.Add(new KpiFact(day, a.Department, node, KpiMeasure.Received));
                // The deadlines judged are the assignment's own: an escalation restarts the clock for command, but does
                // not make a late acknowledgement on time.
                next = next with
                {
                    Lead = a.Department, AssignedAt = a.At, AcknowledgeBy = a.AcknowledgeBy, ResolveBy = a.ResolveBy,
                    LeadAcknowledged = false,
                };
                break;
            // Assisting departments acknowledge their own part; only the lead's acknowledgement is the one timed.
            case IncidentAcknowledged k when k.Department == next.Lead && !next.LeadAcknowledged:
                Both(k.Department, KpiMeasure.Acknowledged, OnTime(k.At, next.AcknowledgeBy), next.OnSpot ? null : Seconds(next.AssignedAt, k.At));
                next = next with { LeadAcknowledged = true };
                break;
            // A matter fixed on the spot counts as received, acknowledged and resolved (on time) for the finder's department,
            // without durations: its zero seconds would drag the medians of work that was waited for. No callback is due.
            case IncidentResolved v:
                Both(v.Department, KpiMeasure.Resolved, OnTime(v.At, next.ResolveBy),
                    v.Department == next.Lead && !next.OnSpot ? Seconds(next.AssignedAt, v.At) : null);
                next = next with { ResolvedBy = v.Department };
                break;
            case IncidentReturned t:
                Both(t.Department, KpiMeasure.Returned);
                if (t.Department == next.Lead) next = Unassigned(next);
                break;
            case IncidentReopened:
                if (next.ResolvedBy is { } resolver) facts.Add(new KpiFact(day, resolver, node, KpiMeasure.Reopened));
                facts.Add(new KpiFact(day, null, node, KpiMeasure.Reopened));
                // Reopened, it is worked like any other: its next acknowledgement and resolution are timed.
                next = Unassigned(next) with { ResolvedBy = null, OnSpot = false };
                break;
            // Closed counts for the department whose resolution stands; a caller never reached gives no score, so the
            // satisfaction average (callbacks only) leaves it out while the closing counts.
            case IncidentClosed closed:
                if (next.ResolvedBy is { } closer) facts.Add(new KpiFact(day, closer, node, KpiMeasure.Closed));
                facts.Add(new KpiFact(day, null, node, KpiMeasure.Closed));
                if (closed.Reason == CloseReason.CallerNotReached)
                {
                    if (next.ResolvedBy is { } unreached) facts.Add(new KpiFact(day, unreached, node, KpiMeasure.CallerNotReached));
                    facts.Add(new KpiFact(day, null, node, KpiMeasure.CallerNotReached));
                }
                break;
            // A supervision reply overdue counts against the department that led it then.
            case Dispatch.Domain.Supervision.SupervisionOverdue o:
                if ((o.Department ?? next.Lead) is { } late) Both(late, KpiMeasure.SupervisionOverdue);
                else facts.Add(new KpiFact(day, null, node, KpiMeasure.SupervisionOverdue));
                break;
            case CitizenCallbackRecorded c:
                if (next.ResolvedBy is { } judged) facts.Add(new KpiFact(day, judged, node, KpiMeasure.Callback, Satisfaction: c.Satisfaction));
                facts.Add(new KpiFact(day, null, node, KpiMeasure.Callback, Satisfaction: c.Satisfaction));
                break;
        }
        // An operation's incidents are counted for it as well (its rows, one per day and place): the node's figures, again.
        if (next.Operation is { } operation)
        {
            if (@event is Dispatch.Domain.Operations.IncidentInOperation)
                facts.Add(new KpiFact(DayOf(next.ReportedAt, zone), null, next.Where, KpiMeasure.Received, Operation: operation));
            facts.AddRange(facts.Where(f => f.Department is null && f.Operation is null && f.Measure != KpiMeasure.Received)
                .Select(f => f with { Operation = operation }).ToList());
        }
        return (next, facts);
    }

    /// <summary>The city's calendar day of an instant.</summary>
    public static DateOnly DayOf(DateTimeOffset at, TimeZoneInfo zone) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);

    static bool OnTime(DateTimeOffset at, DateTimeOffset? due) => due is not { } deadline || at <= deadline;

    static long? Seconds(DateTimeOffset? from, DateTimeOffset to) => from is { } start ? (long)Math.Floor((to - start).TotalSeconds) : null;

    static KpiIncident Unassigned(KpiIncident i) =>
        i with { Lead = null, AssignedAt = null, AcknowledgeBy = null, ResolveBy = null, LeadAcknowledged = false };
}
