using Dispatch.Domain.Command;
namespace Dispatch.Domain.Incidents;

/// <summary>
/// The incident loop's rules: a pure function of state, command and clock.
/// reported → accepted → assigned → acknowledged → resolved → (callback) → closed,
/// with return (back to the queue), reopen (back to the queue) and cancel (duplicate / invalid).
/// </summary>
public static class IncidentDecider
{
    /// <summary>
    /// A new incident: reported, then placed in the jurisdiction tree where its coordinates lie, or flagged for
    /// a dispatcher to place (outside the city, or only an address).
    /// </summary>
    public static IReadOnlyList<object> Intake(ReportIncident c, DateTimeOffset now) =>
    [
        Report(c, now),
        c switch
        {
            { Place: { } place } => new IncidentPlaced(c.IncidentId, place, Manual: false, c.By, now),
            { Location: null } => new IncidentPlacementFlagged(c.IncidentId, PlacementProblem.AddressOnly, c.By, now),
            _ => new IncidentPlacementFlagged(c.IncidentId, PlacementProblem.OutsideCity, c.By, now),
        },
        // Taken at a desk that does not cover where it lies (无差别受理): said on the record, where it went and from where.
        .. c is { ReceivedAt: { } desk, Place: { } at } && !Access.AccessRules.Covers(desk, at.Path)
            ? [new IncidentForwarded(c.IncidentId, desk, at.Path, c.By, now)] : Array.Empty<object>(),
        // The routing policy's suggestion: which level commands it, and which department should lead.
        .. c.Route is { } route ? [new IncidentRouted(c.IncidentId, route.Level, route.Department, route.Rule, c.By, now)] : Array.Empty<object>(),
        // Reported inside an operation in force (平战结合): it belongs to it, and gets its deadlines when assigned.
        .. c.Operation is { } op ? [new Operations.IncidentInOperation(c.IncidentId, op.Id, op.Name, op.Desk, op.Deadlines, c.By, now)] : Array.Empty<object>(),
    ];

    public static IncidentReported Report(ReportIncident c, DateTimeOffset now) =>
        new(c.IncidentId, c.Number, c.Channel, c.Caller, c.Location, c.Address?.Trim(), c.Category,
            c.Description.Trim(), c.Urgency, c.By, now, c.ReceivedAt, c.Finder, now + c.AcceptWithin);

    public static Decision Decide(Incident incident, IncidentCommand command, DateTimeOffset now)
    {
        // A merged duplicate waits on its target: only unmerging moves it.
        if (IncidentMerging.Screen(incident, command) is { } merged) return merged;
        // Closed and cancelled incidents are finished: only a reopen (of a closed one) moves them.
        if (incident.State == IncidentState.Cancelled)
            return Decision.Refuse("incident.cancelled",
                "Incident {0} was cancelled; it can no longer be changed.", incident.Number);
        // The citizen's own rating may follow the closing (a report without a phone closes without a callback).
        if (command is RateOnline rate) return Rate(incident, rate, now);
        if (incident.State == IncidentState.Closed && command is not ReopenIncident && !FieldReportRules.IsFindersPhoto(incident, command))
            return Decision.Refuse("incident.closed",
                "Incident {0} is closed; reopen it first.", incident.Number);

        return command switch
        {
            AcceptIncident c => Accept(incident, c, now),
            AssignIncident c => Assign(incident, c, now),
            AcknowledgeIncident c => Acknowledge(incident, c, now),
            NoteProgress c => Progress(incident, c, now),
            ReturnIncident c => Return(incident, c, now),
            ResolveIncident c => Resolve(incident, c, now),
            RecordCallback c => Callback(incident, c, now),
            CloseIncident c => Close(incident, c, now),
            ReopenIncident c => Reopen(incident, c, now),
            CancelIncident c => Cancel(incident, c, now),
            LocateIncident c => Decision.Accept(
                new IncidentLocated(incident.Id, c.Location, c.Address?.Trim(), c.By, now),
                c.Place is { } place
                    ? new IncidentPlaced(incident.Id, place, Manual: false, c.By, now)
                    : new IncidentPlacementFlagged(incident.Id, PlacementProblem.OutsideCity, c.By, now)),
            PlaceIncident c when c.Place == incident.Place => Decision.Refuse("place.same",
                "Incident {0} is already placed there.", incident.Number),
            PlaceIncident c => Decision.Accept(new IncidentPlaced(incident.Id, c.Place, Manual: true, c.By, now)),
            OverrideRouting c => Override(incident, c, now),
            EscalateIncident c => Escalate(incident, c, now),
            DelegateIncident c => Delegate(incident, c, now),
            SuperviseIncident c => Supervision.SupervisionRules.Supervise(incident, c, now),
            Supervision.AnswerSupervision c => Supervision.SupervisionRules.Answer(incident, c, now),
            Supervision.RecordCallbackAttempt c => Supervision.SupervisionRules.Attempt(incident, c, now),
            CheckDeadlines c => Deadline(incident, c, now),
            MergeIncident c => IncidentMerging.Merge(incident, c, now),
            UnmergeIncident c => IncidentMerging.Unmerge(incident, c, now),
            AttachPhoto c => IncidentPhotos.Attach(incident, c, now),
            Plans.ActivatePlan or Plans.AcknowledgePlanTask or Plans.CompletePlanTask or Plans.StandDownPlan or Plans.CheckPlanTasks =>
                Plans.PlanDecider.Decide(incident, command, now),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
        };
    }

