using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Units;

/// <summary>
/// Flags the units of one incident that stayed too long in their status (<see cref="UnitTimers"/>), through the pipeline:
/// lock the incident's stream, decide on what it holds now (<see cref="UnitTimers.Check"/>), and write the flags, the
/// audit lines, the crews' messages and the board's change notice in one transaction. Two nodes asking at once take turns on the lock
/// and the second finds the unit already flagged, so each unit is flagged once per status period.
/// The deadline watch (<see cref="Dispatch.Server.Command.DeadlineWatch"/>) calls it when an incident's card says a unit timer is due.
/// </summary>
public sealed class UnitTimerCheck(CommandPipeline pipeline, ILogger<UnitTimerCheck> log)
{
    /// <summary>Who the flags are recorded as: no person decided them.</summary>
    public static readonly string By = CommandPipeline.System.Login;

    /// <summary>Flags what is overdue on <paramref name="incidentId"/> now; returns the flags recorded (none: nothing was due).</summary>
    public async Task<IReadOnlyList<IncidentUnitOverdue>> Run(Guid incidentId, CancellationToken ct = default)
    {
        (IReadOnlyList<IncidentUnitOverdue> flags, string? number) = await pipeline.Run<(IReadOnlyList<IncidentUnitOverdue>, string?)>(CommandPipeline.System, Via.System, "unit.timer", async work =>
        {
            if ((await work.Incident(incidentId)).Aggregate is not { } incident) return Decided.Nothing<(IReadOnlyList<IncidentUnitOverdue>, string?)>(([], null));
            var decision = UnitTimers.Check(incident, By, work.Now);
            if (decision.Refusal is not null) return Decided.Nothing<(IReadOnlyList<IncidentUnitOverdue>, string?)>(([], null));

            var flags = decision.Events.Cast<IncidentUnitOverdue>().ToList();
            var scope = IncidentScope.Of(incident).Path;
            // The flags are the board's; the crew hears each too, before the dispatcher calls.
            var effects = new List<Effect> { new IncidentDecided(incident.Id, decision.Events, TellCrews: false) };
            foreach (var flag in flags)
            {
                effects.Add(new AuditLine("unit.overdue", scope, Describe(flag), incident.Id, incident.Number));
                effects.Add(new TellUnit(flag.UnitId, new OverdueMessage(
                    incident.Id, incident.Number, flag.Status, flag.Since, LimitMinutes: (int)flag.Limit.TotalMinutes)));
            }
            return Decided.With<(IReadOnlyList<IncidentUnitOverdue>, string?)>(effects, _ => (flags, incident.Number));
        }, ct);
        foreach (var flag in flags)
            log.LogInformation("{CallSign} on {Number} is overdue: {Status} since {Since:O}, limit {Limit}", flag.CallSign, number,
                flag.Status, flag.Since, flag.Limit);
        return flags;
    }

    /// <summary>"东湖-城管-03 · Dispatched · limit 00:05:00".</summary>
    public static string Describe(IncidentUnitOverdue flag) =>
        string.Create(CultureInfo.InvariantCulture, $"{flag.CallSign} · {flag.Status} · limit {flag.Limit:c}");
}
