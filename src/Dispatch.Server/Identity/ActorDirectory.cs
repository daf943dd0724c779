using System.Security.Claims;
using Dispatch.Domain.Access;
using Marten;
using Microsoft.Extensions.Caching.Memory;

namespace Dispatch.Server.Identity;

/// <summary>
/// Turns a signed-in principal into the <see cref="Actor"/> the rules check: the user's current roles, read from
/// the store (cached for a few seconds), never from the cookie. A disabled user, or a cookie from before a
/// password or role change (its stamp no longer matches), gives no actor: the session is over.
/// </summary>
public sealed class ActorDirectory(IDocumentStore store, IMemoryCache cache)
{
    public const string StampClaim = "dispatch:stamp";
    static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);

    public async ValueTask<Actor?> Resolve(ClaimsPrincipal? principal, CancellationToken ct = default)
    {
        if (principal?.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } login }) return null;
        var user = await Load(login, ct);
        return user is { Disabled: false } && user.Stamp == principal.FindFirstValue(StampClaim) ? user.ToActor() : null;
    }

    public async ValueTask<UserAccount?> Load(string login, CancellationToken ct = default)
    {
        if (cache.TryGetValue(Key(login), out UserAccount? cached)) return cached;
        await using var query = store.QuerySession();
        var user = await query.LoadAsync<UserAccount>(login, ct);
        cache.Set(Key(login), user, Fresh);
        return user;
    }

    /// <summary>After a change to the user on this node, so it takes effect at once here (other nodes within seconds).</summary>
    public void Forget(string login) => cache.Remove(Key(login));

    static string Key(string login) => "user:" + login;

    public static ClaimsPrincipal Principal(UserAccount user, string scheme) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, user.Id), new Claim("name", user.Name), new Claim(StampClaim, user.Stamp)],
            scheme, ClaimTypes.Name, ClaimTypes.Role));
}