    static Decision Accept(Incident i, AcceptIncident c, DateTimeOffset now) =>
        i.State == IncidentState.Reported
            ? Decision.Accept(new IncidentAccepted(i.Id, c.By, now))
            : Decision.Refuse("accept.not-new",
                "Only a newly reported incident can be accepted; {0} is already {1}.", i.Number, i.State);

    static Decision Assign(Incident i, AssignIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Department))
            return Decision.Refuse("assign.no-department", "Name the department to assign {0} to.", i.Number);
        return i.State switch
        {
            IncidentState.Reported => Decision.Refuse("assign.not-accepted",
                "Accept incident {0} before assigning it.", i.Number),
            _ when c.Assisting?.Contains(c.Department) == true => Decision.Refuse("assign.lead-assists",
                "{0} cannot both lead and assist on incident {1}.", c.Department, i.Number),
            _ when c.Assisting is { } a && a.Distinct().Count() != a.Count => Decision.Refuse("assign.assisting-twice",
                "An assisting department is named twice for incident {0}.", i.Number),
            IncidentState.Accepted => Decision.Accept(Assigned(i, c, now)),
            // Re-assigning before anyone acknowledged is a correction, not a return.
            IncidentState.Assigned when i.LeadDepartment == c.Department && SameSet(i.Assisting, c.Assisting) =>
                Decision.Refuse("assign.same-department", "Incident {0} is already assigned to {1}.", i.Number, c.Department),
            IncidentState.Assigned => Decision.Accept(Assigned(i, c, now)),
            IncidentState.Acknowledged => Decision.Refuse("assign.being-handled",
                "Incident {0} is being handled by {1}; it must be returned before it can be assigned elsewhere.",
                i.Number, i.LeadDepartment!),
            _ => Decision.Refuse("assign.resolved",
                "Incident {0} is resolved; reopen it before assigning it again.", i.Number),
        };
    }

    static Decision Acknowledge(Incident i, AcknowledgeIncident c, DateTimeOffset now) => i.State switch
    {
        // An assisting department acknowledges its own part, whenever the lead does.
        IncidentState.Assigned or IncidentState.Acknowledged when i.Assisting.Contains(c.Department) =>
            i.AcknowledgedBy.Contains(c.Department)
                ? Decision.Refuse("acknowledge.already", "Incident {0} was already acknowledged by {1}.", i.Number, c.Department)
                : Decision.Accept(new IncidentAcknowledged(i.Id, c.Department, c.By, now)),
        IncidentState.Reported or IncidentState.Accepted => Decision.Refuse("acknowledge.unassigned",
            "Cannot acknowledge incident {0}: it is not assigned to a department.", i.Number),
        IncidentState.Assigned when i.LeadDepartment != c.Department => WrongDepartment("acknowledge", i, c.Department),
        IncidentState.Assigned => Decision.Accept(new IncidentAcknowledged(i.Id, c.Department, c.By, now)),
        IncidentState.Acknowledged => Decision.Refuse("acknowledge.already",
            "Incident {0} was already acknowledged by {1}.", i.Number, i.LeadDepartment!),
        _ => Decision.Refuse("acknowledge.resolved", "Incident {0} is already resolved.", i.Number),
    };

    static Decision Progress(Incident i, NoteProgress c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Note))
            return Decision.Refuse("progress.empty", "Write what progress was made.");
        if (i.Assisting.Contains(c.Department) && i.State is IncidentState.Assigned or IncidentState.Acknowledged)
            return i.AcknowledgedBy.Contains(c.Department)
                ? Decision.Accept(new IncidentProgressNoted(i.Id, c.Department, c.Note.Trim(), c.By, now))
                : Decision.Refuse("progress.not-acknowledged",
                    "{0} must acknowledge its part of incident {1} before noting progress.", c.Department, i.Number);
        if (i.State != IncidentState.Acknowledged)
            return Decision.Refuse("progress.not-handling",
                "Progress on {0} can be noted only while its department handles it (after acknowledgement); it is {1}.",
                i.Number, i.State);
        return i.LeadDepartment != c.Department
            ? WrongDepartment("progress", i, c.Department)
            : Decision.Accept(new IncidentProgressNoted(i.Id, c.Department, c.Note.Trim(), c.By, now));
    }

    static Decision Return(Incident i, ReturnIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("return.no-reason", "Say why incident {0} is returned.", i.Number);
        if (i.State is not (IncidentState.Assigned or IncidentState.Acknowledged))
            return Decision.Refuse("return.not-assigned",
                "Only an incident assigned to a department can be returned; {0} is {1}.", i.Number, i.State);
        if (i.Assisting.Contains(c.Department))
            return Decision.Accept(new IncidentReturned(i.Id, c.Department, c.Reason.Trim(), c.By, now));
        return i.LeadDepartment != c.Department
            ? WrongDepartment("return", i, c.Department)
            : Decision.Accept(new IncidentReturned(i.Id, c.Department, c.Reason.Trim(), c.By, now));
    }

    static Decision Resolve(Incident i, ResolveIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Resolution))
            return Decision.Refuse("resolve.no-resolution", "Describe how incident {0} was resolved.", i.Number);
        return i.State switch
        {
            IncidentState.Acknowledged when i.LeadDepartment != c.Department => WrongDepartment("resolve", i, c.Department),
            IncidentState.Acknowledged => Decision.Accept(new IncidentResolved(i.Id, c.Department, c.Resolution.Trim(), c.By, now,
                CallbackBy: i.CallerHasPhone ? now + c.CallbackWithin : null)),
            IncidentState.Resolved => Decision.Refuse("resolve.already", "Incident {0} is already resolved.", i.Number),
            _ => Decision.Refuse("resolve.not-acknowledged",
                "Cannot resolve incident {0}: no department has acknowledged it; it is {1}.", i.Number, i.State),
        };
    }

    static Decision Callback(Incident i, RecordCallback c, DateTimeOffset now)
    {
        if (c.Satisfaction is < 1 or > 5)
            return Decision.Refuse("callback.satisfaction", "Satisfaction is a score from 1 to 5, not {0}.", c.Satisfaction);
        return i.State == IncidentState.Resolved
            ? Decision.Accept(new CitizenCallbackRecorded(i.Id, c.Satisfaction, c.Comment?.Trim(), c.By, now))
            : Decision.Refuse("callback.not-resolved",
                "The citizen is called back after incident {0} is resolved; it is {1}.", i.Number, i.State);
    }

    static Decision Rate(Incident i, RateOnline c, DateTimeOffset now)
    {
        if (c.Satisfaction is < 1 or > 5)
            return Decision.Refuse("callback.satisfaction", "Satisfaction is a score from 1 to 5, not {0}.", c.Satisfaction);
        if (i.State is not (IncidentState.Resolved or IncidentState.Closed))
            return Decision.Refuse("rating.not-resolved", "Incident {0} can be rated once it is resolved; it is {1}.", i.Number, i.State);
        return i.CallbackRecorded
            ? Decision.Refuse("rating.already", "The citizen's satisfaction with incident {0} is already recorded.", i.Number)
            : Decision.Accept(new CitizenCallbackRecorded(i.Id, c.Satisfaction, c.Comment?.Trim(), c.By, now));
    }

    static Decision Close(Incident i, CloseIncident c, DateTimeOffset now)
    {
        if (i.State != IncidentState.Resolved)
            return Decision.Refuse("close.not-resolved",
                "Cannot close incident {0}: it is not resolved; it is {1}.", i.Number, i.State);
        if (c.Reason == CloseReason.CallerNotReached) return Supervision.SupervisionRules.CloseUnreached(i, c, now);
        // The loop is closed with the citizen: whoever left a number is called back first (or could not be reached, above).
        if (i.CallerHasPhone && !i.CallbackRecorded)
            return Decision.Refuse("close.no-callback",
                "Cannot close incident {0}: call the citizen back and record their satisfaction first.", i.Number);
        return Decision.Accept(new IncidentClosed(i.Id, c.By, now));
    }

    static Decision Reopen(Incident i, ReopenIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("reopen.no-reason", "Say why incident {0} is reopened.", i.Number);
        return i.State is IncidentState.Resolved or IncidentState.Closed
            ? Decision.Accept(new IncidentReopened(i.Id, c.Reason.Trim(), c.By, now))
            : Decision.Refuse("reopen.not-finished",
                "Only a resolved or closed incident can be reopened; {0} is {1}.", i.Number, i.State);
    }

    static Decision Cancel(Incident i, CancelIncident c, DateTimeOffset now)
    {
        if (i.State == IncidentState.Resolved)
            return Decision.Refuse("cancel.resolved",
                "Incident {0} is resolved; it is closed, not cancelled.", i.Number);
        if (c.Reason == CancelReason.Duplicate && string.IsNullOrWhiteSpace(c.Note))
            return Decision.Refuse("cancel.duplicate-of",
                "Name the incident that {0} duplicates.", i.Number);
        return Decision.Accept(new IncidentCancelled(i.Id, c.Reason, c.Note?.Trim(), c.By, now));
    }

    static IncidentAssigned Assigned(Incident i, AssignIncident c, DateTimeOffset now) =>
        new(i.Id, c.Department, c.By, now, c.Assisting is { Count: > 0 } a ? a : null,
            now + c.Deadlines?.Acknowledge, now + c.Deadlines?.Resolve);

    static bool SameSet(Departments a, IReadOnlyList<string>? b) => a.Equals(Departments.Of(b));

    // Merged incidents never get here (IncidentMerging.Screen); the one definition covers them anyway.
    static bool Finished(Incident i) => i.State.IsFinished();

    static Decision Override(Incident i, OverrideRouting c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("override.no-reason", "Say why incident {0} is routed differently.", i.Number);
        if (Finished(i))
            return Decision.Refuse("override.finished", "Incident {0} is already {1}.", i.Number, i.State);
        if (c.Level == i.Level && c.Department is null)
            return Decision.Refuse("override.same", "Incident {0} is already commanded at {1} level.", i.Number, i.Level);
        return Decision.Accept(new IncidentRoutingOverridden(i.Id, c.Level, c.Department, c.Reason.Trim(), c.By, now));
    }

    static Decision Escalate(Incident i, EscalateIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("escalate.no-reason", "Say why incident {0} goes up a level.", i.Number);
        if (Finished(i))
            return Decision.Refuse("escalate.finished", "Incident {0} is already {1}.", i.Number, i.State);
        return CommandLevels.Up(i.Level) is { } up
            ? Decision.Accept(Escalated(i, up, c.Reason.Trim(), automatic: false, c.By, now))
            : Decision.Refuse("escalate.top", "Incident {0} is already commanded by the city.", i.Number);
    }

    /// <summary>Up one level; the running deadline starts again for the new level, with the time the assignment gave.</summary>
    internal static IncidentEscalated Escalated(Incident i, CommandLevel to, string reason, bool automatic, string by, DateTimeOffset now) =>
        new(i.Id, i.Level, to, reason, automatic,
            i.State == IncidentState.Assigned ? now + i.AcknowledgeWindow : null,
            i.State == IncidentState.Acknowledged ? now + i.ResolveWindow : null, by, now);

    static Decision Delegate(Incident i, DelegateIncident c, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(c.Reason))
            return Decision.Refuse("delegate.no-reason", "Say why incident {0} goes down a level.", i.Number);
        if (Finished(i))
            return Decision.Refuse("delegate.finished", "Incident {0} is already {1}.", i.Number, i.State);
        return CommandLevels.Down(i.Level) is { } down
            ? Decision.Accept(new IncidentDelegated(i.Id, i.Level, down, c.Reason.Trim(), c.By, now))
            : Decision.Refuse("delegate.bottom", "Incident {0} is already commanded by the town.", i.Number);
    }

    /// <summary>
    /// A running deadline that ran out moves command up a level, once; at the city it is recorded as missed, once.
    /// Asked again (by another node, or after a restart) it finds nothing due and says so.
    /// </summary>
    static Decision Deadline(Incident i, CheckDeadlines c, DateTimeOffset now)
    {
        var events = new List<object>();
        if (i.RunningDeadline is ({ } kind, { } due) && due <= now && i.MissedDeadline != due)
        {
            var what = kind == DeadlineKind.Acknowledge ? "acknowledgement" : "resolution";
            events.Add(CommandLevels.Up(i.Level) is { } up
                ? Escalated(i, up, FormattableString.Invariant($"{what} overdue since {due.UtcDateTime:yyyy-MM-dd HH:mm} UTC"), automatic: true, c.By, now)
                : new IncidentDeadlineMissed(i.Id, kind, due, c.By, now));
        }
        // Supervision replies and the centre's own steps run on the same clock, judged after any escalation above.
        events.AddRange(Supervision.SupervisionRules.Due(events.Aggregate(i, (s, e) => Incident.Evolve(s, e)!), c.By, now));
        return events.Count == 0
            ? Decision.Refuse("deadline.none-due", "No deadline of incident {0} has run out.", i.Number)
            : Decision.Accept([.. events]);
    }

    static Decision WrongDepartment(string action, Incident i, string department) =>
        Decision.Refuse($"{action}.wrong-department",
            "Incident {0} is assigned to {1}, not {2}.", i.Number, i.LeadDepartment!, department);
}
