using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Pipeline;
using JasperFx;
using JasperFx.Events;
using Marten;
using Marten.Events;

namespace Dispatch.Server.Incidents;

// Merge and unmerge: the one command path for the commands that write to two incidents at once.
public sealed partial class IncidentService
{
    /// <summary>
    /// Merges a duplicate into its target, or unmerges it: both streams are locked, the rules decide on the duplicate
    /// with the target looked up, and each event goes to the stream it names. What follows is the pipeline's, as for any
    /// incident event: the merged duplicate is finished, so its crews are told and freed and its channel hears of it.
    /// A refusal, a denial or a conflict writes nothing to either.
    /// </summary>
    async Task<CommandOutcome> Merge(Actor actor, Via via, Guid id, IncidentCommand command, long? expectedVersion, Chat.ChatLine? typed,
        CancellationToken ct)
    {
        // The other incident: the one named, or, to unmerge, the one the duplicate went into.
        var otherId = command is MergeIncident merge ? merge.Into : await MergedInto(id, ct);
        try
        {
            return await pipeline.Run<CommandOutcome>(actor, via, Kind(command), async work =>
            {
                // Locked in a fixed order, so two merges between the same two incidents in opposite directions take turns
                // instead of deadlocking.
                var streams = new Dictionary<Guid, IEventStream<Incident>>();
                foreach (var streamId in new[] { id, otherId ?? id }.Distinct().Order())
                    streams[streamId] = await work.Incident(streamId);

                var source = streams[id];
                if (source.Aggregate is not { } incident) return Decided.Nothing<CommandOutcome>(new CommandOutcome.NotFound(id));
                var scope = IncidentScope.Of(incident);
                var action = ActionName(command);
                if (!AccessRules.Allows(actor, command, scope))
                    return Decided.Nothing<CommandOutcome>(new CommandOutcome.Forbidden(await Deny(work, action, scope.Path, id, incident.Number)));
                if (expectedVersion is { } expected && expected != (source.StartingVersion ?? 0))
                    return Decided.Nothing(await DescribeConflict(id, expectedVersion, ct));
                // Unmerged by someone else between the look and the lock: say what changed.
                if (command is UnmergeIncident && incident.MergedInto?.TargetId != otherId)
                    return Decided.Nothing(await DescribeConflict(id, source.StartingVersion, ct));

                Incident? target = null;
                if (otherId is { } targetId && targetId != id)
                {
                    if (streams[targetId].Aggregate is not { } other) return Decided.Nothing<CommandOutcome>(new CommandOutcome.NotFound(targetId));
                    // Merging shows the target's callers to whoever merges: they must be allowed to read it.
                    var targetScope = IncidentScope.Of(other);
                    if (!AccessRules.Allows(actor, IncidentAction.Read, targetScope))
                        return Decided.Nothing<CommandOutcome>(new CommandOutcome.Forbidden(await Deny(work, action, targetScope.Path, targetId, other.Number)));
                    target = other;
                }
                else if (otherId == id) target = incident;

                if (command is MergeIncident m)
                {
                    // The duplicate's caller and words go to the target: facts of its report, its first event.
                    var report = (await work.Query.Events.FetchStreamAsync(id, version: 1, token: ct)).Select(e => e.Data).OfType<IncidentReported>().Single();
                    command = m with { Target = target, Caller = report.Caller, Description = report.Description };
                }

                var decision = IncidentDecider.Decide(incident, command, work.Now);
                if (decision.Refusal is { } refusal) return Decided.Nothing<CommandOutcome>(new CommandOutcome.Refused(refusal));

                var effects = new List<Effect>();
                foreach (var written in decision.Events.GroupBy(e => ((IIncidentEvent)e).IncidentId))
                {
                    var aggregate = streams[written.Key].Aggregate!;
                    effects.Add(new IncidentDecided(written.Key, written.ToList()));
                    effects.Add(new AuditLine("incident." + action, IncidentScope.Of(aggregate).Path, DescribeMerge(written.First()), written.Key, aggregate.Number));
                }
                var merging = command;
                if (typed is not null) effects.Add(new TypedInChat(id, typed, (after, events) => Domain.Chat.SystemMessages.ResultOf(merging, after!, events)));
                return Decided.With<CommandOutcome>(effects, w => new CommandOutcome.Done(id, incident.Number, w.Version(id), Created: false));
            }, ct);
        }
        catch (ConcurrencyException)
        {
            return await DescribeConflict(id, expectedVersion, ct);
        }
    }

    /// <summary>The incident a duplicate is merged into now, looked at before locking (checked again after).</summary>
    async Task<Guid?> MergedInto(Guid id, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return (await query.Events.AggregateStreamAsync<Incident>(id, token: ct))?.MergedInto?.TargetId;
    }

    static string? DescribeMerge(object e) => e switch
    {
        IncidentMergedInto m => $"into {m.TargetNumber}",
        IncidentReportMerged r => $"{r.SourceNumber} merged in",
        IncidentUnmerged u => $"out of {u.TargetNumber}",
        IncidentReportUnmerged r => $"{r.SourceNumber} taken out",
        _ => null,
    };
}
