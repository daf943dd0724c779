using Dispatch.Domain.Chat;
using Dispatch.Server.Chat;

namespace Dispatch.Server.Components.Chat;

public enum ChannelGroupKind { Places, Departments, Hotline, Incidents, Direct }

/// <summary>One heading of the channel list and its channels, in the order shown.</summary>
public sealed record ChannelGroup(ChannelGroupKind Kind, IReadOnlyList<ChannelSummary> Channels)
{
    public int Unread => Channels.Sum(c => c.Unread);
}

/// <summary>
/// A person's channels as the list shows them, pure: the city, district and town channels (from the top down), the
/// departments, the hotline desk, incidents (news first, then the most recently active) and direct messages (the most
/// recent first). Empty groups are left out.
/// </summary>
public static class ChannelGroups
{
    public static IReadOnlyList<ChannelGroup> Of(IEnumerable<ChannelSummary> channels)
    {
        var all = channels.ToList();
        ChannelGroup Group(ChannelGroupKind kind, IEnumerable<ChannelSummary> items) => new(kind, [.. items]);
        var groups = new[]
        {
            Group(ChannelGroupKind.Places, all.Where(c => c.Kind is ChannelKind.City or ChannelKind.District or ChannelKind.Town)
                .OrderBy(c => c.Kind).ThenBy(c => c.Key, StringComparer.Ordinal)),
            Group(ChannelGroupKind.Departments, all.Where(c => c.Kind == ChannelKind.Department)
                .OrderBy(c => Depth(c.Key)).ThenBy(c => c.Title, StringComparer.CurrentCulture)),
            Group(ChannelGroupKind.Hotline, all.Where(c => c.Kind == ChannelKind.Hotline)),
            Group(ChannelGroupKind.Incidents, all.Where(c => c.Kind == ChannelKind.Incident)
                .OrderByDescending(c => c.Unread > 0).ThenByDescending(c => c.LastAt ?? DateTimeOffset.MinValue)
                .ThenByDescending(c => c.IncidentNumber, StringComparer.Ordinal)),
            Group(ChannelGroupKind.Direct, all.Where(c => c.Kind == ChannelKind.Direct)
                .OrderByDescending(c => c.LastAt ?? DateTimeOffset.MinValue).ThenBy(c => c.Title, StringComparer.CurrentCulture)),
        };
        return [.. groups.Where(g => g.Channels.Count > 0)];
    }

    /// <summary>What the navigation badge counts: unread messages over every channel listed.</summary>
    public static int TotalUnread(IEnumerable<ChannelSummary> channels) => channels.Sum(c => c.Unread);

    static int Depth(string key) => key.Count(c => c == '/');
}
