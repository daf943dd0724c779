using Dispatch.Server.Jurisdictions;

namespace Dispatch.Server.City;

/// <summary>
/// The centre's own settings, from the <c>Dispatch:City</c> section: its name, time zone, the categories the
/// hotline files incidents under and the departments incidents are assigned to (docs/configuration.md).
/// </summary>
public sealed class CityOptions
{
    public const string Section = "Dispatch:City";

    public string Name { get; set; } = "";
    /// <summary>The city's name for Chinese readers (others read <see cref="Name"/>); empty: <see cref="Name"/> for everyone.</summary>
    public string NameZh { get; set; } = "";
    /// <summary>IANA time-zone name; times are stored in UTC and shown in this zone.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public List<NamedCode> Categories { get; set; } = [];
    public List<DepartmentOptions> Departments { get; set; } = [];
}

/// <summary>A code with its Chinese and English names.</summary>
public class NamedCode
{
    public string Code { get; set; } = "";
    public string Zh { get; set; } = "";
    public string En { get; set; } = "";

    public string Name(System.Globalization.CultureInfo culture) =>
        culture.TwoLetterISOLanguageName == "zh" && Zh.Length > 0 ? Zh : En.Length > 0 ? En : Code;
}

/// <summary>
/// A department and the levels of the tree it has offices at: <c>city</c>, <c>district</c>, <c>town</c>
/// (any case). Grid cells have no offices of their own; the town's offices work them.
/// </summary>
public sealed class DepartmentOptions : NamedCode
{
    public List<string> Levels { get; set; } = [];
}

/// <summary>The validated, ready-to-use form of <see cref="CityOptions"/>.</summary>
public sealed class CityCatalog
{
    public CityCatalog(CityOptions options)
    {
        var problems = new List<string>();
        if (options.Categories.Count == 0) problems.Add("no categories are configured");
        if (options.Departments.Count == 0) problems.Add("no departments are configured");
        foreach (var dup in options.Categories.GroupBy(c => c.Code).Where(g => g.Count() > 1))
            problems.Add($"category code '{dup.Key}' appears twice");
        foreach (var dup in options.Departments.GroupBy(c => c.Code).Where(g => g.Count() > 1))
            problems.Add($"department code '{dup.Key}' appears twice");
        foreach (var c in options.Categories.Concat(options.Departments).Where(c => string.IsNullOrWhiteSpace(c.Code)))
            problems.Add($"an entry named '{c.En}{c.Zh}' has no code");
        var levels = new Dictionary<string, HashSet<JurisdictionKind>>();
        foreach (var d in options.Departments)
            levels[d.Code ?? ""] = ReadLevels(d, problems);
        try { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone); }
        catch (TimeZoneNotFoundException) { problems.Add($"time zone '{options.TimeZone}' is not a known IANA zone"); TimeZone = TimeZoneInfo.Utc; }
        if (problems.Count > 0)
            throw new InvalidOperationException($"{CityOptions.Section} is invalid: {string.Join("; ", problems)}.");

        Name = options.Name;
        Categories = options.Categories;
        Departments = options.Departments;
        CategoryCodes = Categories.Select(c => c.Code).ToHashSet();
        DepartmentCodes = Departments.Select(c => c.Code).ToHashSet();
        _levels = levels;
    }

    /// <summary>The level names a department may list, and the kind of node each stands for.</summary>
    static readonly Dictionary<string, JurisdictionKind> LevelNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["city"] = JurisdictionKind.City, ["district"] = JurisdictionKind.District, ["town"] = JurisdictionKind.Town,
    };

    static HashSet<JurisdictionKind> ReadLevels(DepartmentOptions d, List<string> problems)
    {
        var levels = new HashSet<JurisdictionKind>();
        if (d.Levels.Count == 0)
            problems.Add($"department '{d.Code}' has no levels: give Levels, one or more of city, district, town");
        foreach (var name in d.Levels)
        {
            if (!LevelNames.TryGetValue(name?.Trim() ?? "", out var level))
                problems.Add($"department '{d.Code}' has unknown level '{name}' (use city, district or town)");
            else if (!levels.Add(level))
                problems.Add($"department '{d.Code}' lists level '{name}' twice");
        }
        return levels;
    }

    readonly Dictionary<string, HashSet<JurisdictionKind>> _levels;

    public string Name { get; }
    public TimeZoneInfo TimeZone { get; }
    public IReadOnlyList<NamedCode> Categories { get; }
    public IReadOnlyList<NamedCode> Departments { get; }
    public IReadOnlySet<string> CategoryCodes { get; }
    public IReadOnlySet<string> DepartmentCodes { get; }

    public DateTimeOffset ToLocal(DateTimeOffset utc) => TimeZoneInfo.ConvertTime(utc, TimeZone);

    public string CategoryName(string code, System.Globalization.CultureInfo culture) =>
        Categories.FirstOrDefault(c => c.Code == code)?.Name(culture) ?? code;

    public string DepartmentName(string? code, System.Globalization.CultureInfo culture) =>
        code is null ? "" : Departments.FirstOrDefault(c => c.Code == code)?.Name(culture) ?? code;

    /// <summary>The level whose offices serve a node of this kind: a grid cell is served by its town.</summary>
    public static JurisdictionKind LevelOf(JurisdictionKind kind) => kind == JurisdictionKind.Grid ? JurisdictionKind.Town : kind;

    /// <summary>The departments with offices at this level (a grid cell counts as its town), in configured order.</summary>
    public IReadOnlyList<NamedCode> DepartmentsAt(JurisdictionKind level) =>
        Departments.Where(d => IsDepartmentAt(d.Code, level)).ToList();

    public bool IsDepartmentAt(string code, JurisdictionKind level) =>
        _levels.TryGetValue(code, out var levels) && levels.Contains(LevelOf(level));
}
