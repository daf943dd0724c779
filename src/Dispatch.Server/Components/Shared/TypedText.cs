using System.Globalization;
using Dispatch.Domain.Intake;

namespace Dispatch.Server.Components.Shared;

/// <summary>Reading what a person typed into a form field, shared by the intake form and the drawer's actions.</summary>
public static class TypedText
{
    /// <summary>A decimal number (invariant culture), null when blank; anything else is a field error.</summary>
    public static double? Number(string field, string? text, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
            return value;
        errors.Add(new FieldError(field, $"{field}.number", $"The {field} must be a decimal number."));
        return null;
    }

    /// <summary>The trimmed text, or null when there is none.</summary>
    public static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
