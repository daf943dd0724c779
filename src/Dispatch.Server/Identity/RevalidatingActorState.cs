using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;

namespace Dispatch.Server.Identity;

/// <summary>
/// A console stays open for a whole shift. Every minute its circuit asks the store whether its user may still
/// act (not disabled, password and roles unchanged); if not, the console drops to the sign-in page.
/// </summary>
public sealed class RevalidatingActorState(ILoggerFactory logs, ActorDirectory actors)
    : RevalidatingServerAuthenticationStateProvider(logs)
{
    protected override TimeSpan RevalidationInterval => TimeSpan.FromMinutes(1);

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState state, CancellationToken ct) =>
        await actors.Resolve(state.User, ct) is not null;
}
