using System.Globalization;
using Dispatch.Contracts;
using Dispatch.Domain.Access;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Domain.Operations;
using Dispatch.Server.City;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Marten;

namespace Dispatch.Server.Operations;

/// <summary>
/// Declaring and ending operations on the one pipeline: validation names each field, access is the domain's
/// (<see cref="OperationAccess"/>; a refusal is a 403 on the audit trail), the decider is pure, and the declaration, its
/// audit line, the change notice, the pre-positioning orders to the units and its public warning (when it issues one)
/// commit together; ending it by hand cancels that warning in the same transaction.
/// </summary>
public sealed class OperationService(CommandPipeline pipeline, JurisdictionTree tree, CityCatalog city, Warnings.PublicWarnings warnings)
{
    public async Task<OperationOutcome> Declare(Actor actor, DeclareOperation command, Via via, CancellationToken ct = default)
    {
        command = command with { By = actor.Login };
        return await pipeline.Run<OperationOutcome>(actor, via, "operation.declare", async work =>
        {
            var errors = OperationDecider.Validate(command, work.Now).ToList();
            errors.AddRange(CheckAgainstCity(command));
            var units = new List<Units.UnitRosterEntry>();
            if (errors.Count == 0 && command.Units is { Count: > 0 } listed)
            {
                var found = (await work.Query.LoadManyAsync<Units.UnitRosterEntry>(work.Cancellation, listed.Select(u => u.Unit))).ToDictionary(u => u.Id);
                for (var i = 0; i < listed.Count; i++)
                    if (found.GetValueOrDefault(listed[i].Unit) is { } unit) units.Add(unit);
                    else errors.Add(new FieldError($"units[{i}].unit", "units.unit.unknown", $"There is no unit {listed[i].Unit}."));
            }
            if (errors.Count > 0) return Decided.Nothing<OperationOutcome>(new OperationOutcome.Invalid(errors));

            var desk = command.Desk!.Trim();
            if (!OperationAccess.MayDeclare(actor, desk))
                return Decided.Nothing<OperationOutcome>(new OperationOutcome.Forbidden(await work.Deny("operation.declare", desk,
                    $"{actor.Login} may not declare an operation at {tree.NameOf(desk)}: leaders over its desk and the city's dispatchers declare operations.")));
            if (units.FirstOrDefault(u => !OperationAccess.MayPreposition(actor, u.HomePath)) is { } foreign)
                return Decided.Nothing<OperationOutcome>(new OperationOutcome.Forbidden(await work.Deny("operation.declare", foreign.HomePath,
                    $"{actor.Login} may not pre-position {foreign.CallSign}: its home lies outside your jurisdiction.")));

            // The roster's call signs go on the record, so the operation reads without the roster.
            var withCallSigns = command with
            {
                Units = command.Units?.Select(p => p with { CallSign = units.Single(u => u.Id == p.Unit).CallSign, Label = p.Label?.Trim() }).ToList(),
            };
            var declared = OperationDecider.Declare(withCallSigns, work.Now);
            List<Effect> effects =
            [
                new OperationStarted(declared.OperationId, [declared]),
                new AuditLine("operation.declare", desk, $"{declared.Name}: {Window(declared.From, declared.Until)}"),
            ];
            // The order to stand by goes to each unit's phone as a dispatcher's message: kept until the crew acknowledges it.
            foreach (var p in declared.Units)
                effects.Add(new TellUnit(p.Unit, new DispatcherTextMessage(actor.Login, actor.Name, StandBy(declared, p))));
            // Its public warning, with it or not at all; it expires by itself at the until-time.
            if (declared.Warning is { } warning)
                effects.AddRange(warnings.Issue(work, OperationWarning.Source(declared.OperationId, desk), OperationWarning.Text(declared, warning, city),
                    OperationWarning.Area(declared, tree), expires: declared.Until));
            return Decided.With<OperationOutcome>(effects, written => new OperationOutcome.Done(declared.OperationId, written.Version(declared.OperationId)));
        }, ct);
    }

