using Dispatch.Domain.Units;
using Dispatch.Server.Units;

namespace Dispatch.Server.Components.Units;

/// <summary>What the roster shows: units whose words contain the text, in a status, of a department (each optional).</summary>
public sealed class RosterFilter
{
    public string? Text { get; set; }
    public UnitStatus? Status { get; set; }
    public string? Department { get; set; }

    public bool Active => !string.IsNullOrWhiteSpace(Text) || Status is not null || Department is not null;

    /// <summary>The matching units by call sign. <paramref name="departmentName"/> lets the text find a department by its name.</summary>
    public IReadOnlyList<UnitRosterEntry> Apply(IEnumerable<UnitRosterEntry> units, Func<string, string> departmentName) =>
        units.Where(u => (Status is null || u.Status == Status) && (Department is null || u.Department == Department) && Says(u, departmentName))
            .OrderBy(u => u.CallSign, StringComparer.Ordinal).ToList();

    /// <summary>The text is found in the call sign, a member, a capability, the department, the home or the incident number.</summary>
    bool Says(UnitRosterEntry unit, Func<string, string> departmentName)
    {
        if (string.IsNullOrWhiteSpace(Text)) return true;
        var text = Text.Trim();
        bool In(string? s) => s?.Contains(text, StringComparison.OrdinalIgnoreCase) == true;
        return In(unit.CallSign) || unit.Members.Any(In) || unit.Capabilities.Any(In) || In(unit.Department)
               || In(departmentName(unit.Department)) || In(unit.HomePath) || In(unit.IncidentNumber) || In(unit.Login);
    }

    /// <summary>How many of <paramref name="units"/> are in each status (for the status buttons).</summary>
    public static IReadOnlyDictionary<UnitStatus, int> Counts(IEnumerable<UnitRosterEntry> units) =>
        units.GroupBy(u => u.Status).ToDictionary(g => g.Key, g => g.Count());
}
