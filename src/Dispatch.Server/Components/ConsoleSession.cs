using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Microsoft.AspNetCore.Components.Authorization;

namespace Dispatch.Server.Components;

/// <summary>What the person at this console chose: the dark theme, a sound for new incidents (off by default). Kept in cookies.</summary>
public sealed record ConsolePreferences
{
    public const string DarkCookie = "dispatch-dark";
    public const string SoundCookie = "dispatch-sound";

    public bool Dark { get; init; }
    public bool Sound { get; init; }

    public static ConsolePreferences From(IRequestCookieCollection? cookies) =>
        new() { Dark = cookies?[DarkCookie] == "1", Sound = cookies?[SoundCookie] == "1" };
}

/// <summary>Per-circuit state of one console: who is signed in, and what they filed.</summary>
public sealed class ConsoleSession(AuthenticationStateProvider authentication, ActorDirectory actors)
{
    public static readonly Actor Nobody = new("", "", []);

    public ConsolePreferences Preferences { get; set; } = new();

    /// <summary>The signed-in user as the rules see them; set once per circuit by <see cref="SignedIn"/>.</summary>
    public Actor? Actor { get; set; }

    /// <summary>
    /// The signed-in user; <see cref="Nobody"/> (no roles, so nothing is shown or allowed) when the session ended.
    /// Every page asks before it loads anything, and every command it sends carries this actor.
    /// </summary>
    public async ValueTask<Actor> SignedIn()
    {
        if (Actor is { } known) return known;
        var state = await authentication.GetAuthenticationStateAsync();
        return Actor = await actors.Resolve(state.User) ?? Nobody;
    }

    /// <summary>
    /// The signed-in user with the roles the store holds now (<see cref="ActorDirectory"/> keeps them a few
    /// seconds), not those the console opened with: user administration and the audit trail ask this, so roles taken
    /// away meanwhile no longer count there. <see cref="Nobody"/> when the user is gone or disabled.
    /// </summary>
    public async ValueTask<Actor> Current(CancellationToken ct = default)
    {
        var signedIn = await SignedIn();
        if (signedIn.Login.Length == 0) return Nobody;
        return await actors.Load(signedIn.Login, ct) is { Disabled: false } user ? user.ToActor() : Nobody;
    }

    /// <summary>The incidents this console filed, newest first (the call-taker's "what did I just file").</summary>
    public IReadOnlyList<FiledIncident> Filed => _filed;

    readonly List<FiledIncident> _filed = [];

    public void RememberFiled(FiledIncident incident)
    {
        _filed.RemoveAll(f => f.Id == incident.Id);
        _filed.Insert(0, incident);
        if (_filed.Count > 10) _filed.RemoveAt(_filed.Count - 1);
    }
}

public sealed record FiledIncident(Guid Id, string Number, string Category, DateTimeOffset At);
