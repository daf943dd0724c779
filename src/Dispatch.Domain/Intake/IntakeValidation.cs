using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Intake;

/// <summary>
/// One thing wrong with one field. <see cref="Field"/> is the JSON name the API uses; <see cref="Typed"/>, when set, is
/// the text at fault, quoted by the localized message (its {0}).
/// </summary>
public sealed record FieldError(string Field, string Code, string Message, string? Typed = null);

/// <summary>What a hotline report must look like before it becomes an incident.</summary>
public sealed record IntakeForm(
    Channel? Channel,
    string? CallerName,
    string? CallerPhone,
    double? Lat,
    double? Lon,
    string? Address,
    string? Category,
    string? Description,
    int? Urgency);

public static class IntakeValidation
{
    public const int MaxDescription = 2000;
    public const int MaxAddress = 200;
    public const int MaxName = 50;

    public static IReadOnlyList<FieldError> Validate(IntakeForm f, IReadOnlySet<string> knownCategories)
    {
        var errors = new List<FieldError>();
        void Add(string field, string code, string message) => errors.Add(new(field, code, message));

        if (f.Channel is null || !Enum.IsDefined(f.Channel.Value))
            Add("channel", "channel.required", "Choose the channel: hotline, grid, web or sensor.");

        if (f.CallerName is { } name)
        {
            if (name.Length > MaxName) Add("callerName", "callerName.too-long", $"The caller's name is at most {MaxName} characters.");
            else if (name.Any(char.IsControl)) Add("callerName", "callerName.control", "The caller's name contains control characters.");
        }

        if (!string.IsNullOrWhiteSpace(f.CallerPhone) && PhoneNumber.Normalize(f.CallerPhone) is null)
            Add("callerPhone", "callerPhone.invalid",
                "Not a phone number: give an 11-digit mobile (13812345678) or a landline with area code (010-62345678).");

        if (f.Lat is null != f.Lon is null)
            Add(f.Lat is null ? "lat" : "lon", "location.half", "Give both latitude and longitude, or neither.");
        if (f.Lat is { } lat && (double.IsNaN(lat) || lat is < -90 or > 90))
            Add("lat", "lat.range", "Latitude must be between -90 and 90.");
        if (f.Lon is { } lon && (double.IsNaN(lon) || lon is < -180 or > 180))
            Add("lon", "lon.range", "Longitude must be between -180 and 180.");

        if (f.Address is { Length: > MaxAddress })
            Add("address", "address.too-long", $"The address is at most {MaxAddress} characters.");
        else if (!string.IsNullOrWhiteSpace(f.Address) && f.Address.Any(char.IsControl)) // one line, as typed
            Add("address", "address.control", "The address contains control characters.");
        if (string.IsNullOrWhiteSpace(f.Address) && (f.Lat is null || f.Lon is null))
            Add("address", "location.required", "Give an address or coordinates, so someone can be sent.");

        if (string.IsNullOrWhiteSpace(f.Category))
            Add("category", "category.required", "Choose a category.");
        else if (!knownCategories.Contains(f.Category))
            Add("category", "category.unknown", $"Unknown category '{Truncate(f.Category)}'.");

        if (string.IsNullOrWhiteSpace(f.Description))
            Add("description", "description.required", "Describe what the caller reports.");
        else if (f.Description.Trim().Length > MaxDescription)
            Add("description", "description.too-long",
                $"The description is at most {MaxDescription} characters; this one has {f.Description.Trim().Length}.");
        else if (FreeText.IndexOfForbidden(f.Description) >= 0)
            Add("description", "description.control", "The description contains control characters.");

        if (f.Urgency is null || !Enum.IsDefined(typeof(Urgency), f.Urgency.Value))
            Add("urgency", "urgency.range", "Urgency is 1 (low), 2 (normal), 3 (high) or 4 (critical).");

        return errors;
    }

    static string Truncate(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
