namespace Dispatch.Server.City;

/// <summary>
/// The centre's own settings, from the <c>Dispatch:City</c> section: its name, time zone, the categories the
/// hotline files incidents under and the departments incidents are assigned to.
/// </summary>
public sealed class CityOptions
{
    public const string Section = "Dispatch:City";

    public string Name { get; set; } = "";
    /// <summary>IANA time-zone name; times are stored in UTC and shown in this zone.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";
    public List<NamedCode> Categories { get; set; } = [];
    public List<NamedCode> Departments { get; set; } = [];
}

/// <summary>A code with its Chinese and English names.</summary>
public sealed class NamedCode
{
    public string Code { get; set; } = "";
    public string Zh { get; set; } = "";
    public string En { get; set; } = "";

    public string Name(System.Globalization.CultureInfo culture) =>
        culture.TwoLetterISOLanguageName == "zh" && Zh.Length > 0 ? Zh : En.Length > 0 ? En : Code;
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
        try { TimeZone = TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone); }
        catch (TimeZoneNotFoundException) { problems.Add($"time zone '{options.TimeZone}' is not a known IANA zone"); TimeZone = TimeZoneInfo.Utc; }
        if (problems.Count > 0)
            throw new InvalidOperationException($"{CityOptions.Section} is invalid: {string.Join("; ", problems)}.");

        Name = options.Name;
        Categories = options.Categories;
        Departments = options.Departments;
        CategoryCodes = Categories.Select(c => c.Code).ToHashSet();
        DepartmentCodes = Departments.Select(c => c.Code).ToHashSet();
    }

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
}
