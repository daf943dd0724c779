using System.Globalization;
using System.Text.Json;
using Dispatch.Domain;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;

namespace Dispatch.Server.Open311;

/// <summary>
/// A POST Service Request's fields, read from the specification's form encoding or from a JSON object with the same
/// names, and checked one by one: every error names its field (as the specification spells it).
/// </summary>
public sealed class ServiceRequestForm
{
    public const long MaxBody = 64 * 1024;
    const int MaxShort = 100, MaxEmail = 254, MaxMediaUrl = 500;

    readonly Dictionary<string, string> _fields;

    ServiceRequestForm(Dictionary<string, string> fields) => _fields = fields;

    /// <summary>A field's value; empty counts as not sent (the specification's "optional" rule).</summary>
    public string? this[string name] => _fields.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public IEnumerable<string> Names => _fields.Keys;

    /// <summary>Reads the body: form-encoded (the specification's) or JSON. Null and an error when it cannot be read.</summary>
    public static async Task<(ServiceRequestForm? Form, GeoReportError? Error)> Read(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBody) return (null, new("body", $"A request is at most {MaxBody / 1024} KB."));
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (request.HasFormContentType && request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
            {
                // Small limits for a small form: a long or endless body stops here, not in memory.
                request.HttpContext.Features.Set<Microsoft.AspNetCore.Http.Features.IFormFeature>(new Microsoft.AspNetCore.Http.Features.FormFeature(request,
                    new Microsoft.AspNetCore.Http.Features.FormOptions
                    {
                        ValueCountLimit = 100, KeyLengthLimit = 200, ValueLengthLimit = (int)MaxBody, BufferBodyLengthLimit = MaxBody,
                    }));
                var form = await request.ReadFormAsync(ct);
                foreach (var (name, values) in form)
                {
                    if (values.Count > 1) return (null, new(Shown(name), "Send this field once."));
                    fields[name] = values.ToString();
                }
            }
            else if (request.HasJsonContentType())
            {
                var buffer = new byte[MaxBody + 1];
                var length = 0;
                int read;
                while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
                if (length > MaxBody) return (null, new("body", $"A request is at most {MaxBody / 1024} KB."));
                using var json = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = 4 });
                if (json.RootElement.ValueKind != JsonValueKind.Object) return (null, new("body", "Send a JSON object of the request's fields."));
                foreach (var property in json.RootElement.EnumerateObject())
                {
                    if (property.Name == "attribute" && property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var attribute in property.Value.EnumerateObject()) fields[$"attribute[{attribute.Name}]"] = Scalar(attribute.Value) ?? "?";
                        continue;
                    }
                    if (Scalar(property.Value) is not { } value) return (null, new(Shown(property.Name), "Give a text or a number."));
                    fields[property.Name] = value;
                }
            }
            else
                return (null, new("body", "Send the request as application/x-www-form-urlencoded (or application/json)."));
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or IOException or BadHttpRequestException or InvalidOperationException
                                      or ArgumentException)
        {
            return (null, new("body", "The request's body could not be read."));
        }
        return (new ServiceRequestForm(fields), null);
    }

    static string? Scalar(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null => "",
        _ => null,
    };

    /// <summary>A field name as an error may show it: short, printable.</summary>
    public static string Shown(string name)
    {
        var printable = new string([.. name.Where(c => !char.IsControl(c) && !char.IsSurrogate(c)).Take(40)]);
        return printable.Length == 0 ? "field" : printable;
    }

    /// <summary>The validated request, as the intake form, with what Open311 keeps apart; or the errors.</summary>
    public (IntakeForm? Form, string? MediaUrl, IReadOnlyList<GeoReportError> Errors) Check(string serviceName)
    {
        var errors = new List<GeoReportError>();
        void Error(string field, string message) => errors.Add(new(field, message));

        // Every text field: no control characters (line breaks only in the description), no lone surrogates.
        foreach (var (field, value) in _fields)
        {
            var multiline = field == "description";
            if (FreeText.Problem(value) is { } bad) Error(Shown(field), bad);
            else if (!multiline && value.Any(c => c is '\n' or '\r' or '\t')) Error(Shown(field), "One line only.");
            else if (HasLoneSurrogate(value)) Error(Shown(field), "The text is not valid Unicode.");
        }
        if (errors.Count > 0) return (null, null, errors);

        foreach (var attribute in _fields.Keys.Where(n => n.StartsWith("attribute", StringComparison.Ordinal)))
            Error(Shown(attribute), "This service has no attributes (its definition lists none).");

        double? lat = Number("lat", -90, 90), lon = Number("long", -180, 180);
        if (this["lat"] is null != (this["long"] is null)) Error(this["lat"] is null ? "lat" : "long", "Send both lat and long, or neither.");
        var address = this["address_string"];
        if (address is { Length: > IntakeValidation.MaxAddress }) Error("address_string", $"At most {IntakeValidation.MaxAddress} characters.");
        if (this["address_id"] is not null) Error("address_id", "This city has no address register: send lat and long, or address_string.");
        else if (this["lat"] is null && address is null) Error("lat", "Give the location: lat and long, or address_string.");

        string? name = (this["first_name"], this["last_name"]) switch
        {
            (null, null) => null,
            ({ } f, null) => f,
            (null, { } l) => l,
            // Chinese names read family name first, without a space.
            ({ } f, { } l) when (f + l).All(c => c >= '\u3400') => l + f,
            ({ } f, { } l) => f + " " + l,
        };
        if (this["first_name"] is { Length: > IntakeValidation.MaxName }) Error("first_name", $"At most {IntakeValidation.MaxName} characters.");
        if (this["last_name"] is { Length: > IntakeValidation.MaxName }) Error("last_name", $"At most {IntakeValidation.MaxName} characters.");
        if (name is { Length: > IntakeValidation.MaxName }) name = name[..IntakeValidation.MaxName];

        var phone = this["phone"];
        if (phone is not null && PhoneNumber.Normalize(phone) is null)
            Error("phone", "Not a phone number: an 11-digit mobile (13812345678) or a landline with area code (010-62345678).");
        if (this["email"] is { } email && (email.Length > MaxEmail || email.IndexOf('@') is < 1 || email.EndsWith('@') || email.Contains(' ')))
            Error("email", "Not an e-mail address.");
        foreach (var field in new[] { "device_id", "account_id", "jurisdiction_id", "api_key" })
            if (this[field] is { Length: > MaxShort }) Error(field, $"At most {MaxShort} characters.");

        var description = this["description"]?.Trim();
        if (description is { Length: > IntakeValidation.MaxDescription })
            Error("description", $"At most {IntakeValidation.MaxDescription} characters; this one has {description.Length}.");

        var media = this["media_url"];
        if (media is not null && (media.Length > MaxMediaUrl || !Uri.TryCreate(media, UriKind.Absolute, out var uri)
                                  || uri.Scheme is not ("http" or "https") || media.Any(char.IsWhiteSpace)))
            Error("media_url", $"Give an http or https address of at most {MaxMediaUrl} characters.");

        if (errors.Count > 0) return (null, null, errors);
        // No description is allowed by the specification; the incident still says what it is about.
        var form = new IntakeForm(Channel.Web, name, phone, lat, lon, address, this["service_code"],
            string.IsNullOrEmpty(description) ? serviceName : description, (int)Urgency.Normal);
        return (form, media, errors);

        double? Number(string field, double min, double max)
        {
            if (this[field] is not { } text) return null;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min || value > max)
            {
                Error(field, $"A number between {min} and {max} (WGS84).");
                return null;
            }
            return value;
        }
    }

    static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) i++;
            else if (char.IsSurrogate(s[i])) return true;
        }
        return false;
    }

    /// <summary>The intake's field names as the specification spells them.</summary>
    public static string SpecName(string intakeField) => intakeField switch
    {
        "callerName" => "first_name",
        "callerPhone" => "phone",
        "lon" => "long",
        "address" => "address_string",
        "category" => "service_code",
        _ => intakeField,
    };
}
