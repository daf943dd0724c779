using System.Globalization;
using System.Text.RegularExpressions;

namespace Dispatch.Server.Duplicates;

/// <summary>
/// When a new report may be the same matter as an open incident: same category, within
/// <see cref="DistanceMeters"/> of it and reported at most <see cref="Window"/> before. From the
/// <c>Dispatch:Duplicates</c> section, checked at start-up (docs/configuration.md).
/// </summary>
public sealed partial class DuplicateRules
{
    public const string Section = "Dispatch:Duplicates";
    public const string DistanceKey = Section + ":DistanceMeters";
    public const string WindowKey = Section + ":Window";

    public static readonly DuplicateRules Default = new(300, TimeSpan.FromHours(24));

    public DuplicateRules(double distanceMeters, TimeSpan window)
    {
        var problems = new List<string>();
        CheckDistance(distanceMeters.ToString(CultureInfo.InvariantCulture), distanceMeters, problems);
        CheckWindow(window.ToString(), window, problems);
        Stop(problems);
        (DistanceMeters, Window) = (distanceMeters, window);
    }

    /// <summary>How far apart two reports of one matter may be, in metres.</summary>
    public double DistanceMeters { get; }

    /// <summary>How much earlier the open incident may have been reported.</summary>
    public TimeSpan Window { get; }

    /// <summary>Reads and checks the section; bad values stop the server with a message naming each key.</summary>
    public static DuplicateRules From(IConfiguration configuration)
    {
        var problems = new List<string>();
        double? distance = configuration[DistanceKey] is { } d
            ? double.TryParse(d, NumberStyles.Float, CultureInfo.InvariantCulture, out var meters) ? meters : null
            : Default.DistanceMeters;
        CheckDistance(configuration[DistanceKey] ?? "", distance, problems);
        var window = configuration[WindowKey] is { } w ? ReadWindow(w) : Default.Window;
        CheckWindow(configuration[WindowKey] ?? "", window, problems);
        Stop(problems);
        return new DuplicateRules(distance!.Value, window!.Value);
    }

    static void CheckDistance(string text, double? meters, List<string> problems)
    {
        if (meters is not { } m || !double.IsFinite(m) || m <= 0)
            problems.Add($"{DistanceKey} must be a positive number of metres, e.g. 300; it is '{text}'");
    }

    static void CheckWindow(string text, TimeSpan? window, List<string> problems)
    {
        if (window is not { } w || w <= TimeSpan.Zero)
            problems.Add($"{WindowKey} must be a positive time span as hours:minutes:seconds (24:00:00) or " +
                         $"days.hours:minutes:seconds (2.00:00:00); it is '{text}'");
    }

    static void Stop(List<string> problems)
    {
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems) + ".");
    }

    /// <summary>
    /// "24:00:00" is 24 hours, as people mean it (.NET alone would read 24 days); "2.00:00:00" is two days. A bare
    /// number has no unit, so it is not accepted.
    /// </summary>
    public static TimeSpan? ReadWindow(string text)
    {
        text = text.Trim();
        if (HoursMinutes().Match(text) is { Success: true } m)
            return TimeSpan.FromHours(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
                   + TimeSpan.FromMinutes(int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))
                   + TimeSpan.FromSeconds(m.Groups[3].Success ? int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) : 0);
        return text.Contains(':') && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    [GeneratedRegex(@"^(\d{1,5}):([0-5]\d)(?::([0-5]\d))?$")]
    private static partial Regex HoursMinutes();
}

public static class DuplicatesSetup
{
    /// <summary>The duplicate rules, read and checked now, so a bad value stops the server before it listens.</summary>
    public static WebApplicationBuilder AddDuplicates(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(DuplicateRules.From(builder.Configuration));
        builder.Services.AddSingleton<DuplicateFinder>();
        return builder;
    }
}
