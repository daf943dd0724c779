using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Audit;
using Dispatch.Server.Live;
using Marten;

namespace Dispatch.Server.Units;

/// <summary>
/// Flags the units of one incident that stayed too long in their status (<see cref="UnitTimers"/>), through the command
/// path's steps: lock the incident's stream, decide on what it holds now (<see cref="UnitTimers.Check"/>), append,
/// audit, and queue the board's change notice in the same transaction. Two nodes asking at once take turns on the lock
/// and the second finds the unit already flagged, so each unit is flagged once per status period.
/// The deadline watch (<see cref="Dispatch.Server.Command.DeadlineWatch"/>) calls it when an incident's card says a unit timer is due.
/// </summary>
public sealed class UnitTimerCheck(IDocumentStore store, TimeProvider clock, ILogger<UnitTimerCheck> log)
{
    /// <summary>Who the flags are recorded as: no person decided them.</summary>
    public const string By = "system";

    /// <summary>Flags what is overdue on <paramref name="incidentId"/> now; returns the flags recorded (none: nothing was due).</summary>
    public async Task<IReadOnlyList<IncidentUnitOverdue>> Run(Guid incidentId, CancellationToken ct = default)
    {
        await using var session = store.LightweightSession();
        var stream = await session.Events.FetchForExclusiveWriting<Incident>(incidentId, ct);
        if (stream.Aggregate is not { } incident) return [];
        var decision = UnitTimers.Check(incident, By, clock.GetUtcNow());
        if (decision.Refusal is not null) return [];

        var flags = decision.Events.Cast<IncidentUnitOverdue>().ToList();
        stream.AppendMany(decision.Events);
        var scope = IncidentScope.Of(incident).Path;
        foreach (var flag in flags)
        {
            AuditTrail.Record(session, clock, By, "unit.overdue", scope, Describe(flag), incident.Id, incident.Number);
            // The crew hears it too, before the dispatcher calls: the flag is on the board now.
            UnitMailbox.Post(session, flag.UnitId, UnitMessageKind.Overdue, new OverdueMessage(
                incident.Id, incident.Number, flag.Status, flag.Since, LimitMinutes: (int)flag.Limit.TotalMinutes), flag.At);
        }
        IncidentChangeFeed.Notify(session, incident.Id, (stream.StartingVersion ?? 0) + flags.Count);
        var after = decision.Events.Aggregate(incident, (i, e) => Incident.Evolve(i, e)!);
        await Chat.ChatPosts.Write(session, after, decision.Events, clock.GetUtcNow(), ct);
        await session.SaveChangesAsync(ct);
        foreach (var flag in flags)
            log.LogInformation("{CallSign} on {Number} is overdue: {Status} since {Since:O}, limit {Limit}", flag.CallSign, incident.Number,
                flag.Status, flag.Since, flag.Limit);
        return flags;
    }

    /// <summary>"东湖-城管-03 · Dispatched · limit 00:05:00".</summary>
    public static string Describe(IncidentUnitOverdue flag) =>
        string.Create(CultureInfo.InvariantCulture, $"{flag.CallSign} · {flag.Status} · limit {flag.Limit:c}");
}
