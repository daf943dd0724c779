using System.Globalization;
using System.Text.Json;
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

    /// <summary>The body of an assignment message (UnitService.Assignment, camel-cased); null when it is not one.</summary>
    public static FieldAssignment? FromMessage(JsonElement body)
    {
        if (body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("incidentId", out var id) || !id.TryGetGuid(out var incidentId)) return null;
        return new FieldAssignment(incidentId, Text(body, "number") ?? "", Text(body, "category") ?? "",
            body.TryGetProperty("urgency", out var u) && TryEnum<Urgency>(u, out var urgency) ? urgency : Urgency.Normal,
            Text(body, "description"), Text(body, "address"), Double(body, "lat"), Double(body, "lon"), Text(body, "mapUrl"),
            Text(body, "leadDepartment"));
    }

    /// <summary>The incident as it stands now (the message's map link is rebuilt the same way).</summary>
    public static FieldAssignment FromDetail(IncidentDetail detail) => new(detail.Id, detail.Number, detail.Category, detail.Urgency,
        detail.Description, detail.Address, detail.Location?.Lat, detail.Location?.Lon,
        detail.Location is { } p ? GeoUri(p.Lat, p.Lon) : null, detail.LeadDepartment, detail.State);

    /// <summary>A geo: link phones open in their map app, in the form the assignment message carries.</summary>
    public static string GeoUri(double lat, double lon) =>
        FormattableString.Invariant($"geo:{lat:F6},{lon:F6}?q={lat:F6},{lon:F6}");

    /// <summary>An enum as the message carries it: a number (the mailbox's web defaults) or, should that change, its name.</summary>
    public static bool TryEnum<T>(JsonElement value, out T result) where T : struct, Enum
    {
        result = default;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) && Enum.IsDefined(typeof(T), n))
        {
            result = (T)Enum.ToObject(typeof(T), n);
            return true;
        }
        return value.ValueKind == JsonValueKind.String && Enum.TryParse(value.GetString(), ignoreCase: true, out result) && Enum.IsDefined(result);
    }

    static string? Text(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    static double? Double(JsonElement body, string name) =>
        body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
