using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using NetTopologySuite.Features;
using NetTopologySuite.Geometries;
using NetTopologySuite.Geometries.Prepared;
using NetTopologySuite.IO.Converters;
using NetTopologySuite.Operation.Overlay;
using NetTopologySuite.Operation.OverlayNG;
using NetTopologySuite.Operation.Valid;

namespace Dispatch.Server.Jurisdictions;

/// <summary>
/// Reads and writes the tree as a GeoJSON FeatureCollection (format in <c>docs/jurisdictions.md</c>). Reading
/// checks the whole file and either returns a complete tree or throws one <see cref="JurisdictionFileException"/>
/// listing every problem: a city never runs on half its boundaries.
/// </summary>
public static class JurisdictionFile
{
    /// <summary>
    /// The share of a node's area that may lie outside its parent, and the share of the smaller of two siblings
    /// that they may have in common. Boundaries drawn by different offices, or rounded to fewer decimals, never
    /// meet exactly; 0.1% forgives that and still catches a cell drawn in the wrong place.
    /// </summary>
    public const double Tolerance = 0.001;

    /// <summary>WGS-84 (SRID 4326) with floating precision: X is longitude, Y is latitude.</summary>
    public static GeometryFactory Geometries { get; } = new(new PrecisionModel(), 4326);

