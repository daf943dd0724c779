using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Plans;

/// <summary>How grave the response is (响应级别): Ⅰ the gravest (特别重大), Ⅳ the least (一般).</summary>
public enum ResponseLevel { I = 1, II = 2, III = 3, IV = 4 }

public static class ResponseLevels
{
    /// <summary>The Roman numeral the plans and screens use: Ⅰ, Ⅱ, Ⅲ, Ⅳ.</summary>
    public static string Numeral(this ResponseLevel level) => level switch
    {
        ResponseLevel.I => "Ⅰ", ResponseLevel.II => "Ⅱ", ResponseLevel.III => "Ⅲ", _ => "Ⅳ",
    };
}

/// <summary>
/// When a plan applies: one of its categories (none listed: any), from an urgency up, a keyword in the description
/// (none listed: none needed), inside one of its areas (jurisdiction paths; none listed: the whole city).
/// </summary>
public sealed record PlanTrigger(IReadOnlyList<string> Categories, Urgency MinUrgency, IReadOnlyList<string> Keywords, IReadOnlyList<string> Areas)
{
    public bool Matches(string category, Urgency urgency, string description, string? path) =>
        (Categories.Count == 0 || Categories.Contains(category))
        && urgency >= MinUrgency
        && (Keywords.Count == 0 || Keywords.Any(k => description.Contains(k, StringComparison.OrdinalIgnoreCase)))
        && (Areas.Count == 0 || path is not null && Areas.Any(a => path == a || path.StartsWith(a + "/", StringComparison.Ordinal)));
}

/// <summary>One thing the plan has done: by a department, or by a unit with a capability, within a time of activation.</summary>
public sealed record PlanTask(string Code, string What, string? Department, string? Capability, TimeSpan Within);

/// <summary>
/// The public warning a plan issues when activated (CAP 1.2's event, severity, urgency and certainty, and the words);
/// the area comes from where the incident is. <paramref name="Category"/> is CAP's (Safety, Fire, Met, Infra…).
/// </summary>
public sealed record PlanWarning(string Event, string Severity, string Urgency, string Certainty, string Headline, string Instruction,
    string Category = "Safety");

/// <summary>
/// A contingency plan (预案), one version of it: when it applies, how grave the response, where it is commanded, the
/// departments it brings in (a lead and assisting ones), its tasks, the channels it opens, who it notifies and the
/// public warning it issues. A plan is changed by a new version; an activation names the version it ran.
/// </summary>
public sealed record ContingencyPlan(
    string Code, int Version, string Name, PlanTrigger When, ResponseLevel Level, CommandLevel CommandLevel,
    string Lead, IReadOnlyList<string> Assisting, IReadOnlyList<PlanTask> Tasks,
    IReadOnlyList<string> Channels, IReadOnlyList<string> Notify, PlanWarning? Warning);
