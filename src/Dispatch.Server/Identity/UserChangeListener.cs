using Dispatch.Server.Live;
using Npgsql;

namespace Dispatch.Server.Identity;

/// <summary>
/// Hears <see cref="ActorDirectory.Channel"/> on this node for as long as it runs: a user's stamp changed on some
/// node (sign-out, password, roles, disabled), so this node forgets the user and ends the sessions of the old stamp.
/// </summary>
public sealed class UserChangeListener(NpgsqlDataSource db, ActorDirectory actors, ILogger<UserChangeListener> log) : BackgroundService
{
    NotificationListener? _listener;

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [ActorDirectory.Channel], (channel, login) => _ = actors.OnChanged(login), actors.Missed, log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    protected override Task ExecuteAsync(CancellationToken ct) => _listener!.RunAsync(ct);
}
