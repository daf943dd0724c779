using System.Globalization;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.City;

using static Dispatch.Server.Components.Shared.TypedText;

namespace Dispatch.Server.Components.Hotline;

/// <summary>
/// What the call-taker has typed so far, kept exactly as typed (so a refused submit loses nothing), and its
/// translation into the <see cref="IntakeForm"/> the command path validates.
/// </summary>
public sealed class IntakeDraft
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
    /// The form to submit, and errors for what cannot even be read (coordinate text that is neither one number nor a pair).
    /// </summary>
    public (IntakeForm Form, IReadOnlyList<FieldError> Unreadable) ToForm(CityCatalog city, CultureInfo culture)
    {
        var errors = new List<FieldError>();
        var (lat, lon) = Coordinates(errors);
        var category = Category is { } picked && (CategoryText is null || picked.Name(culture) == CategoryText.Trim())
            ? picked.Code
            : CategoryLookup.Resolve(city, CategoryText)?.Code ?? Blank(CategoryText);
        var form = new IntakeForm(Channel, Blank(CallerName), Blank(CallerPhone), lat, lon,
            // The address goes as typed: people read it back to the caller.
            string.IsNullOrWhiteSpace(Address) ? null : Address,
            category, Blank(Description), Urgency);
        return (form, errors);
    }

    // The field whose text is a pair the other field mirrors, and what that other field held before the pair filled it.
    CoordinateField? _pairIn;
    string? _before;

    /// <summary>
    /// A keystroke (or a paste) in a coordinate field. The text stays exactly as typed while the call-taker is in the field:
    /// rewriting a focused field under the fingers is what turned a typed "31.2331, 121.4768" into latitude 31.233121.4768
    /// and longitude 1 (issue 19) — at "31.2331, 1" the pair was split, the field rewritten to 31.2331, and the keys that
    /// followed were appended to that. Once the text reads as a pair, the other field shows its other half at once (and
    /// gets back what it held if the text stops being a pair); <see cref="Leave"/> settles the pair into both fields.
    /// </summary>
    public void Type(CoordinateField field, string? text)
    {
        var other = Other(field);
        Set(field, text);
        if (CoordinateText.Read(text, field) is CoordinateReading.Pair pair)
        {
            if (_pairIn != field) (_pairIn, _before) = (field, Get(other));
            Set(other, CoordinateText.Format(other == CoordinateField.Lat ? pair.Lat : pair.Lon));
        }
        else if (_pairIn == field)
        {
            Set(other, _before);
            (_pairIn, _before) = (null, null);
        }
    }

    /// <summary>
    /// The call-taker left a coordinate field: a pair in it fills both fields, each with its own number; true if it did.
    /// </summary>
    public bool Leave(CoordinateField field)
    {
        if (CoordinateText.Read(Get(field), field) is not CoordinateReading.Pair pair) return false;
        Place(new GeoPoint(pair.Lat, pair.Lon));
        return true;
    }

    /// <summary>A point from the map or the gazetteer: both coordinates, as numbers.</summary>
    public void Place(GeoPoint at)
    {
        Lat = CoordinateText.Format(at.Lat);
        Lon = CoordinateText.Format(at.Lon);
        (_pairIn, _before) = (null, null);
    }

    /// <summary>The error for a coordinate field whose text cannot be read, to show as soon as the call-taker leaves it.</summary>
    public FieldError? Unreadable(CoordinateField field) =>
        CoordinateText.Read(Get(field), field) is CoordinateReading.Unreadable ? NotACoordinate(field, Get(field)!) : null;

    (double? Lat, double? Lon) Coordinates(List<FieldError> errors)
    {
        var lat = CoordinateText.Read(Lat, CoordinateField.Lat);
        var lon = CoordinateText.Read(Lon, CoordinateField.Lon);
        // A pair in either field is both coordinates (the other field only mirrors it).
        if (lat is CoordinateReading.Pair p) return (p.Lat, p.Lon);
        if (lon is CoordinateReading.Pair q) return (q.Lat, q.Lon);
        if (lat is CoordinateReading.Unreadable) errors.Add(NotACoordinate(CoordinateField.Lat, Lat!));
        if (lon is CoordinateReading.Unreadable) errors.Add(NotACoordinate(CoordinateField.Lon, Lon!));
        return ((lat as CoordinateReading.Number)?.Value, (lon as CoordinateReading.Number)?.Value);
    }

    static FieldError NotACoordinate(CoordinateField field, string text)
    {
        var (name, word, example) = field == CoordinateField.Lat ? ("lat", "latitude", "31.2304") : ("lon", "longitude", "121.4737");
        var typed = text.Trim();
        return new FieldError(name, $"{name}.unreadable",
            $"{char.ToUpperInvariant(word[0])}{word[1..]}: '{typed}' is not a {word}. Type one number ({example}) or a pair (31.2304, 121.4737).",
            typed);
    }

    static CoordinateField Other(CoordinateField field) => field == CoordinateField.Lat ? CoordinateField.Lon : CoordinateField.Lat;
    string? Get(CoordinateField field) => field == CoordinateField.Lat ? Lat : Lon;

    void Set(CoordinateField field, string? text)
    {
        if (field == CoordinateField.Lat) Lat = text;
        else Lon = text;
    }
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
