using System.Collections.Concurrent;

namespace Dispatch.Server.Live;

/// <summary>
/// The board groups each of this node's hub connections joined. Why: a person can be in several groups at once (a
/// town dispatcher who is also a department's handler); a card that left one of them (its department cleared by a
/// reopen) but is still in another must not be announced as gone to that connection, and a group send cannot tell.
/// </summary>
public sealed class BoardConnections
{
    readonly ConcurrentDictionary<string, string[]> _groups = new();

    public void Joined(string connectionId, IEnumerable<string> groups) => _groups[connectionId] = [.. groups];

    public void Gone(string connectionId) => _groups.TryRemove(connectionId, out _);

    /// <summary>The connections that were in some group of <paramref name="before"/> and are in none of <paramref name="now"/>.</summary>
    public IReadOnlyList<string> LeftBy(IReadOnlyCollection<string> before, IReadOnlyCollection<string> now) =>
        [.. _groups.Where(c => c.Value.Any(before.Contains) && !c.Value.Any(now.Contains)).Select(c => c.Key)];
}
