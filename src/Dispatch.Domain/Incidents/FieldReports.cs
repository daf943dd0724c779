using Dispatch.Domain.Access;
using Dispatch.Domain.Intake;

namespace Dispatch.Domain.Incidents;

// Reports that need no call (无呼也应). A grid worker is not a role of its own: it is a field unit on the roster with its
// own sign-in (Role.FieldUnit for its department at its home); the units whose capabilities include "patrol" are the grid
// workers, but any field unit may report what it finds. The report is an incident like any other (channel grid), credited
// to the unit that found it.

/// <summary>
/// Who found the matter in the field: the unit and its sign-in, the report's own id (made on the phone: its idempotency
/// key), when the worker tapped (<paramref name="OccurredAt"/>, kept beside the time it arrived, which is the event's
/// own), and whether they fixed it there and then (自行处置).
/// </summary>
public sealed record Finder(Guid ReportId, Guid UnitId, string CallSign, string Department, string Login, DateTimeOffset OccurredAt,
    bool FixedOnSpot = false);

/// <summary>
/// A report taken at a desk whose jurisdiction does not cover where it lies (无差别受理): the desk that took it and the
/// place it was routed to. The desk acts on it no further than its own scope allows.
/// </summary>
public sealed record IncidentForwarded(Guid IncidentId, string ReceivedAt, string Place, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>What a phone sends, as the rules read it (the contract's <c>FieldReport</c>).</summary>
public sealed record FieldReportForm(
    Guid Id, DateTimeOffset OccurredAt, string? Category, string? Description, double Latitude, double Longitude,
    double? Accuracy = null, bool FixedOnSpot = false, string? Fix = null);

public static class FieldReportValidation
{
    /// <summary>A phone's clock may run this far ahead of ours.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>A report kept offline longer than this is not believed: the worker reports it again.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

    public const int MaxFix = 2000;

    /// <summary>Every field at fault, each named as the JSON sends it; an empty list when the report may be filed.</summary>
    public static IReadOnlyList<FieldError> Validate(FieldReportForm f, IReadOnlySet<string> knownCategories, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        void Add(string field, string code, string message) => errors.Add(new(field, code, message));

        if (f.Id == Guid.Empty) Add("id", "id.required", "Give the report an id (made on the phone when the worker taps report).");

        if (f.OccurredAt > now + ClockSkew)
            Add("occurredAt", "occurredAt.future", "The report says it was made in the future; check the phone's clock.");
        else if (f.OccurredAt < now - MaxAge)
            Add("occurredAt", "occurredAt.too-old", $"The report was made more than {MaxAge.TotalDays:0} days ago (or has no time); report it again.");

        if (string.IsNullOrWhiteSpace(f.Category))
            Add("category", "category.required", "Choose a category.");
        else if (!knownCategories.Contains(f.Category))
            Add("category", "category.unknown", $"Unknown category '{(f.Category.Length <= 40 ? f.Category : f.Category[..40] + "…")}'.");

        // Its own code when missing: the hotline's asks for "what the caller reports", and nobody called.
        Text("description", f.Description, IntakeValidation.MaxDescription, "report.description.required", "Say in a few words what you found.");

        if (double.IsNaN(f.Latitude) || f.Latitude is < -90 or > 90) Add("latitude", "latitude.range", "Latitude must be between -90 and 90.");
        if (double.IsNaN(f.Longitude) || f.Longitude is < -180 or > 180) Add("longitude", "longitude.range", "Longitude must be between -180 and 180.");
        if (f.Accuracy is { } accuracy && (double.IsNaN(accuracy) || accuracy is < 0 or > 100_000))
            Add("accuracy", "accuracy.range", "Accuracy is a distance in metres, from 0 to 100000.");

        if (f.FixedOnSpot)
            Text("fix", f.Fix, MaxFix, "fix.required", "Say what you did to fix it on the spot.");
        else if (!string.IsNullOrWhiteSpace(f.Fix))
            Add("fix", "fix.not-fixed", "A fix goes with fixedOnSpot: set it, or leave the fix out.");

        return errors;

        void Text(string field, string? value, int max, string missingCode, string missing)
        {
            if (string.IsNullOrWhiteSpace(value)) Add(field, missingCode, missing);
            else if (value.Trim().Length > max)
                Add(field, $"{field}.too-long", $"The {field} is at most {max} characters; this one has {value.Trim().Length}.");
            else if (FreeText.IndexOfForbidden(value) >= 0)
                Add(field, $"{field}.control", $"The {field} contains control characters.");
        }
    }
}

/// <summary>The rules for a report from the field, pure like the rest of <see cref="IncidentDecider"/>.</summary>
public static class FieldReportRules
{
    /// <summary>
    /// A report found in the field: intake's events (reported with its <see cref="Finder"/>, placed, routed). Fixed on the
    /// spot (自行处置), the whole loop follows at once in the finder's name, so the record reads as any other: accepted,
    /// assigned to and acknowledged by the finder's department, resolved with the fix, and closed — no callback is due,
    /// since nobody called. No deadlines are set: there was nothing to wait for.
    /// </summary>
    public static IReadOnlyList<object> Intake(ReportIncident c, string? fix, DateTimeOffset now)
    {
        if (c.Finder is not { } finder) throw new ArgumentException("A field report names who found it.", nameof(c));
        var events = IncidentDecider.Intake(c, now).ToList();
        if (!finder.FixedOnSpot) return events;
        events.AddRange(
        [
            new IncidentAccepted(c.IncidentId, c.By, now),
            new IncidentAssigned(c.IncidentId, finder.Department, c.By, now),
            new IncidentAcknowledged(c.IncidentId, finder.Department, c.By, now),
            new IncidentResolved(c.IncidentId, finder.Department, (fix ?? "").Trim(), c.By, now),
            new IncidentClosed(c.IncidentId, c.By, now),
        ]);
        return events;
    }

    /// <summary>
    /// The worker who found a matter may add photos of it (what they found, what they fixed) whichever department it went
    /// to, and after it closed too: it is their report. Everyone else attaches photos as department work.
    /// </summary>
    public static bool IsFindersPhoto(Incident incident, IncidentCommand command) =>
        command is AttachPhoto && incident.FoundBy is { } finder && command.By == finder;
}
