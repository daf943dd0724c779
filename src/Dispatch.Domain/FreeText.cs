using System.Globalization;

namespace Dispatch.Domain;

/// <summary>
/// The one rule for text a person or a client sends (notes, reasons, messages, call signs, captions, logins…): no
/// control characters other than tab and line breaks (PostgreSQL refuses NUL outright) and no bidi overrides, which
/// make a text read differently from what it is. Single-line fields may be stricter (intake's caller name, address).
/// </summary>
public static class FreeText
{
    public static bool IsForbidden(char c) =>
        char.IsControl(c) && c is not ('\t' or '\n' or '\r') || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069';

    static readonly System.Buffers.SearchValues<char> Forbidden =
        System.Buffers.SearchValues.Create([.. Enumerable.Range(0, 0x2070).Select(i => (char)i).Where(IsForbidden)]);

    /// <summary>Where the first forbidden character is, or -1.</summary>
    public static int IndexOfForbidden(ReadOnlySpan<char> text) => text.IndexOfAny(Forbidden);

    /// <summary>Why <paramref name="text"/> may not be kept, or null when it may.</summary>
    public static string? Problem(string? text) =>
        text is not null && IndexOfForbidden(text) is var bad and >= 0
            ? string.Create(CultureInfo.InvariantCulture, $"The text contains a control character (U+{(int)text[bad]:X4}); remove it.")
            : null;
}
