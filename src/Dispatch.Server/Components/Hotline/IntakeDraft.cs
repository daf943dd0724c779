using System.Globalization;
using System.Text.RegularExpressions;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.City;

using static Dispatch.Server.Components.Shared.TypedText;

namespace Dispatch.Server.Components.Hotline;

/// <summary>
/// What the call-taker has typed so far, kept exactly as typed (so a refused submit loses nothing), and its
/// translation into the <see cref="IntakeForm"/> the command path validates.
/// </summary>
public sealed partial class IntakeDraft
{
    public Channel Channel { get; set; } = Channel.Hotline;
    public string? CallerPhone { get; set; }
    public string? CallerName { get; set; }
    /// <summary>The category picked from the list, if one was.</summary>
    public NamedCode? Category { get; set; }
    /// <summary>What the category box shows: may be typed without picking from the list.</summary>
    public string? CategoryText { get; set; }
    public int Urgency { get; set; } = (int)Dispatch.Domain.Incidents.Urgency.Normal;
    public string? Address { get; set; }
    public string? Lat { get; set; }
    public string? Lon { get; set; }
    public string? Description { get; set; }

    /// <summary>
    /// The form to submit, and errors for what cannot even be read (coordinates that are not numbers).
    /// </summary>
    public (IntakeForm Form, IReadOnlyList<FieldError> Unreadable) ToForm(CityCatalog city, CultureInfo culture)
    {
        var errors = new List<FieldError>();
        var lat = Number("lat", Lat, errors);
        var lon = Number("lon", Lon, errors);
        var category = Category is { } picked && (CategoryText is null || picked.Name(culture) == CategoryText.Trim())
            ? picked.Code
            : CategoryLookup.Resolve(city, CategoryText)?.Code ?? Blank(CategoryText);
        var form = new IntakeForm(Channel, Blank(CallerName), Blank(CallerPhone), lat, lon,
            // The address goes as typed: people read it back to the caller.
            string.IsNullOrWhiteSpace(Address) ? null : Address,
            category, Blank(Description), Urgency);
        return (form, errors);
    }

    /// <summary>
    /// A pasted pair ("31.2304, 121.4737", as map tools copy it) fills both coordinates; anything else is kept
    /// as typed.
    /// </summary>
    public void SetLat(string? text)
    {
        if (text is not null && Pair().Match(text) is { Success: true } m)
        {
            Lat = m.Groups[1].Value;
            Lon = m.Groups[2].Value;
        }
        else Lat = text;
    }

    [GeneratedRegex(@"^\s*(-?\d+(?:\.\d+)?)\s*[,，\s]\s*(-?\d+(?:\.\d+)?)\s*$")]
    private static partial Regex Pair();
}

/// <summary>Finds categories by code, Chinese name or English name, as call-takers type them.</summary>
public static class CategoryLookup
{
    public static IEnumerable<NamedCode> Search(CityCatalog city, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return city.Categories;
        var q = text.Trim();
        return city.Categories
            .Select(c => (Category: c, Rank: Rank(c, q)))
            .Where(x => x.Rank < int.MaxValue)
            .OrderBy(x => x.Rank)
            .Select(x => x.Category)
            .ToList();
    }

    /// <summary>
    /// The category the text names exactly, or the only one it matches best (the only one starting with it, say "道" for
    /// 道路破损 though 占道经营 contains it too: the first line of the list, so one character can be the whole pick); else null.
    /// </summary>
    public static NamedCode? Resolve(CityCatalog city, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var q = text.Trim();
        var exact = city.Categories.FirstOrDefault(c => Rank(c, q) == 0);
        if (exact is not null) return exact;
        var ranked = city.Categories.Select(c => (Category: c, Rank: Rank(c, q))).Where(x => x.Rank < int.MaxValue).ToList();
        if (ranked.Count == 0) return null;
        var best = ranked.Min(x => x.Rank);
        var top = ranked.Where(x => x.Rank == best).Take(2).ToList();
        return top.Count == 1 ? top[0].Category : null;
    }

    // 0 exact, 1 prefix, 2 contains; int.MaxValue no match. Over code, Chinese and English names.
    static int Rank(NamedCode c, string q)
    {
        var best = int.MaxValue;
        foreach (var name in new[] { c.Code, c.Zh, c.En })
        {
            if (string.IsNullOrEmpty(name)) continue;
            if (name.Equals(q, StringComparison.OrdinalIgnoreCase)) return 0;
            if (name.StartsWith(q, StringComparison.OrdinalIgnoreCase)) best = Math.Min(best, 1);
            else if (name.Contains(q, StringComparison.OrdinalIgnoreCase)) best = Math.Min(best, 2);
        }
        return best;
    }
}
