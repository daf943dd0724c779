using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dispatch.Domain.Incidents;

namespace Dispatch.Server.Gazetteer;

public enum PlaceKind { Road, Community, Landmark }

/// <summary>House numbers along a stretch of road: <see cref="First"/> at <see cref="From"/>, <see cref="Last"/> at <see cref="To"/>.</summary>
public sealed record HouseNumbers(int First, int Last, GeoPoint From, GeoPoint To)
{
    public bool Has(int number) => number >= First && number <= Last;

    /// <summary>Where a number lies, in proportion along the stretch (a road is straight enough between two points of a town).</summary>
    public GeoPoint At(int number)
    {
        var t = Last == First ? 0.5 : (number - First) / (double)(Last - First);
        return new GeoPoint(Math.Round(From.Lat + t * (To.Lat - From.Lat), 6), Math.Round(From.Lon + t * (To.Lon - From.Lon), 6));
    }
}

/// <summary>One entry of the gazetteer file (docs/gazetteer.md), checked against the jurisdiction tree.</summary>
public sealed record GazetteerPlace(PlaceKind Kind, string Name, IReadOnlyList<string> Aliases, string Town, GeoPoint At, HouseNumbers? Numbers);

/// <summary>
/// A place a typed address may mean: the text the address field gets (<see cref="Address"/>), the point, and where it lies.
/// <see cref="Number"/> is the house number when the match is a road's.
/// </summary>
public sealed record GazetteerMatch(string Name, PlaceKind Kind, int? Number, string Address, string Town, string TownName,
    string DistrictName, GeoPoint At)
{
    /// <summary>How the list shows it: "人民路 128号".</summary>
    public string Label => Number is { } n ? $"{Name} {n}号" : Name;
}

/// <summary>
/// The city's gazetteer, immutable and shared: finds the places a typed address may mean (docs/gazetteer.md, "Matching").
/// Text is compared without case, spaces or punctuation and with full-width characters as ASCII, so "Renmin Lu",
/// "renminlu" and "ＲＥＮＭＩＮ ＬＵ" are the same. A leading district or town name narrows the search to it.
/// "&lt;road&gt; &lt;number&gt;号" finds the stretch of the road whose numbers hold the number and places it along it.
/// </summary>
public sealed partial class GazetteerIndex
{
    public const int MaxQuery = 100;
    public const int DefaultLimit = 8;
    public const int MaxLimit = 20;

    /// <summary>A city without a gazetteer file: every search finds nothing.</summary>
    public static GazetteerIndex Empty { get; } = new([], new Dictionary<string, (string, string, string)>());

    readonly IReadOnlyList<Entry> _entries;
    // Town code → (town name, district code, district name); and the names a query may begin with.
    readonly IReadOnlyDictionary<string, (string Town, string District, string DistrictName)> _towns;
    readonly IReadOnlyList<(string Key, string? District, string? Town)> _areas;

    sealed record Entry(GazetteerPlace Place, string[] Keys, string District);

    internal GazetteerIndex(IReadOnlyList<GazetteerPlace> places, IReadOnlyDictionary<string, (string Town, string District, string DistrictName)> towns)
    {
        Places = places;
        _towns = towns;
        _entries = [.. places.Select(p => new Entry(p, [.. new[] { p.Name }.Concat(p.Aliases).Select(Key).Where(k => k.Length > 0).Distinct()], towns[p.Town].District))];
        // Longest first: of two names one of which begins the other, the longer is taken whole.
        _areas = [.. towns.Select(t => (Key(t.Value.Town), (string?)null, (string?)t.Key))
            .Concat(towns.Values.DistinctBy(t => t.District).Select(t => (Key(t.DistrictName), (string?)t.District, (string?)null)))
            .Where(a => a.Item1.Length > 0)
            .OrderByDescending(a => a.Item1.Length)];
    }

    public IReadOnlyList<GazetteerPlace> Places { get; }

