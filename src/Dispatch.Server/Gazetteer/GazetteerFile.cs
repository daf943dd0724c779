using System.Text.Json;
using Dispatch.Domain;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Dispatch.Server.Jurisdictions;

namespace Dispatch.Server.Gazetteer;

/// <summary>
/// Reads the gazetteer file (docs/gazetteer.md) against the jurisdiction tree the server runs on. Every place must lie in
/// the town it names (the tree's own point lookup decides), and a road's numbered stretch too, end to end; a file with
/// any fault is refused as a whole, naming each place at fault, so a city never runs on half a gazetteer.
/// </summary>
public static class GazetteerFile
{
    public const int MaxName = 100;
    public const int MaxAliases = 10;

    sealed record FileShape(List<PlaceShape?>? Places);
    sealed record PlaceShape(string? Kind, string? Name, List<string?>? Aliases, string? Town, double? Lat, double? Lon, NumbersShape? Numbers);
    sealed record NumbersShape(int? First, int? Last, PointShape? From, PointShape? To);
    sealed record PointShape(double? Lat, double? Lon);

    static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { ReadCommentHandling = JsonCommentHandling.Skip };

    public static GazetteerIndex Load(string path, JurisdictionTree tree) =>
        Read(File.Exists(path) ? File.ReadAllText(path) : throw new GazetteerFileException([$"the gazetteer file {path} does not exist"]), tree);

    public static GazetteerIndex Read(string json, JurisdictionTree tree)
    {
        FileShape? file;
        try { file = JsonSerializer.Deserialize<FileShape>(json, Json); }
        catch (JsonException e) { throw new GazetteerFileException([$"the file is not a gazetteer: {e.Message}"]); }
        if (file?.Places is not { } shapes) throw new GazetteerFileException(["the file has no \"places\" array"]);

        var problems = new List<string>();
        var places = new List<GazetteerPlace>();
        for (var i = 0; i < shapes.Count; i++)
            if (ReadPlace(shapes[i], $"places[{i}]", tree, problems) is { } place) places.Add(place);
        foreach (var twice in places.GroupBy(p => (p.Town, p.Name, p.Numbers?.First)).Where(g => g.Count() > 1))
            problems.Add($"'{twice.Key.Name}' is in {twice.Key.Town} {twice.Count()} times");
        if (problems.Count > 0) throw new GazetteerFileException(problems);

        var towns = tree.OfKind(JurisdictionKind.Town).ToDictionary(t => t.Code,
            t => (t.Name, tree.Find(t.Parent!)!.Code, tree.Find(t.Parent!)!.Name), StringComparer.Ordinal);
        return new GazetteerIndex(places, towns);
    }

    static GazetteerPlace? ReadPlace(PlaceShape? shape, string at, JurisdictionTree tree, List<string> problems)
    {
        if (shape is null) { problems.Add($"{at} is not an object"); return null; }
        var name = shape.Name?.Trim() ?? "";
        var label = name.Length > 0 ? $"{at} '{name}'" : at;
        var count = problems.Count;
        void Problem(string text) => problems.Add($"{label}: {text}");

        if (!Enum.TryParse<PlaceKind>(shape.Kind, ignoreCase: true, out var kind) || !shape.Kind!.All(char.IsAsciiLetter))
            Problem($"kind '{shape.Kind}' is not one of road, community, landmark");
        if (name.Length is 0 or > MaxName) Problem($"a name of 1 to {MaxName} characters is needed");
        else if (FreeText.Problem(name) is { } bad) Problem($"the name: {bad}");
        var aliases = (shape.Aliases ?? []).Select(a => a?.Trim() ?? "").ToList();
        if (aliases.Count > MaxAliases) Problem($"at most {MaxAliases} aliases");
        if (aliases.Any(a => a.Length is 0 or > MaxName || FreeText.Problem(a) is not null))
            Problem($"every alias is 1 to {MaxName} characters of plain text");

        var town = tree.Find(shape.Town ?? "");
        if (town is null || town.Kind != JurisdictionKind.Town) Problem($"'{shape.Town}' is not the code of a town of the jurisdiction tree");
        var point = Point(shape.Lat, shape.Lon, "lat/lon", town, Problem);

        HouseNumbers? numbers = null;
        if (shape.Numbers is { } n)
        {
            if (kind != PlaceKind.Road) Problem("only a road has house numbers");
            if (n.First is not { } first || n.Last is not { } last || first < 0 || last < first || last > 99_999)
                Problem("numbers need first and last, 0 ≤ first ≤ last ≤ 99999");
            var from = Point(n.From?.Lat, n.From?.Lon, "numbers.from", town, Problem);
            var to = Point(n.To?.Lat, n.To?.Lon, "numbers.to", town, Problem);
            if (problems.Count == count)
            {
                numbers = new HouseNumbers(n.First!.Value, n.Last!.Value, from!, to!);
                // The town's boundary need not be convex: the stretch must stay inside along its length, not just at its ends.
                for (var k = 1; k < 10; k++)
                    if (Outside(numbers.At(numbers.First + (numbers.Last - numbers.First) * k / 10), town!, tree) is { } where)
                    {
                        Problem($"the numbered stretch leaves the town: number {numbers.First + (numbers.Last - numbers.First) * k / 10} lies {where}");
                        break;
                    }
            }
        }
        return problems.Count == count ? new GazetteerPlace(kind, name, aliases, town!.Code, point!, numbers) : null;

        GeoPoint? Point(double? lat, double? lon, string field, Jurisdiction? town, Action<string> problem)
        {
            if (lat is not { } y || lon is not { } x || !double.IsFinite(y) || !double.IsFinite(x) || Math.Abs(y) > 90 || Math.Abs(x) > 180)
            {
                problem($"{field} must be a WGS-84 latitude and longitude");
                return null;
            }
            var p = new GeoPoint(y, x);
            if (town is not null && Outside(p, town, tree) is { } where) problem($"{field} ({CoordinateText.Format(y)}, {CoordinateText.Format(x)}) lies {where}, not in its town {town.Code}");
            return p;
        }
    }

    /// <summary>Null when the tree places the point in the town; else where it does place it.</summary>
    static string? Outside(GeoPoint point, Jurisdiction town, JurisdictionTree tree) =>
        tree.Place(point.Lat, point.Lon).Town is { } placed
            ? placed.Code == town.Code ? null : $"in {placed.Code} {placed.Name}"
            : "outside the city";
}

/// <summary>A gazetteer file was refused as a whole; <see cref="Problems"/> names each place at fault.</summary>
public sealed class GazetteerFileException(IReadOnlyList<string> problems)
    : Exception($"The gazetteer file was refused and nothing was loaded. {problems.Count} problem(s):{Environment.NewLine}- " +
                string.Join(Environment.NewLine + "- ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
