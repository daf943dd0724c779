using System.Text.RegularExpressions;

namespace Dispatch.Domain.Intake;

/// <summary>Chinese phone numbers as a hotline hears them: 11-digit mobiles and landlines with area code.</summary>
public static partial class PhoneNumber
{
    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mobile();

    // 0 + 2–3 digit area code (010, 021, 0755 …) + 7–8 digit subscriber number.
    [GeneratedRegex(@"^0\d{2,3}\d{7,8}$")]
    private static partial Regex Landline();

    /// <summary>
    /// Digits only, without the +86/0086 country code and separators (spaces, hyphens, parentheses), or null
    /// when the text is not a Chinese phone number. Full-width characters from a Chinese input method count as
    /// their ASCII forms. A "+" may only open the number, and only as +86: a foreign number is not ours to call.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var digits = new System.Text.StringBuilder(text.Length);
        var international = false;
        foreach (var raw in text.Trim())
        {
            var ch = raw is >= '\uFF01' and <= '\uFF5E' ? (char)(raw - 0xFEE0) : raw; // full-width → ASCII
            if (char.IsAsciiDigit(ch)) digits.Append(ch);
            else if (ch == '+' && digits.Length == 0 && !international) international = true;
            else if (ch is ' ' or '-' or '(' or ')' or '\u3000') continue;
            else return null;
        }
        var s = digits.ToString();
        if (international)
        {
            if (!s.StartsWith("86", StringComparison.Ordinal)) return null;
            s = s[2..];
        }
        else if (s.StartsWith("0086", StringComparison.Ordinal)) s = s[4..];
        else if (s.StartsWith("86", StringComparison.Ordinal) && s.Length == 13) s = s[2..];
        else return Mobile().IsMatch(s) || Landline().IsMatch(s) ? s : null;

        // After a country code a landline drops its trunk 0 (+86 10 6234 5678): put it back.
        if (Mobile().IsMatch(s)) return s;
        var landline = s.StartsWith('0') ? s : "0" + s;
        return Landline().IsMatch(landline) ? landline : null;
    }

    public static bool IsMobile(string normalized) => Mobile().IsMatch(normalized);

    /// <summary>Masks the middle of a number: 13812345678 → 138****5678, 01062345678 → 010****5678.</summary>
    public static string Mask(string? phone)
    {
        if (string.IsNullOrEmpty(phone)) return "";
        if (phone.Length <= 7) return new string('*', phone.Length);
        return phone[..3] + "****" + phone[^4..];
    }
}