    public Task<OperationOutcome> End(Actor actor, Guid id, string? reason, Via via, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > OperationDecider.MaxReason || reason.Any(char.IsControl))
            return Task.FromResult<OperationOutcome>(new OperationOutcome.Invalid(
                [new FieldError("reason", "reason.required", $"Say why the operation ends early (at most {OperationDecider.MaxReason} characters).")]));
        return pipeline.Run<OperationOutcome>(actor, via, "operation.end", async work =>
        {
            // Its warning's series is held as an update holds it (before any stream), so an update cannot cross the cancellation.
            if (await OperationWarning.Live(work.Query, id, work.Cancellation) is { } held) await work.Hold("warning:" + held.Series);
            var stream = await work.Operation(id);
            if (stream.Aggregate is not { } operation) return Decided.Nothing<OperationOutcome>(new OperationOutcome.NotFound(id));
            if (!OperationAccess.MayDeclare(actor, operation.Desk))
                return Decided.Nothing<OperationOutcome>(new OperationOutcome.Forbidden(await work.Deny("operation.end", operation.Desk,
                    $"{actor.Login} may not end operation {operation.Name}: leaders over its desk and the city's dispatchers end operations.")));
            var decision = OperationDecider.End(operation, new EndOperation(reason, actor.Login), work.Now);
            if (decision.Refusal is { } refusal) return Decided.Nothing<OperationOutcome>(new OperationOutcome.Refused(refusal));
            List<Effect> effects =
            [
                new OperationDecided(id, decision.Events),
                new AuditLine("operation.end", operation.Desk, $"{operation.Name}: {reason.Trim()}"),
            ];
            // Its warning still out is cancelled with it.
            if (await OperationWarning.Live(work.Query, id, work.Cancellation) is { } live)
                effects.AddRange(await warnings.Cancel(work, live, reason.Trim()));
            return Decided.With<OperationOutcome>(effects, written => new OperationOutcome.Done(id, written.Version(id)));
        }, ct);
    }

    /// <summary>
    /// What intake routes by: the ordinary policy, or, inside an operation in force, the operation's routing over it, with
    /// the tag (the operation's deadlines over the policy's) the incident records.
    /// </summary>
    public static async Task<(Domain.Command.Route Route, OperationTag? Tag)> Routing(Work work, OperationsInForce inForce, Command.CommandPolicy policy,
        GeoPoint? point, Place? place, string category, Urgency urgency, string description)
    {
        var ordinary = policy.Routing.Route(category, urgency, description);
        if (await inForce.At(point, place, work.Now, work.Cancellation) is not { } operation) return (ordinary, null);
        return (operation.Route(ordinary, category), operation.Tag(policy.Deadlines.For(category, urgency)));
    }

    IEnumerable<FieldError> CheckAgainstCity(DeclareOperation c)
    {
        if (c.Desk is { } desk && !string.IsNullOrWhiteSpace(desk) && !Known(desk.Trim()))
            yield return new FieldError("desk", "desk.unknown", $"There is no jurisdiction {desk}.");
        var deskPath = c.Desk?.Trim();
        var deskKnown = deskPath is not null && Known(deskPath);
        if (c.Area is { Polygon: null, Jurisdictions: { } nodes })
            for (var i = 0; i < nodes.Count; i++)
                if (nodes[i] is not { } path || !Known(path)) yield return new FieldError($"area.jurisdictions[{i}]", "area.jurisdiction.unknown", $"There is no jurisdiction {nodes[i]}.");
                else if (deskKnown && !AccessRules.Covers(deskPath!, path))
                    yield return new FieldError($"area.jurisdictions[{i}]", "area.outside-desk", "This jurisdiction lies outside the desk's: the desk must cover the whole area.");
        if (c.Area is { Polygon: { Count: >= 3 } ring, Jurisdictions: null } && deskKnown)
            for (var i = 0; i < ring.Count; i++)
                if (ring[i] is { } p && p.Lat is >= -90 and <= 90 && p.Lon is >= -180 and <= 180
                    && (tree.PlaceOf(p) is not { } at || !AccessRules.Covers(deskPath!, at.Path)))
                    yield return new FieldError($"area.polygon[{i}]", "area.outside-desk", "This point lies outside the desk's jurisdiction: the desk must cover the whole area.");
        if (c.Routing?.Rules is { } rules)
            for (var i = 0; i < rules.Count; i++)
            {
                if (rules[i] is not { } rule) continue;
                if (rule.Category is { Length: > 0 } category && category != "*" && !city.CategoryCodes.Contains(category))
                    yield return new FieldError($"routing.rules[{i}].category", "routing.category.unknown", $"There is no category {category}.");
                if (rule.Department is { } department && !city.DepartmentCodes.Contains(department))
                    yield return new FieldError($"routing.rules[{i}].department", "routing.department.unknown", $"There is no department {department}.");
            }
    }

    /// <summary>A path the tree knows: its last code names a node with exactly this path.</summary>
    bool Known(string path) => path.Length > 0 && tree.Find(path[(path.LastIndexOf('/') + 1)..])?.Path == path;

    string Window(DateTimeOffset from, DateTimeOffset until) =>
        string.Create(CultureInfo.InvariantCulture, $"{city.ToLocal(from):yyyy-MM-dd HH:mm}–{city.ToLocal(until):yyyy-MM-dd HH:mm}");

    string StandBy(OperationDeclared d, Preposition p) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{d.Name}: stand by at {p.Label ?? "the staging point"} ({p.At.Lat:F5}, {p.At.Lon:F5}), {Window(d.From, d.Until)}. / 请于 {Window(d.From, d.Until)} 在{p.Label ?? "集结点"}待命。");
}

/// <summary>What became of a declaration or an ending, as the API and the page report it.</summary>
public abstract record OperationOutcome
{
    public sealed record Done(Guid Id, long Version) : OperationOutcome;
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : OperationOutcome;
    public sealed record NotFound(Guid Id) : OperationOutcome;
    public sealed record Forbidden(Denial Denial) : OperationOutcome;
    public sealed record Refused(Refusal Refusal) : OperationOutcome;
}
