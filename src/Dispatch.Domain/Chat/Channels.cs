using Dispatch.Domain.Access;

namespace Dispatch.Domain.Chat;

public enum ChannelKind { City, District, Town, Department, Hotline, Incident, Direct }

/// <summary>
/// A channel, named by a stable key: <c>node:demo/dh/dh-04</c> (city, district and town channels),
/// <c>dept:demo/dh:urban-management</c> (a department at a level), <c>hotline:demo</c>, <c>incident:{id}</c> and
/// <c>dm:alice|bob</c> (two logins, sorted, so both ends name it the same).
/// </summary>
public sealed record Channel(string Key, ChannelKind Kind, string? Path = null, string? Department = null, Guid? IncidentId = null)
{
    public override string ToString() => Key;
}

/// <summary>
/// Who is in which channel, pure. Membership follows role and jurisdiction: a town dispatcher is in its town's channel,
/// its district's and the city-wide one; a call-taker also in the hotline desk's; a handler in its department's channel
/// at its node and at each level above (the department's chain of command); a unit in its department's channel at its
/// home and in the channels of the incidents it is on; an incident's channel has the centre that commands it, its
/// departments and its units, and may be read by whoever may read the incident.
/// </summary>
public static class Channels
{
    /// <summary>Node channels exist for the city, districts and towns; grid cells talk in their town's.</summary>
    const int DeepestNodeChannel = 3;

    public static Channel Node(string path)
    {
        var depth = Depth(path);
        if (depth is < 1 or > DeepestNodeChannel) throw new ArgumentException($"No node channel at '{path}'.", nameof(path));
        return new($"node:{path}", depth switch { 1 => ChannelKind.City, 2 => ChannelKind.District, _ => ChannelKind.Town }, path);
    }

    /// <summary>The channel of the node at <paramref name="path"/>, or null for a grid cell (it talks in its town's) or an empty path.</summary>
    public static Channel? NodeOrNone(string path) => Depth(path) is >= 1 and <= DeepestNodeChannel ? Node(path) : null;

    public static Channel Department(string path, string department) =>
        new($"dept:{path}:{department}", ChannelKind.Department, path, department);

    public static Channel Hotline(string cityPath) => new($"hotline:{cityPath}", ChannelKind.Hotline, cityPath);

    public static Channel Incident(Guid id) => new($"incident:{id:N}", ChannelKind.Incident, IncidentId: id);

    public static Channel Direct(string a, string b)
    {
        if (a == b) throw new ArgumentException("A direct channel joins two different people.", nameof(b));
        var (x, y) = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        return new($"dm:{x}|{y}", ChannelKind.Direct);
    }

    /// <summary>The channel a key names, or null when the key is not one (a typo, a hostile string).</summary>
    public static Channel? Parse(string? key)
    {
        if (string.IsNullOrWhiteSpace(key) || key.Length > 300) return null;
        var colon = key.IndexOf(':');
        if (colon <= 0) return null;
        var (kind, rest) = (key[..colon], key[(colon + 1)..]);
        static bool IsPath(string p) => p.Length > 0 && p.Split('/').All(s => s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || c is '-' or '_'));
        switch (kind)
        {
            case "node" when IsPath(rest) && Depth(rest) <= DeepestNodeChannel:
                return Node(rest);
            case "dept":
                var split = rest.LastIndexOf(':');
                return split > 0 && IsPath(rest[..split]) && Depth(rest[..split]) <= DeepestNodeChannel && IsPath(rest[(split + 1)..])
                    ? Department(rest[..split], rest[(split + 1)..]) : null;
            case "hotline" when IsPath(rest) && Depth(rest) == 1:
                return Hotline(rest);
            case "incident" when Guid.TryParseExact(rest, "N", out var id):
                return Incident(id);
            case "dm":
                var logins = rest.Split('|');
                return logins.Length == 2 && logins.All(l => l.Length > 0) && logins[0] != logins[1] && Direct(logins[0], logins[1]).Key == key
                    ? Direct(logins[0], logins[1]) : null;
            default:
                return null;
        }
    }

    /// <summary>The other end of a direct channel.</summary>
    public static string? Partner(Channel channel, string login) =>
        channel.Kind == ChannelKind.Direct ? channel.Key[3..].Split('|').FirstOrDefault(l => l != login) : null;

    /// <summary>The standing channels <paramref name="actor"/> is in (incident and direct channels come on top).</summary>
    public static IReadOnlyList<Channel> StandingFor(Actor actor)
    {
        var channels = new List<Channel>();
        foreach (var g in actor.Grants)
        {
            switch (g.Role)
            {
                case Role.Dispatcher or Role.Leader or Role.CallTaker:
                    channels.AddRange(Upwards(g.Scope).Where(p => Depth(p) <= DeepestNodeChannel).Select(Node));
                    if (g.Role == Role.CallTaker) channels.Add(Hotline(Root(g.Scope)));
                    break;
                case Role.Handler when g.Department is { } department:
                    channels.AddRange(Upwards(NodeOf(g.Scope)).Select(p => Department(p, department)));
                    break;
                case Role.FieldUnit when g.Department is { } department:
                    channels.Add(Department(NodeOf(g.Scope), department));
                    break;
            }
        }
        return [.. channels.DistinctBy(c => c.Key)];
    }

    /// <summary>Whether <paramref name="actor"/> is in (or, for an incident, may read) the channel.</summary>
    /// <param name="incident">For an incident channel: the incident as the access rules see it.</param>
    /// <param name="unitsOnIncident">For an incident channel: the logins of the units on it.</param>
    public static bool MayRead(Actor actor, Channel channel, IncidentScope? incident = null, IReadOnlyCollection<string>? unitsOnIncident = null) =>
        channel.Kind switch
        {
            ChannelKind.Incident => incident is not null &&
                (unitsOnIncident?.Contains(actor.Login) == true || AccessRules.Allows(actor, IncidentAction.Read, incident)),
            ChannelKind.Direct => channel.Key[3..].Split('|').Contains(actor.Login),
            _ => StandingFor(actor).Any(c => c.Key == channel.Key),
        };

    /// <summary>
    /// Who an incident channel is for (its members, told of new messages): the centre that commands it, its departments
    /// and its units; readers in scope may look in without being members.
    /// </summary>
    public static bool IsIncidentMember(Actor actor, IncidentScope incident, IReadOnlyCollection<string> unitsOnIncident) =>
        unitsOnIncident.Contains(actor.Login) ||
        actor.Grants.Any(g =>
            g.Role == Role.Dispatcher && g.Scope == incident.Centre ||
            g.Role == Role.Handler && g.Department is { } d && incident.Involves(d) && AccessRules.Covers(g.Scope, incident.Path));

    static int Depth(string path) => path.Length == 0 ? 0 : path.Count(c => c == '/') + 1;

    static string Root(string path) => path.Split('/')[0];

    /// <summary>A grid-level scope talks at its town.</summary>
    static string NodeOf(string path) => Depth(path) <= DeepestNodeChannel ? path : string.Join('/', path.Split('/').Take(DeepestNodeChannel));

    /// <summary>The path and each ancestor, from the city down.</summary>
    static IEnumerable<string> Upwards(string path)
    {
        var parts = path.Split('/');
        for (var i = 1; i <= parts.Length; i++) yield return string.Join('/', parts.Take(i));
    }
}
