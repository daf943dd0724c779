using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Audit;
using Dispatch.Server.Live;
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
    /// with the target looked up, and each event goes to the stream it names, with both change notices, in one
    /// transaction. A refusal, a denial or a conflict writes nothing to either.
    /// </summary>
    async Task<CommandOutcome> HandleMerge(Actor actor, Guid id, IncidentCommand command, long? expectedVersion, CancellationToken ct)
    {
        // The other incident: the one named, or, to unmerge, the one the duplicate went into.
        var otherId = command is MergeIncident merge ? merge.Into : await MergedInto(id, ct);

        await using var session = store.LightweightSession();
        try
        {
            // Locked in a fixed order, so two merges between the same two incidents in opposite directions take turns
            // instead of deadlocking.
            var streams = new Dictionary<Guid, IEventStream<Incident>>();
            foreach (var streamId in new[] { id, otherId ?? id }.Distinct().Order())
                streams[streamId] = await session.Events.FetchForExclusiveWriting<Incident>(streamId, ct);

            var source = streams[id];
            if (source.Aggregate is not { } incident) return new CommandOutcome.NotFound(id);
            var scope = IncidentScope.Of(incident);
            var action = AccessRules.ActionOf(command).Action.ToString().ToLowerInvariant();
            if (!AccessRules.Allows(actor, command, scope))
                return new CommandOutcome.Forbidden(await Deny(actor, action, scope.Path, id, incident.Number, ct));
            if (expectedVersion is { } expected && expected != (source.StartingVersion ?? 0))
                return await DescribeConflict(id, expectedVersion, ct);
            // Unmerged by someone else between the look and the lock: say what changed.
            if (command is UnmergeIncident && incident.MergedInto?.TargetId != otherId)
                return await DescribeConflict(id, source.StartingVersion, ct);

            Incident? target = null;
            if (otherId is { } targetId && targetId != id)
            {
                if (streams[targetId].Aggregate is not { } other) return new CommandOutcome.NotFound(targetId);
                // Merging shows the target's callers to whoever merges: they must be allowed to read it.
                var targetScope = IncidentScope.Of(other);
                if (!AccessRules.Allows(actor, IncidentAction.Read, targetScope))
                    return new CommandOutcome.Forbidden(await Deny(actor, action, targetScope.Path, targetId, other.Number, ct));
                target = other;
            }
            else if (otherId == id) target = incident;

            if (command is MergeIncident m)
            {
                // The duplicate's caller and words go to the target: facts of its report, its first event.
                var report = (await session.Events.FetchStreamAsync(id, version: 1, token: ct)).Select(e => e.Data).OfType<IncidentReported>().Single();
                command = m with { Target = target, Caller = report.Caller, Description = report.Description };
            }

            var decision = IncidentDecider.Decide(incident, command, clock.GetUtcNow());
            if (decision.Refusal is { } refusal) return new CommandOutcome.Refused(refusal);

            var version = 0L;
            foreach (var written in decision.Events.GroupBy(e => ((IIncidentEvent)e).IncidentId))
            {
                var stream = streams[written.Key];
                stream.AppendMany(written.ToList());
                var streamVersion = (stream.StartingVersion ?? 0) + written.Count();
                var number = stream.Aggregate!.Number;
                AuditTrail.Record(session, clock, actor.Login, "incident." + action, IncidentScope.Of(stream.Aggregate).Path,
                    DescribeMerge(written.First()), written.Key, number);
                IncidentChangeFeed.Notify(session, written.Key, streamVersion);
                if (written.Key == id) version = streamVersion;
            }
            await session.SaveChangesAsync(ct);
            return new CommandOutcome.Done(id, incident.Number, version, Created: false);
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
