using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Drill;

/// <summary>
/// A unit's phone: signed in with the unit's own account, connected to /hubs/unit over SignalR, reconnecting by itself
/// whenever the connection drops (the server then sends again every message not yet acknowledged). Pushed messages go
/// to <see cref="Received"/> as they arrive; commands go through <see cref="Call"/>, which waits out a reconnect.
/// </summary>
public sealed class UnitPhone : IAsyncDisposable
{
    public const string HubPath = UnitHubMethods.Path;
    static readonly TimeSpan CallPatience = TimeSpan.FromSeconds(30);

    readonly DispatchClient _session;
    int _reconnects;
    TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    UnitPhone(DispatchClient session, Func<IReadOnlyList<UnitMessage>, Task> received)
    {
        _session = session;
        Connection = new HubConnectionBuilder()
            .WithUrl(new Uri(session.Url, HubPath), o => o.Cookies = session.Cookies)
            .AddJsonProtocol(o => ContractJson.Configure(o.PayloadSerializerOptions))
            .WithAutomaticReconnect(new KeepTrying())
            .Build();
        Connection.On<IReadOnlyList<UnitMessage>>(nameof(IUnitClient.Messages), received);
        Connection.Reconnecting += _ =>
        {
            Interlocked.Exchange(ref _connected, new(TaskCreationOptions.RunContinuationsAsynchronously));
            return Task.CompletedTask;
        };
        Connection.Reconnected += _ =>
        {
            Interlocked.Increment(ref _reconnects);
            _connected.TrySetResult();
            return Task.CompletedTask;
        };
    }

    public HubConnection Connection { get; }
    /// <summary>The unit's signed-in session (its chat connects with the same cookie).</summary>
    public DispatchClient Session => _session;
    public bool Connected => Connection.State == HubConnectionState.Connected;
    public string Login => _session.Login;
    /// <summary>How often the connection dropped and came back.</summary>
    public int Reconnects => _reconnects;

    /// <summary>
    /// Signs in as the unit and connects. <paramref name="received"/> gets each pushed batch of messages, oldest first;
    /// SignalR calls it for one batch at a time.
    /// </summary>
    public static async Task<UnitPhone> Connect(Uri url, string login, string password, Func<IReadOnlyList<UnitMessage>, Task> received,
        Action<string>? log = null, CancellationToken ct = default)
    {
        var session = await DispatchClient.SignIn(url, login, password, log, ct);
        var phone = new UnitPhone(session, received);
        try
        {
            await phone.Connection.StartAsync(ct);
        }
        catch
        {
            await phone.DisposeAsync();
            throw;
        }
        phone._connected.TrySetResult();
        return phone;
    }

    /// <summary>A command of the hub (<see cref="UnitHubMethods"/>: OnDuty, AcceptAndGo, Position…), after waiting out a reconnect; retried once if the connection dropped during the call.</summary>
    public async Task<UnitReply> Call(string method, object?[] args, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            await _connected.Task.WaitAsync(CallPatience, ct);
            try
            {
                return await Connection.InvokeCoreAsync<UnitReply>(method, args, ct).WaitAsync(CallPatience, ct);
            }
            catch (Exception e) when (attempt < 3 && e is not OperationCanceledException && Connection.State != HubConnectionState.Connected)
            {
                // The connection went away under the call; the reconnect comes, then the call again. A command that
                // had gone through answers "already" the second time, which the unit takes as done.
            }
        }
    }

    public async Task<bool> Ack(long seq, CancellationToken ct = default)
    {
        await _connected.Task.WaitAsync(CallPatience, ct);
        return await Connection.InvokeAsync<bool>(UnitHubMethods.Ack, seq, ct).WaitAsync(CallPatience, ct);
    }

    /// <summary>The unit as the roster shows it now.</summary>
    public async Task<RosterUnit> Me(CancellationToken ct = default)
    {
        await _connected.Task.WaitAsync(CallPatience, ct);
        return await Connection.InvokeAsync<RosterUnit>(UnitHubMethods.Me, ct).WaitAsync(CallPatience, ct);
    }

    /// <summary>Ends the unit's session on the server (which closes its hub connections) and this connection.</summary>
    public async Task SignOut(CancellationToken ct = default)
    {
        await _session.SignOut(ct);
        await Connection.StopAsync(ct);
    }

    /// <summary>
    /// How a drill's unit leaves: off duty, signed out, connection closed. A failure to go off duty or sign out is
    /// logged under <paramref name="callSign"/> and the connection is closed anyway.
    /// </summary>
    public async Task LeaveAndClose(string callSign)
    {
        try
        {
            await Call(UnitHubMethods.OffDuty, []);
            await SignOut();
        }
        catch (Exception e) when (e is not OutOfMemoryException) { Units.Log($"{callSign}: could not sign out cleanly: {e.Message}"); }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        _session.Dispose();
    }

    /// <summary>Reconnect at once, then every 2 s, then every 5 s, for as long as the drill runs.</summary>
    sealed class KeepTrying : IRetryPolicy
    {
        public TimeSpan? NextRetryDelay(RetryContext context) => context.PreviousRetryCount switch
        {
            0 => TimeSpan.Zero,
            < 5 => TimeSpan.FromSeconds(2),
            _ => TimeSpan.FromSeconds(5),
        };
    }
}
