using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace Dispatch.Server.Live;

/// <summary>
/// Board push over SignalR, for signed-in users. On connect a client joins one group per node of the tree where
/// it may read (and per department for handlers and units), so it receives exactly the cards of its scope; on
/// connect and on every reconnect it calls <see cref="Board"/> to catch up.
/// </summary>
[Authorize]
public sealed class BoardHub(IncidentReaders readers, ActorDirectory actors, BoardConnections connections, ILogger<BoardHub> log) : Hub<IBoardClient<IncidentCard>>
{
    public const string Path = BoardHubMethods.Path;

    /// <summary>Everyone who reads at this node (and below); departments have their own group per node.</summary>
    public static string Group(string scopePath, string? department = null) =>
        department is null ? $"scope:{scopePath}" : $"scope:{scopePath}|dept:{department}";

    public override async Task OnConnectedAsync()
    {
        if (await actors.Resolve(Context.User) is not { } actor)
        {
            Context.Abort();
            return;
        }
        Context.Items[typeof(Actor)] = actor;
        // Sign-out, a password or role change, on any node, ends the connection (its groups were cut for the old roles).
        Context.Items[typeof(ActorDirectory)] = actors.Watch(Context.User!, Context.Abort);
        // The reader's scopes, the same the board query is cut along: the groups hear exactly the board's cards.
        var groups = readers.For(actor).Scopes.Select(s => Group(s.Path, s.Department)).ToList();
        connections.Joined(Context.ConnectionId, groups);
        foreach (var group in groups) await Groups.AddToGroupAsync(Context.ConnectionId, group);
        await base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        (Context.Items[typeof(ActorDirectory)] as IDisposable)?.Dispose();
        connections.Gone(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }

    /// <summary>Every open incident this user may see, as the board shows it now.</summary>
    public async Task<IReadOnlyList<IncidentCard>> Board()
    {
        if (Context.Items[typeof(Actor)] is not Actor actor) throw new HubException("Sign in first.");
        var cards = await readers.For(actor).Board();
        log.LogDebug("{User} loaded {Count} cards over the hub", actor.Login, cards.Count);
        return cards;
    }

    /// <summary>The groups that should hear of a card: each node on its path, and its department's at each.</summary>
    public static IEnumerable<string> Audience(string scopePath, string? department, JurisdictionTree tree,
        IEnumerable<string>? assisting = null)
    {
        var path = scopePath.Length == 0 ? tree.City.Path : scopePath;
        var parts = path.Split('/');
        var departments = (department is null ? [] : new[] { department }).Concat(assisting ?? []).Distinct().ToList();
        for (var i = 1; i <= parts.Length; i++)
        {
            var node = string.Join('/', parts.Take(i));
            yield return Group(node);
            foreach (var d in departments) yield return Group(node, d);
        }
    }
}
