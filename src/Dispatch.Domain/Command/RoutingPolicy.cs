using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Command;

/// <summary>
/// One routing rule: matters of <see cref="Category"/> ("*" for any) at or above <see cref="MinUrgency"/>,
/// optionally only when the description names one of <see cref="Keywords"/>, are commanded at
/// <see cref="Level"/> with <see cref="Department"/> as the suggested lead.
/// </summary>
public sealed record RoutingRule(string Name, string Category, Urgency MinUrgency, IReadOnlyList<string> Keywords,
    CommandLevel Level, string Department)
{
    public bool Matches(string category, Urgency urgency, string description) =>
        (Category == "*" || Category == category) && urgency >= MinUrgency &&
        (Keywords.Count == 0 || Keywords.Any(k => description.Contains(k, StringComparison.OrdinalIgnoreCase)));
}

/// <summary>Where the policy sends a matter, and by which rule (the event keeps the rule's name).</summary>
public sealed record Route(CommandLevel Level, string Department, string Rule);

/// <summary>The routing policy: rules in order, the first that matches decides; the last must match everything.</summary>
public sealed record RoutingPolicy(IReadOnlyList<RoutingRule> Rules)
{
    public Route Route(string category, Urgency urgency, string description)
    {
        var rule = Rules.First(r => r.Matches(category, urgency, description));
        return new Route(rule.Level, rule.Department, rule.Name);
    }
}

/// <summary>How long a department has: to acknowledge (签收) after assignment, and to resolve after assignment.</summary>
public sealed record Deadlines(TimeSpan Acknowledge, TimeSpan Resolve);

/// <summary>One deadline rule: for <see cref="Category"/> ("*" any) at <see cref="Urgency"/> (null: any).</summary>
public sealed record DeadlineRule(string Category, Urgency? Urgency, Deadlines Deadlines)
{
    public bool Matches(string category, Urgency urgency) =>
        (Category == "*" || Category == category) && (Urgency is null || Urgency == urgency);
}

/// <summary>Deadline rules in order, the first that matches decides; the last must match everything.</summary>
public sealed record DeadlinePolicy(IReadOnlyList<DeadlineRule> Rules)
{
    public Deadlines For(string category, Urgency urgency) => Rules.First(r => r.Matches(category, urgency)).Deadlines;
}

/// <summary>
/// Colours a board gives a deadline: calm, a warning once 80 % of the time is used, overdue after it.
/// </summary>
public enum DeadlineState { None, OnTime, Warning, Overdue }

public static class DeadlineClock
{
    public const double WarningShare = 0.8;

    public static DeadlineState StateAt(DateTimeOffset start, DateTimeOffset? due, DateTimeOffset now)
    {
        if (due is not { } end) return DeadlineState.None;
        if (now >= end) return DeadlineState.Overdue;
        var total = (end - start).Ticks;
        return total > 0 && (now - start).Ticks >= total * WarningShare ? DeadlineState.Warning : DeadlineState.OnTime;
    }
}
