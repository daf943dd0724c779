using System.Collections.Concurrent;
using System.Security.Claims;
using Dispatch.Domain.Access;
using Marten;
using Microsoft.Extensions.Caching.Memory;

namespace Dispatch.Server.Identity;

/// <summary>
/// Turns a signed-in principal into the <see cref="Actor"/> the rules check: the user's current roles, read from
/// the store (cached for a few seconds), never from the cookie. A disabled user, or a cookie from before a sign-out,
/// a password or a role change (its stamp no longer matches), gives no actor: the session is over.
/// Every change of a user's stamp is told to every node in the commit that makes it (<see cref="Changed"/>, a
/// PostgreSQL NOTIFY heard by <see cref="UserChangeListener"/>): each node drops its cached copy at once and ends the
/// live connections (hubs, console circuits) that were signed in with the old stamp (<see cref="Watch"/>).
/// </summary>
public sealed class ActorDirectory(IDocumentStore store, IMemoryCache cache, ILogger<ActorDirectory> log)
{
    public const string StampClaim = "dispatch:stamp";
    public const string Channel = "dispatch_user_changes";
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);

    readonly ConcurrentDictionary<string, ConcurrentDictionary<Watcher, byte>> _watchers = new();
    // Bumped by every forget: a load that raced with a change does not cache what it read before the change.
    long _changes;
    // Bumped when notices may have been missed (the listener reconnected): every cached user is stale.
    long _generation;

    public async ValueTask<Actor?> Resolve(ClaimsPrincipal? principal, CancellationToken ct = default)
    {
        if (principal?.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } login }) return null;
        var user = await Load(login, ct);
        return user is { Disabled: false } && user.Stamp == principal.FindFirstValue(StampClaim) ? user.ToActor() : null;
    }

    public async ValueTask<UserAccount?> Load(string login, CancellationToken ct = default)
    {
        var key = Key(login);
        if (cache.TryGetValue(key, out UserAccount? cached)) return cached;
        var before = Interlocked.Read(ref _changes);
        await using var query = store.QuerySession();
        var user = await query.LoadAsync<UserAccount>(login, ct);
        if (Interlocked.Read(ref _changes) == before) cache.Set(key, user, Fresh);
        return user;
    }

    /// <summary>After a change to the user on this node, so it takes effect at once here (other nodes hear <see cref="Changed"/>).</summary>
    public void Forget(string login)
    {
        Interlocked.Increment(ref _changes);
        cache.Remove(Key(login));
    }

    /// <summary>
    /// Queues "this user's stamp changed" in the session's transaction: every node (this one too) hears it only if
    /// the commit succeeds. Logins are the stored ids (letters, digits, '.', '_', '-'); quotes are doubled all the same.
    /// </summary>
    public static void Changed(IDocumentSession session, string login) =>
        session.QueueSqlCommand($"NOTIFY {Channel}, '{login.Replace("'", "''")}'");

    /// <summary>
    /// Calls <paramref name="end"/> once when the session <paramref name="principal"/> signed in with is over (sign-out,
    /// password or role change, disabled), whichever node made the change. Dispose to stop watching.
    /// </summary>
    public IDisposable Watch(ClaimsPrincipal principal, Action end)
    {
        var login = principal.Identity?.Name ?? "";
        var watcher = new Watcher(principal.FindFirstValue(StampClaim), end);
        var set = _watchers.GetOrAdd(login, _ => new());
        set.TryAdd(watcher, 0);
        return new Unwatch(() => set.TryRemove(watcher, out _));
    }

    /// <summary>A notice from <see cref="Channel"/>: forget the user here, and end the connections of an old stamp.</summary>
    public async Task OnChanged(string login)
    {
        Forget(login);
        try { await Recheck(login); }
        catch (Exception ex) { log.LogWarning(ex, "Could not recheck the connections of {Login}", login); }
    }

    /// <summary>The listener was away: nothing cached can be trusted, and every watched connection is checked again.</summary>
    public async Task Missed()
    {
        Interlocked.Increment(ref _generation);
        Interlocked.Increment(ref _changes);
        foreach (var login in _watchers.Keys)
        {
            try { await Recheck(login); }
            catch (Exception ex) { log.LogWarning(ex, "Could not recheck the connections of {Login}", login); }
        }
    }

    async Task Recheck(string login)
    {
        if (!_watchers.TryGetValue(login, out var set) || set.IsEmpty) return;
        var user = await Load(login);
        foreach (var watcher in set.Keys)
        {
            if (user is { Disabled: false } && user.Stamp == watcher.Stamp) continue;
            if (!set.TryRemove(watcher, out _)) continue;
            try { watcher.End(); }
            catch (Exception ex) { log.LogWarning(ex, "Could not end a connection of {Login}", login); }
        }
    }

    string Key(string login) => $"user:{Interlocked.Read(ref _generation)}:{login}";

    public static ClaimsPrincipal Principal(UserAccount user, string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, user.Id), new Claim("name", user.Name), new Claim(StampClaim, user.Stamp)],
            scheme, ClaimTypes.Name, ClaimTypes.Role));

    // A class, not a record: each watch is its own entry, even for two connections of one session.
    sealed class Watcher(string? stamp, Action end)
    {
        public string? Stamp => stamp;
        public Action End => end;
    }

    sealed class Unwatch(Action stop) : IDisposable
    {
        int _stopped;
        public void Dispose() { if (Interlocked.Exchange(ref _stopped, 1) == 0) stop(); }
    }
}
