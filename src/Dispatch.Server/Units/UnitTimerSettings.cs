using Dispatch.Domain.Units;
using Dispatch.Server.Duplicates;

namespace Dispatch.Server.Units;

/// <summary>
/// The unit status timers from the <c>Dispatch:Units:Timers</c> section (docs/configuration.md), checked at start-up:
/// a bad value stops the server with a message naming each bad key. Durations are written as for
/// <c>Dispatch:Duplicates:Window</c>: hours:minutes:seconds (<c>00:05:00</c>) or days.hours:minutes:seconds.
/// </summary>
public static class UnitTimerSettings
{
    public const string Section = "Dispatch:Units:Timers";
    public const string DispatchedWithoutEnRouteKey = Section + ":DispatchedWithoutEnRoute";
    public const string OnSceneKey = Section + ":OnScene";
    /// <summary>One key per capability beneath it, e.g. <c>Dispatch:Units:Timers:OnSceneByCapability:fire-engine</c>.</summary>
    public const string OnSceneByCapabilityKey = Section + ":OnSceneByCapability";

    public static UnitTimers From(IConfiguration configuration)
    {
        var problems = new List<string>();
        var dispatched = Read(configuration, DispatchedWithoutEnRouteKey, UnitTimers.DefaultDispatchedWithoutEnRoute, problems);
        var onScene = Read(configuration, OnSceneKey, UnitTimers.DefaultOnScene, problems);
        var byCapability = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in configuration.GetSection(OnSceneByCapabilityKey).GetChildren())
        {
            var key = $"{OnSceneByCapabilityKey}:{entry.Key}";
            if (entry.Value is null)
            {
                problems.Add($"{key} must be a duration like \"02:00:00\", not a section");
                continue;
            }
            if (Read(configuration, key, TimeSpan.Zero, problems) is { } limit) byCapability[entry.Key.Trim()] = limit;
        }
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems) + ".");
        return new UnitTimers(dispatched, onScene, byCapability);
    }

    static TimeSpan? Read(IConfiguration configuration, string key, TimeSpan fallback, List<string> problems)
    {
        if (configuration[key] is not { } text) return fallback;
        if (DuplicateRules.ReadWindow(text) is { } span && span > TimeSpan.Zero) return span;
        problems.Add($"{key} must be a positive time span as hours:minutes:seconds (00:05:00) or " +
                     $"days.hours:minutes:seconds (1.00:00:00); it is '{text}'");
        return null;
    }
}
