using System.Globalization;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Components.Field;

/// <summary>
/// What the crew needs to go, as the phone shows it: no caller details (they call through the centre). Comes from the
/// assignment message pushed at dispatch, or, when the page opens on a job whose message was acknowledged earlier,
/// from the incident as it stands now.
/// </summary>
public sealed record FieldAssignment(
    Guid IncidentId,
    string Number,
    string Category,
    Urgency Urgency,
    string? Description,
    string? Address,
    double? Lat,
    double? Lon,
    string? MapUrl,
    string? LeadDepartment,
    IncidentState? State = null)
{
    /// <summary>"31.230400, 121.473700": the coordinates as a crew reads them out.</summary>
    public string? Coordinates => Lat is { } lat && Lon is { } lon
        ? string.Create(CultureInfo.InvariantCulture, $"{lat:F6}, {lon:F6}")
        : null;

    /// <summary>What the assignment message says (<see cref="AssignmentMessage"/>).</summary>
    public static FieldAssignment FromMessage(AssignmentMessage m) =>
        new(m.IncidentId, m.Number, m.Category, m.Urgency, m.Description, m.Address, m.Lat, m.Lon, m.MapUrl, m.LeadDepartment);

    /// <summary>The incident as it stands now (the message's map link is rebuilt the same way).</summary>
    public static FieldAssignment FromDetail(IncidentDetail detail) => new(detail.Id, detail.Number, detail.Category, detail.Urgency,
        detail.Description, detail.Address, detail.Location?.Lat, detail.Location?.Lon,
        detail.Location is { } p ? GeoUri(p.Lat, p.Lon) : null, detail.LeadDepartment, detail.State);

    /// <summary>A geo: link phones open in their map app, in the form the assignment message carries.</summary>
    public static string GeoUri(double lat, double lon) =>
        FormattableString.Invariant($"geo:{lat:F6},{lon:F6}?q={lat:F6},{lon:F6}");
}