    static readonly JsonSerializerOptions GeoJson = new()
    {
        Converters = { new GeoJsonConverterFactory(Geometries) },
        // Names stay readable Chinese in the file rather than \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static JurisdictionTree Load(string path) => Read(File.ReadAllText(path));

    public static JurisdictionTree Read(string json)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new JurisdictionFileException([$"the file is not valid JSON: {e.Message}"]); }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "type") != "FeatureCollection" ||
                !root.TryGetProperty("features", out var features) || features.ValueKind != JsonValueKind.Array)
                throw new JurisdictionFileException(["the file is not a GeoJSON FeatureCollection with a \"features\" array"]);

            var problems = new Problems();
            var drafts = features.EnumerateArray().Select((f, i) => ReadFeature(f, i, problems)).ToList();
            CheckTree(drafts, problems);
            CheckAreas(drafts, problems);
            if (problems.Any) throw new JurisdictionFileException(problems.InFileOrder());
            return new JurisdictionTree(Build(drafts));
        }
    }

    /// <summary>One feature per line, so a change to one boundary is a one-line diff.</summary>
    public static string Write(FeatureCollection features)
    {
        var text = new StringBuilder("{\"type\":\"FeatureCollection\",\"features\":[\n");
        text.AppendJoin(",\n", features.Select(f => JsonSerializer.Serialize(f, GeoJson)));
        return text.Append("\n]}\n").ToString();
    }

    /// <summary>What is wrong with the file, reported in the order of its features; file-wide problems first.</summary>
    sealed class Problems
    {
        readonly List<(int At, string Text)> _found = [];
        public bool Any => _found.Count > 0;
        public void Add(string text) => _found.Add((-1, text));
        public void Add(int index, string text) => _found.Add((index, text));
        public void Add(Draft feature, string text) => _found.Add((feature.Index, $"{feature}: {text}"));
        public List<string> InFileOrder() => _found.OrderBy(p => p.At).Select(p => p.Text).ToList(); // stable
    }

    /// <summary>A feature as read, before it is known to be sound. <see cref="Kind"/> is null when unknown.</summary>
    sealed record Draft(int Index, string Code, string Name, string Parent, JurisdictionKind? Kind, Geometry? Boundary)
    {
        public bool Sound { get; set; } = true; // false once a problem makes its place in the tree unknowable
        public override string ToString() => Code.Length > 0 ? $"features[{Index}] '{Code}'" : $"features[{Index}]";
    }

    static Draft ReadFeature(JsonElement feature, int index, Problems problems)
    {
        if (feature.ValueKind != JsonValueKind.Object || Text(feature, "type") != "Feature")
        {
            problems.Add(index, $"features[{index}] is not a GeoJSON Feature");
            return new Draft(index, "", "", "", null, null) { Sound = false };
        }
        var properties = feature.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;
        var code = Text(properties, "code");
        var kindText = Text(properties, "kind");
        JurisdictionKind? kind = Enum.TryParse<JurisdictionKind>(kindText, ignoreCase: true, out var k) && kindText.All(char.IsAsciiLetter) ? k : null;
        var draft = new Draft(index, code, Text(properties, "name"), Text(properties, "parent"), kind, ReadBoundary(feature, out var unreadable));
        void Refuse(string problem) { problems.Add(draft, problem); draft.Sound = false; }

        if (code.Length == 0) Refuse("has no code");
        else if (code.Any(c => c == '/' || char.IsWhiteSpace(c))) Refuse("the code may not contain '/' or spaces, as it is a segment of the jurisdiction path");
        if (draft.Name.Length == 0) problems.Add(draft, "has no name");
        if (kind is null) Refuse(kindText.Length == 0 ? "has no kind" : $"kind '{kindText}' is not one of city, district, town, grid");

        var boundary = draft.Boundary;
        if (unreadable is not null) Refuse($"the geometry cannot be read: {unreadable}");
        else if (boundary is null || boundary.IsEmpty) Refuse("has no geometry; every jurisdiction needs a boundary polygon");
        else if (boundary is not (Polygon or MultiPolygon)) Refuse($"the geometry is a {boundary.GeometryType}; only Polygon and MultiPolygon can bound a jurisdiction");
        else if (boundary.Coordinates.FirstOrDefault(c => !double.IsFinite(c.X) || !double.IsFinite(c.Y) || Math.Abs(c.X) > 180 || Math.Abs(c.Y) > 90) is { } wild)
            Refuse($"the point [{Number(wild.X)}, {Number(wild.Y)}] is not a WGS-84 longitude and latitude (GeoJSON order is [longitude, latitude])");
        else if (new IsValidOp(boundary).ValidationError is { } invalid)
            Refuse($"the geometry is invalid: {invalid.Message} near [{Number(invalid.Coordinate.X)}, {Number(invalid.Coordinate.Y)}]");
        return draft;
    }

    static Geometry? ReadBoundary(JsonElement feature, out string? unreadable)
    {
        unreadable = null;
        if (!feature.TryGetProperty("geometry", out var geometry) || geometry.ValueKind == JsonValueKind.Null) return null;
        try { return geometry.Deserialize<Geometry>(GeoJson); }
        // Whatever the GeoJSON reader or NTS objects to (an open ring, too few points, a bad type), it is this
        // feature's geometry that cannot be read, and the file's other problems are still worth reporting.
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException or FormatException)
        {
            unreadable = e.Message;
            return null;
        }
    }

    /// <summary>Codes unique, exactly one city, and every other node under a parent one level up.</summary>
    static void CheckTree(List<Draft> drafts, Problems problems)
    {
        var byCode = new Dictionary<string, Draft>(StringComparer.Ordinal);
        foreach (var draft in drafts.Where(d => d.Code.Length > 0))
            if (!byCode.TryAdd(draft.Code, draft))
            {
                problems.Add(draft, $"the code '{draft.Code}' is already used by {byCode[draft.Code]}");
                draft.Sound = false;
            }

        var cities = drafts.Where(d => d.Kind == JurisdictionKind.City).ToList();
        if (cities.Count == 0) problems.Add("there is no city: exactly one feature must have the kind 'city'");
        if (cities.Count > 1) problems.Add($"there are {cities.Count} cities ({string.Join(", ", cities)}): exactly one feature must have the kind 'city'");

        foreach (var draft in drafts.Where(d => d.Kind is not null))
        {
            if (draft.Kind == JurisdictionKind.City)
            {
                if (draft.Parent.Length > 0) { problems.Add(draft, $"the city has no parent, but names '{draft.Parent}'"); draft.Sound = false; }
                continue;
            }
            var expected = draft.Kind - 1;
            if (draft.Parent.Length == 0)
                problems.Add(draft, $"has no parent; a {Word(draft.Kind)} belongs to a {Word(expected)}");
            else if (!byCode.TryGetValue(draft.Parent, out var parent))
                problems.Add(draft, $"the parent '{draft.Parent}' is not the code of any feature");
            else if (parent.Kind is { } kind && kind != expected)
                problems.Add(draft, $"a {Word(draft.Kind)}'s parent must be a {Word(expected)}, but '{parent.Code}' is a {Word(kind)}");
            else continue;
            draft.Sound = false;
        }
    }

    /// <summary>
    /// Each node inside its parent, siblings not overlapping; both up to <see cref="Tolerance"/>. Only sound
    /// features take part: a broken geometry or parent is reported already, and its areas mean nothing.
    /// </summary>
    static void CheckAreas(List<Draft> drafts, Problems problems)
    {
        var sound = drafts.Where(d => d.Sound).ToDictionary(d => d.Code, StringComparer.Ordinal);
        var prepared = new Dictionary<string, IPreparedGeometry>(StringComparer.Ordinal);
        IPreparedGeometry Prepared(Draft d) =>
            prepared.TryGetValue(d.Code, out var p) ? p : prepared[d.Code] = PreparedGeometryFactory.Prepare(d.Boundary!);

        foreach (var child in sound.Values.Where(d => d.Kind != JurisdictionKind.City))
        {
            if (!sound.TryGetValue(child.Parent, out var parent) || Prepared(parent).Covers(child.Boundary!)) continue;
            var outside = OverlayNGRobust.Overlay(child.Boundary!, parent.Boundary!, SpatialFunction.Difference).Area;
            if (outside > Tolerance * child.Boundary!.Area)
                problems.Add(child, $"{Percent(outside, child.Boundary.Area)} of its area lies outside its parent '{parent.Code}'");
        }

        foreach (var siblings in sound.Values.GroupBy(d => d.Parent, StringComparer.Ordinal))
        {
            var list = siblings.OrderBy(d => d.Index).ToList();
            for (var i = 0; i < list.Count; i++)
            for (var j = i + 1; j < list.Count; j++)
            {
                Draft a = list[i], b = list[j];
                if (!a.Boundary!.EnvelopeInternal.Intersects(b.Boundary!.EnvelopeInternal) || !Prepared(a).Intersects(b.Boundary)) continue;
                var common = OverlayNGRobust.Overlay(a.Boundary, b.Boundary, SpatialFunction.Intersection).Area;
                var smaller = Math.Min(a.Boundary.Area, b.Boundary.Area);
                if (common > Tolerance * smaller)
                    problems.Add(b, $"overlaps its sibling {a} by {Percent(common, smaller)} of the smaller one's area");
            }
        }
    }

    static List<Jurisdiction> Build(List<Draft> drafts)
    {
        var byCode = drafts.ToDictionary(d => d.Code, StringComparer.Ordinal);
        string PathOf(Draft d) => d.Parent.Length == 0 ? d.Code : PathOf(byCode[d.Parent]) + "/" + d.Code;
        return drafts.Select(d => new Jurisdiction(d.Kind!.Value, d.Code, d.Name, d.Parent.Length == 0 ? null : d.Parent, PathOf(d), d.Boundary!))
            .ToList();
    }

    /// <summary>A property as trimmed text: strings as they are, numbers (some cities' codes are) as written.</summary>
    static string Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!.Trim(),
                JsonValueKind.Number => value.GetRawText(),
                _ => "",
            }
            : "";

    static string Word(JurisdictionKind? kind) => kind?.ToString().ToLowerInvariant() ?? "?";

    static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    static string Percent(double part, double whole) => (part / whole).ToString("0.##%", CultureInfo.InvariantCulture);
}

/// <summary>A jurisdiction file was refused as a whole; <see cref="Problems"/> names each feature at fault.</summary>
public sealed class JurisdictionFileException(IReadOnlyList<string> problems)
    : Exception($"The jurisdiction file was refused and nothing was loaded. {problems.Count} problem(s):{Environment.NewLine}- " +
                string.Join(Environment.NewLine + "- ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
