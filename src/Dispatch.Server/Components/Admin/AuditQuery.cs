using System.Globalization;
using Dispatch.Domain.Intake;
using Dispatch.Server.Audit;
using Dispatch.Server.City;

using static Dispatch.Server.Components.Shared.TypedText;

namespace Dispatch.Server.Components.Admin;

/// <summary>
/// The audit page's filter as typed: times are the city's wall-clock time (what the table shows), turned into
/// instants here with the city's time zone, whatever zone the server or the browser is in.
/// </summary>
public sealed class AuditQuery
{
    public const int DefaultLimit = 200;

    /// <summary>How a time may be typed: what a datetime-local input sends, or by hand with a space; seconds optional.</summary>
    static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd",
    ];

    public string? User { get; set; }
    public string? Incident { get; set; }
    public string? From { get; set; }
    public string? To { get; set; }
    public string? Limit { get; set; } = DefaultLimit.ToString(CultureInfo.InvariantCulture);

    /// <summary>The filter to read with, or the fields that cannot be read (codes: time, range, limit).</summary>
    public (AuditFilter? Filter, IReadOnlyList<FieldError> Errors) ToFilter(CityCatalog city)
    {
        var errors = new List<FieldError>();
        var from = Time("from", From, city, errors);
        var to = Time("to", To, city, errors);
        if (from is { } f && to is { } t && t <= f)
            errors.Add(new FieldError("to", "range", "'To' must come after 'From'."));
        var limit = DefaultLimit;
        if (Blank(Limit) is { } typed &&
            (!int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > AuditLog.MaxLimit))
            errors.Add(new FieldError("limit", "limit", $"A number from 1 to {AuditLog.MaxLimit}."));
        return errors.Count > 0
            ? (null, errors)
            : (new AuditFilter(Blank(User), Blank(Incident), from, to, limit), errors);
    }

    /// <summary>A wall-clock time in the city's zone as an instant; null when blank.</summary>
    public static DateTimeOffset? Time(string field, string? text, CityCatalog city, List<FieldError> errors)
    {
        if (Blank(text) is not { } typed) return null;
        if (!DateTime.TryParseExact(typed, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local) ||
            city.TimeZone.IsInvalidTime(local))
        {
            errors.Add(new FieldError(field, "time", "Give a date and time, e.g. 2026-11-23 08:00."));
            return null;
        }
        return new DateTimeOffset(local, city.TimeZone.GetUtcOffset(local));
    }
}
