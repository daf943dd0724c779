using System.Security.Cryptography;
using System.Text;
using Dispatch.Contracts;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Units;
using JasperFx;
using Marten.Exceptions;

namespace Dispatch.Server.Incidents;

public sealed partial class IncidentService
{
    /// <summary>Field reports keep their idempotency keys beside the hotline's, under their own prefix.</summary>
    const string FieldKeyPrefix = "field-report:";

    /// <summary>
    /// A report a field unit (grid worker) found on patrol (无呼也应): an incident with channel grid, placed where the phone
    /// was, taken at the unit's home desk, credited to the unit, routed by the policy like any other report — through the
    /// same pipeline as intake. <see cref="FieldReport.Id"/> is its idempotency key: sent again (an offline queue, a lost
    /// answer) it answers the incident made the first time and writes nothing. Only a unit's own sign-in reports (403,
    /// audited, for anyone else); a bad field is named; a position outside the city is refused (nobody could be sent).
    /// </summary>
    public async Task<CommandOutcome> Report(FieldReport report, Actor actor, Via via, CancellationToken ct = default)
    {
        var key = FieldKeyPrefix + report.Id.ToString("N");
        // Bound to the worker too: another sign-in reusing the id is a different report, refused as such.
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", actor.Login,
            FormattableString.Invariant($"{report.Id}|{report.OccurredAt.UtcTicks}|{report.Latitude:R}|{report.Longitude:R}|{report.Accuracy:R}|{report.FixedOnSpot}"),
            report.Category, report.Description, report.Fix))));
        try
        {
            return await pipeline.Run(actor, via, "incident.report", async work =>
            {
                var unit = actor.Has(Role.FieldUnit) ? await work.Query.SignedInAs(actor.Login, work.Cancellation) : null;
                if (unit is null)
                    return Decided.Nothing<CommandOutcome>(new CommandOutcome.Forbidden(await work.Deny("incident.report", "",
                        $"{actor.Login} may not file a field report: only a field unit's own sign-in reports from the field.")));

                // Answered before the checks: a report accepted once is not refused when its copy arrives late.
                if (report.Id != Guid.Empty && await Replay(key, hash, work.Cancellation) is { } replayed) return Decided.Nothing(replayed);

                var form = new FieldReportForm(report.Id, report.OccurredAt, report.Category, report.Description, report.Latitude,
                    report.Longitude, report.Accuracy, report.FixedOnSpot, report.Fix);
                var errors = FieldReportValidation.Validate(form, city.CategoryCodes, work.Now);
                if (errors.Count > 0) return Decided.Nothing<CommandOutcome>(new CommandOutcome.Invalid(errors));

                // Placed by the tree where the phone was, in its grid cell; outside the city there is nobody to send.
                var location = new GeoPoint(report.Latitude, report.Longitude);
                if (jurisdictions.PlaceOf(location) is not { } place)
                    return Decided.Nothing<CommandOutcome>(new CommandOutcome.Invalid([new FieldError("latitude", "location.outside-city",
                        "The position lies outside the city's jurisdictions: report from where the problem is.")]));

                var id = Guid.CreateVersion7(work.Now);
                var number = await numbers.Next(IncidentNumber.LocalDay(work.Now, city.TimeZone), work.Cancellation);
                var description = report.Description!.Trim();
                var finder = new Finder(report.Id, unit.Id, unit.CallSign, unit.Department, actor.Login, report.OccurredAt, report.FixedOnSpot);
                var (route, operation) = await Operations.OperationService.Routing(work, inForce, policy, location, place, report.Category!, Urgency.Normal, description);
                var events = FieldReportRules.Intake(new ReportIncident(
                    id, number, Channel.Grid, new Caller(null, null), location, Address: null, report.Category!, description, Urgency.Normal,
                    actor.Login, place, ReceivedAt: unit.HomePath, route, finder, operation)
                    { AcceptWithin = supervision.AcceptWithin },
                    report.Fix, work.Now);

                return Decided.With<CommandOutcome>(
                [
                    new IncidentStarted(id, events),
                    new AuditLine("incident.report", place.Path, report.FixedOnSpot ? $"{unit.CallSign}: fixed on the spot" : unit.CallSign, id, number),
                    new StoreDocument(new IntakeKey { Id = key, IncidentId = id, Number = number, RequestHash = hash }, Insert: true),
                ], _ => new CommandOutcome.Done(id, number, events.Count, Created: true));
            }, ct);
        }
        catch (DocumentAlreadyExistsException)
        {
            // The same report raced itself (two connections of one phone) and the other copy won: answer as the retry it is.
            return await Replay(key, hash, ct) ?? throw new InvalidOperationException($"Field report {report.Id} exists but cannot be read.");
        }
    }
}
