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
    /// Digits only, without +86/0086 and separators (spaces, hyphens, parentheses), or null when the text is
    /// not a phone number.
    /// </summary>
    public static string? Normalize(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var digits = new System.Text.StringBuilder(text.Length);
        foreach (var ch in text.Trim())
        {
            if (char.IsAsciiDigit(ch)) digits.Append(ch);
            else if (ch is ' ' or '-' or '(' or ')' or '+') continue;
            else return null;
        }
        var s = digits.ToString();
        if (s.StartsWith("0086")) s = s[4..];
        else if (s.StartsWith("86") && s.Length == 13) s = s[2..];
        return Mobile().IsMatch(s) || Landline().IsMatch(s) ? s : null;
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
