using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Domain.Plans;

/// <summary>
/// A new version of a plan, on the plan's own stream: its whole definition as validated (the plan file's JSON shape for
/// one plan), what changed from the version before (a short summary), who and when. Version 1 of each plan is seeded
/// from the plan file on first start. A running plan keeps the version it was activated with (<see cref="PlanActivated"/>).
/// </summary>
public sealed record PlanRevised(string Code, int Version, string Definition, string Changes, string By, DateTimeOffset At);

public static class PlanRevisions
{
    /// <summary>The plan's stream: one per code, the same on every node (a name-based id).</summary>
    public static Guid StreamOf(string code)
    {
        var hash = MD5.HashData(Encoding.UTF8.GetBytes("dispatch-plan:" + code));
        hash[6] = (byte)(hash[6] & 0x0F | 0x30);
        hash[8] = (byte)(hash[8] & 0x3F | 0x80);
        return new Guid(hash, bigEndian: true);
    }

    /// <summary>
    /// What a revision changes, for the versions list and the audit trail: each part that differs, named ("name",
    /// "responseLevel II→I", "tasks +evacuate −patrol ~cut-gas"…); empty when nothing does.
    /// </summary>
    public static string Changes(ContingencyPlan before, ContingencyPlan after)
    {
        var parts = new List<string>();
        if (before.Name != after.Name) parts.Add("name");
        if (!Same(before.When.Categories, after.When.Categories) || before.When.MinUrgency != after.When.MinUrgency
            || !Same(before.When.Keywords, after.When.Keywords) || !Same(before.When.Areas, after.When.Areas)) parts.Add("when");
        if (before.Level != after.Level) parts.Add($"responseLevel {before.Level}→{after.Level}");
        if (before.CommandLevel != after.CommandLevel) parts.Add($"commandLevel {before.CommandLevel}→{after.CommandLevel}".ToLowerInvariant());
        if (before.Lead != after.Lead) parts.Add($"lead {before.Lead}→{after.Lead}");
        if (!Same(before.Assisting, after.Assisting)) parts.Add("assisting");
        var added = after.Tasks.Where(t => before.Tasks.All(b => b.Code != t.Code)).Select(t => "+" + t.Code);
        var removed = before.Tasks.Where(t => after.Tasks.All(a => a.Code != t.Code)).Select(t => "−" + t.Code);
        var changed = after.Tasks.Where(t => before.Tasks.FirstOrDefault(b => b.Code == t.Code) is { } b && b != t).Select(t => "~" + t.Code);
        var tasks = added.Concat(removed).Concat(changed).ToList();
        if (tasks.Count > 0 || !before.Tasks.Select(t => t.Code).SequenceEqual(after.Tasks.Select(t => t.Code)))
            parts.Add(tasks.Count > 0 ? "tasks " + string.Join(" ", tasks) : "tasks reordered");
        if (!Same(before.Channels, after.Channels)) parts.Add("channels");
        if (!Same(before.Notify, after.Notify)) parts.Add("notify");
        if (before.Warning != after.Warning)
            parts.Add(before.Warning is null ? "warning added" : after.Warning is null ? "warning removed" : "warning");
        return string.Join("; ", parts);
    }

    static bool Same(IReadOnlyList<string> a, IReadOnlyList<string> b) => a.SequenceEqual(b);
}
