using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Dispatch.Domain.Intake;

/// <summary>Which coordinate a form field holds.</summary>
public enum CoordinateField { Lat, Lon }

/// <summary>What a coordinate field's text says: nothing, one number, a pair (both coordinates), or nothing readable.</summary>
public abstract record CoordinateReading
{
    private CoordinateReading() { }

    public sealed record Blank : CoordinateReading;
    /// <summary>One number, for the field it was typed in (not range-checked: validation says "between -90 and 90").</summary>
    public sealed record Number(double Value) : CoordinateReading;
    /// <summary>Both coordinates, each within its range.</summary>
    public sealed record Pair(double Lat, double Lon) : CoordinateReading;
    public sealed record Unreadable : CoordinateReading;
}

/// <summary>
/// Reads what a call-taker types or pastes into a coordinate field (issue 19): one decimal number, or a pair as map tools
/// copy it — "31.2331, 121.4768", "31.2331 121.4768", "31.2331,121.4768", with a full-width comma, or with hemispheres
/// ("31.2331N 121.4768E", "N31.2331, E121.4768", "北纬31.2331 东经121.4768"). Without hemispheres a pair is latitude first;
/// with them, either order. Anything else — two numbers run together ("31.233121.4768"), three numbers, a pair out of range
/// — is unreadable, so the form refuses it at the field instead of guessing.
/// </summary>
public static partial class CoordinateText
{
    public static CoordinateReading Read(string? text, CoordinateField field)
    {
        if (string.IsNullOrWhiteSpace(text)) return new CoordinateReading.Blank();
        var s = Narrow(text).Trim();
        if (Token(s, out var one))
            return one.Axis is null || one.Axis == field ? new CoordinateReading.Number(one.Value) : new CoordinateReading.Unreadable();
        if (Two().Match(s) is not { Success: true } m || !Token(m.Groups[1].Value, out var a) || !Token(m.Groups[2].Value, out var b))
            return new CoordinateReading.Unreadable();
        // Hemispheres say which is which; without them (or with only one) latitude comes first, as map tools copy it.
        var (lat, lon) = (a.Axis, b.Axis) switch
        {
            (CoordinateField.Lon, CoordinateField.Lat or null) or (null, CoordinateField.Lat) => (b, a),
            _ => (a, b),
        };
        if (lat.Axis == CoordinateField.Lon || lon.Axis == CoordinateField.Lat) return new CoordinateReading.Unreadable();
        return lat.Value is >= -90 and <= 90 && lon.Value is >= -180 and <= 180
            ? new CoordinateReading.Pair(lat.Value, lon.Value)
            : new CoordinateReading.Unreadable();
    }

    /// <summary>A number as the form writes it back into a field: invariant, at most 6 decimals (about 0.1 m).</summary>
    public static string Format(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    readonly record struct Coordinate(double Value, CoordinateField? Axis);

    static bool Token(string text, out Coordinate coordinate)
    {
        coordinate = default;
        if (One().Match(text) is not { Success: true } m) return false;
        var prefix = m.Groups["pre"].Value;
        var suffix = m.Groups["suf"].Value;
        if (prefix.Length > 0 && suffix.Length > 0) return false;
        var hemisphere = prefix.Length > 0 ? prefix : suffix;
        if (!double.TryParse(m.Groups["n"].Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
            return false;
        if (hemisphere.Length == 0)
        {
            coordinate = new(value, null);
            return true;
        }
        if (value < 0 || m.Groups["n"].Value.StartsWith('+')) return false; // "S-31" says south twice, or contradicts itself
        (CoordinateField axis, var sign) = hemisphere.ToUpperInvariant() switch
        {
            "N" or "北纬" => (CoordinateField.Lat, 1),
            "S" or "南纬" => (CoordinateField.Lat, -1),
            "E" or "东经" => (CoordinateField.Lon, 1),
            _ => (CoordinateField.Lon, -1), // W, 西经
        };
        coordinate = new(sign * value, axis);
        return true;
    }

    /// <summary>Full-width digits and punctuation from a Chinese input method as their ASCII forms; the ideographic space as a space.</summary>
    static string Narrow(string text)
    {
        var narrow = new StringBuilder(text.Length);
        foreach (var c in text)
            narrow.Append(c switch
            {
                >= '\uFF01' and <= '\uFF5E' => (char)(c - 0xFEE0),
                '\u3000' => ' ',
                '、' => ',',
                '。' => '.',
                _ => c,
            });
        return narrow.ToString();
    }

    const string Hemisphere = "北纬|南纬|东经|西经|[NSEWnsew]";
    const string Decimal = @"[-+]?\d{1,3}(?:\.\d*)?";
    // A hemisphere before the number, or after it (then followed by the end or a separator, so that in "31.2 E121.4"
    // the E belongs to the second number); a degree sign may follow the number.
    const string Coordinate1 = $@"(?:(?<pre>{Hemisphere})\s*(?<n>{Decimal})\s*°?|(?<n>{Decimal})\s*°?(?:\s*(?<suf>[NSEWnsew])(?=$|[\s,;]))?)";
    const string Coordinate2 = $@"(?:(?:{Hemisphere})\s*{Decimal}\s*°?|{Decimal}\s*°?(?:\s*[NSEWnsew](?=$|[\s,;]))?)";

    [GeneratedRegex($@"^\s*{Coordinate1}\s*$")]
    private static partial Regex One();

    // Two coordinates separated by a comma or semicolon (spaces around it or not), by spaces alone, or by nothing before 东经/北纬.
    [GeneratedRegex($@"^\s*({Coordinate2})(?:\s*[,;]\s*|\s+|(?=北纬|南纬|东经|西经))({Coordinate2})\s*$")]
    private static partial Regex Two();
}
