using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Dispatch.Server.Identity;

/// <summary>
/// A console stays open for a whole shift. When its user signs out, or their password or roles change, or they are
/// disabled, on any node, the circuit hears it at once (<see cref="ActorDirectory.Watch"/>) and the console drops to
/// the sign-in page; every minute it also asks the store again, in case a notice was missed.
/// </summary>
public sealed class RevalidatingActorState : RevalidatingServerAuthenticationStateProvider
{
    readonly ActorDirectory _actors;
    IDisposable? _watch;

    public RevalidatingActorState(ILoggerFactory logs, ActorDirectory actors) : base(logs)
    {
        _actors = actors;
        AuthenticationStateChanged += task => _ = WatchAsync(task);
    }

    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct) =>
        await _actors.Resolve(state.User, ct) is not null;

    async Task WatchAsync(Task<AuthenticationState> task)
    {
        AuthenticationState state;
        try { state = await task; }
        catch { return; }
        var watch = state.User.Identity?.IsAuthenticated == true ? _actors.Watch(state.User, End) : null;
        Interlocked.Exchange(ref _watch, watch)?.Dispose();
    }

    // As the base class does when a revalidation fails: the circuit is signed out.
    void End() => NotifyAuthenticationStateChanged(Task.FromResult(new AuthenticationState(new ClaimsPrincipal(new ClaimsIdentity()))));

    protected override void Dispose(bool disposing)
    {
        if (disposing) Interlocked.Exchange(ref _watch, null)?.Dispose();
        base.Dispose(disposing);
    }
}
