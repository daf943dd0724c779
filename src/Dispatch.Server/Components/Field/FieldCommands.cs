using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Dispatch.Server.Units;
using Microsoft.Extensions.Localization;

using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Components.Field;

/// <summary>What a tap on the phone came to: done, or why not in the unit's own language.</summary>
public sealed record FieldReply(bool Ok, string? Problem = null)
{
    public static readonly FieldReply Done = new(true);
    public static FieldReply No(string problem) => new(false, problem);
}

/// <summary>
/// The field page's commands, through the same paths as the unit hub's: the unit's moves and position through
/// <see cref="UnitService"/>, its notes and resolution through <see cref="IncidentService"/> for its department.
/// </summary>
public sealed class FieldCommands(UnitService units, IncidentService incidents, Messages messages, IStringLocalizer<Ui> text)
{
    public Task<FieldReply> Move(Actor unitActor, Guid unitId, FieldAction action, CancellationToken ct = default) =>
        UnlessBusy(async () => Reply(await units.Handle(unitActor, unitId, FieldActions.Command(action), Via.Phone, ct)));

    public Task<FieldReply> Position(Actor unitActor, Guid unitId, double lat, double lon, double accuracy, DateTimeOffset reportedAt,
        CancellationToken ct = default) =>
        UnlessBusy(async () => Reply(await units.Handle(unitActor, unitId, new ReportPosition(lat, lon, accuracy, reportedAt, ""), Via.Phone, ct)));

    /// <summary>A progress note on the unit's incident, in its department's name.</summary>
    public Task<FieldReply> Note(Actor unitActor, UnitRosterEntry unit, string note, CancellationToken ct = default) =>
        OnIncident(unitActor, unit, new NoteProgress(unit.Department, note.Trim(), ""), ct);

    /// <summary>Resolves the unit's incident for its department (the department must lead it).</summary>
    public Task<FieldReply> Resolve(Actor unitActor, UnitRosterEntry unit, string resolution, CancellationToken ct = default) =>
        OnIncident(unitActor, unit, new ResolveIncident(unit.Department, resolution.Trim(), ""), ct);

    /// <summary>Past the centre's capacity the unit is told it is busy and when to tap again, as the unit hub says it.</summary>
    async Task<FieldReply> UnlessBusy(Func<Task<FieldReply>> command)
    {
        try { return await command(); }
        catch (Exception ex) when (OverloadedException.RetryAfterOf(ex) is { } seconds) { return FieldReply.No(messages.Busy(seconds)); }
    }

    Task<FieldReply> OnIncident(Actor unitActor, UnitRosterEntry unit, IncidentCommand command, CancellationToken ct) => UnlessBusy(async () =>
    {
        if (unit.IncidentId is not { } incidentId) return FieldReply.No(text["fieldpage.no-incident", unit.CallSign]);
        return await incidents.Handle(unitActor, incidentId, command, expectedVersion: null, Via.Phone, ct) switch
        {
            CommandOutcome.Done => FieldReply.Done,
            CommandOutcome.Refused r => FieldReply.No(messages.Refusal(r.Refusal)),
            CommandOutcome.Forbidden => FieldReply.No(text["action.denied"]),
            CommandOutcome.Invalid i => FieldReply.No(string.Join(" ", i.Errors.Select(messages.Field))),
            CommandOutcome.NotFound => FieldReply.No(text["fieldpage.incident-gone", unit.IncidentNumber ?? ""]),
            CommandOutcome.Conflict c => FieldReply.No(messages.Conflict(c)),
            var other => FieldReply.No(other.ToString()),
        };
    });

    FieldReply Reply(UnitOutcome outcome) => outcome switch
    {
        UnitOutcome.Done => FieldReply.Done,
        UnitOutcome.Refused r => FieldReply.No(messages.Refusal(r.Refusal)),
        UnitOutcome.Forbidden => FieldReply.No(text["fieldpage.denied"]),
        UnitOutcome.NotFound => FieldReply.No(text["fieldpage.unit-gone"]),
        UnitOutcome.Invalid i => FieldReply.No(string.Join(" ", i.Errors.Select(messages.Field))),
        var other => FieldReply.No(other.ToString()),
    };
}