    /// <summary>
    /// The places <paramref name="text"/> may mean, best first: exact name or alias, then names it begins, then names it
    /// is part of; a road with a house number in its range before the same road without one; then shorter names first.
    /// </summary>
    public IReadOnlyList<GazetteerMatch> Search(string? text, int limit = DefaultLimit)
    {
        if (string.IsNullOrWhiteSpace(text) || _entries.Count == 0 || limit <= 0) return [];
        var query = Key(text.Length > MaxQuery ? text[..MaxQuery] : text);
        // "东湖区人民路128号": the district (or town) narrows the search, the rest is looked up.
        string? district = null, town = null;
        foreach (var area in _areas)
            if (query.Length > area.Key.Length && query.StartsWith(area.Key, StringComparison.Ordinal))
            {
                (district, town, query) = (area.District, area.Town, query[area.Key.Length..]);
                break;
            }
        if (query.Length == 0) return [];
        var numbered = HouseNumber().Match(query) is { Success: true } m && int.TryParse(m.Groups["n"].Value, CultureInfo.InvariantCulture, out var n)
            ? (Road: m.Groups["road"].Value, Number: n)
            : ((string Road, int Number)?)null;

        var found = new List<(GazetteerMatch Match, int Rank, int Length)>();
        foreach (var entry in _entries)
        {
            var place = entry.Place;
            if (town is not null && place.Town != town || district is not null && entry.District != district) continue;
            if (numbered is { } wanted && place.Numbers is { } numbers && Rank(entry.Keys, wanted.Road) is var roadRank and < NoMatch)
            {
                // A stretch whose numbers hold it: placed along the stretch, ranked above the bare name.
                if (numbers.Has(wanted.Number)) found.Add((Match(place, wanted.Number, numbers.At(wanted.Number)), roadRank * 2, place.Name.Length));
                else found.Add((Match(place, null, place.At), roadRank * 2 + 7, place.Name.Length));
                continue;
            }
            if (Rank(entry.Keys, query) is var rank and < NoMatch) found.Add((Match(place, null, place.At), rank * 2 + 1, place.Name.Length));
        }
        return [.. found.OrderBy(f => f.Rank).ThenBy(f => f.Length).ThenBy(f => f.Match.Name, StringComparer.Ordinal)
            .ThenBy(f => f.Match.Town, StringComparer.Ordinal).Take(Math.Min(limit, MaxLimit)).Select(f => f.Match)];
    }

    GazetteerMatch Match(GazetteerPlace place, int? number, GeoPoint at)
    {
        var (townName, _, districtName) = _towns[place.Town];
        return new GazetteerMatch(place.Name, place.Kind, number, $"{districtName}{place.Name}{(number is { } n ? $"{n}号" : "")}",
            place.Town, townName, districtName, at);
    }

    const int NoMatch = int.MaxValue;

    // 0 exact, 1 prefix, 2 contains, over the name and aliases.
    static int Rank(string[] keys, string query)
    {
        if (query.Length == 0) return NoMatch;
        var best = NoMatch;
        foreach (var key in keys)
        {
            if (key == query) return 0;
            if (key.StartsWith(query, StringComparison.Ordinal)) best = Math.Min(best, 1);
            else if (key.Contains(query, StringComparison.Ordinal)) best = Math.Min(best, 2);
        }
        return best;
    }

    /// <summary>A name or query as compared: lower case, full-width as ASCII, without spaces and punctuation.</summary>
    internal static string Key(string text)
    {
        var key = new StringBuilder(text.Length);
        foreach (var raw in text)
        {
            var c = raw is >= '\uFF01' and <= '\uFF5E' ? (char)(raw - 0xFEE0) : raw;
            if (char.IsLetterOrDigit(c)) key.Append(char.ToLowerInvariant(c));
        }
        return key.ToString();
    }

    // "人民路128号", "renminlu128", "人民路128": a road and a house number (号 optional).
    [GeneratedRegex(@"^(?<road>.*?\D)(?<n>\d{1,5})(?:号|號|hao)?$")]
    private static partial Regex HouseNumber();
}
