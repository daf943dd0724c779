namespace Dispatch.Domain.Incidents;

/// <summary>
/// Merge a later report of the same matter into the incident already open for it (一件事), on the duplicate's
/// stream. <see cref="Target"/>, and the duplicate's own <see cref="Caller"/> and <see cref="Description"/> (facts of
/// its report), are looked up by the command path so the rules stay pure.
/// </summary>
public sealed record MergeIncident(Guid Into, string By) : IncidentCommand(By)
{
    /// <summary>The incident to merge into, as it is now; null when there is none.</summary>
    public Incident? Target { get; init; }
    public Caller? Caller { get; init; }
    public string? Description { get; init; }
}

/// <summary>Take a merged duplicate out of its target again: it becomes its own incident in the state it had.</summary>
public sealed record UnmergeIncident(string By) : IncidentCommand(By);

/// <summary>
/// The rules of merging, pure like the rest of <see cref="IncidentDecider"/>. A merge or an unmerge decides events
/// for two streams, the duplicate's and the target's; each event names its incident and the command path appends
/// each to its own stream in one transaction.
/// </summary>
public static class IncidentMerging
{
    /// <summary>
    /// Asked before any other rule: a merged duplicate takes no command but unmerge (its work is the target's now), and
    /// only a merged incident can be unmerged. Null when the command goes on to its own rule.
    /// </summary>
    public static Decision? Screen(Incident i, IncidentCommand command) => (i.MergedInto, command) switch
    {
        ({ }, UnmergeIncident) => null,
        ({ } link, MergeIncident) => Decision.Refuse("merge.already",
            "Incident {0} is already merged into {1}; unmerge it first.", i.Number, link.TargetNumber),
        ({ } link, _) => Decision.Refuse("incident.merged",
            "Incident {0} was merged into {1}: work on {1}, or unmerge {0} first.", i.Number, link.TargetNumber),
        (null, UnmergeIncident) => Decision.Refuse("unmerge.not-merged",
            "Incident {0} is not merged into another incident.", i.Number),
        _ => null,
    };

    public static Decision Merge(Incident i, MergeIncident c, DateTimeOffset now)
    {
        if (c.Target is not { } t)
            return Decision.Refuse("merge.no-target", "Name the incident that {0} duplicates.", i.Number);
        if (t.Id == i.Id)
            return Decision.Refuse("merge.self", "Incident {0} cannot be merged into itself.", i.Number);
        // A resolved incident waits for its own callback; merging it would lose that step.
        if (i.State == IncidentState.Resolved)
            return Decision.Refuse("merge.resolved",
                "Incident {0} is already resolved: call the citizen back and close it instead of merging it.", i.Number);
        if (t.MergedInto is { } further)
            return Decision.Refuse("merge.target-merged",
                "Incident {1} was itself merged into {2}: merge {0} into {2} instead.", i.Number, t.Number, further.TargetNumber);
        if (!t.IsOpen)
            return Decision.Refuse("merge.target-finished",
                "Incident {1} is {2}: {0} cannot be merged into it.", i.Number, t.Number, t.State);
        if (t.Category != i.Category)
            return Decision.Refuse("merge.other-category",
                "Incident {0} is about {1} and {2} about {3}: only reports of the same category are merged.",
                i.Number, new CategoryCode(i.Category), t.Number, new CategoryCode(t.Category));
        return Decision.Accept(
            new IncidentMergedInto(i.Id, t.Id, t.Number, c.By, now),
            new IncidentReportMerged(t.Id, i.Id, i.Number, c.Caller ?? new Caller(null, null), c.Description ?? "", c.By, now));
    }

    /// <summary>Screened first, so the incident is merged here.</summary>
    public static Decision Unmerge(Incident i, UnmergeIncident c, DateTimeOffset now)
    {
        var link = i.MergedInto ?? throw new InvalidOperationException($"{i.Number} is not merged (Screen lets only merged ones through).");
        return Decision.Accept(
            new IncidentUnmerged(i.Id, link.TargetId, link.TargetNumber, link.Resumes, c.By, now),
            new IncidentReportUnmerged(link.TargetId, i.Id, i.Number, c.By, now));
    }

    /// <summary>
    /// The duplicate's side of a merge and an unmerge. The target's side (a caller more or less) changes nothing the
    /// rules decide on, so the target's state ignores it.
    /// </summary>
    public static Incident Evolve(Incident state, object @event) => @event switch
    {
        IncidentMergedInto e when e.IncidentId == state.Id => state with
        {
            State = IncidentState.Merged, MergedInto = new MergeLink(e.TargetId, e.TargetNumber, state.State),
        },
        IncidentUnmerged e when e.IncidentId == state.Id => state with { State = e.Resumes, MergedInto = null },
        _ => state,
    };
}
