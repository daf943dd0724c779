using System.Net;
using System.Net.Http.Json;
using Dispatch.Server.Units;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Server.Tests.Infrastructure;

/// <summary>
/// A unit's phone as the tests drive it: signs in with the unit's own account, speaks /hubs/unit over a real SignalR
/// connection, records every pushed batch in arrival order and lets a test wait (with a time-out) for what it expects.
/// </summary>
public sealed class UnitDevice : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    readonly Lock _gate = new();
    readonly List<IReadOnlyList<UnitMessage>> _batches = [];
    readonly List<(Func<IReadOnlyList<UnitMessage>, bool> Match, TaskCompletionSource Done)> _waiting = [];
    readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    UnitDevice(Uri baseAddress, CookieContainer cookies)
    {
        Cookies = cookies;
        BaseAddress = baseAddress;
        Connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, UnitHub.Path), o => o.Cookies = cookies)
            .AddJsonProtocol(o => ContractJson.Configure(o.PayloadSerializerOptions))
            .Build();
        Connection.On<IReadOnlyList<UnitMessage>>(nameof(IUnitClient.Messages), batch =>
        {
            lock (_gate)
            {
                _batches.Add(batch);
                var all = _batches.SelectMany(b => b).ToList();
                foreach (var w in _waiting.Where(w => w.Match(all)).ToList())
                {
                    _waiting.Remove(w);
                    w.Done.TrySetResult();
                }
            }
        });
        Connection.Closed += _ => { _closed.TrySetResult(); return Task.CompletedTask; };
    }

    public HubConnection Connection { get; }
    public CookieContainer Cookies { get; }
    Uri BaseAddress { get; }

    /// <summary>Signs in as the unit's account and connects (nothing is acknowledged unless the test says so).</summary>
    public static async Task<UnitDevice> Connect(DispatchApp app, string login, string password = DispatchApp.Password)
    {
        var cookies = new CookieContainer();
        using (var http = new HttpClient(new SocketsHttpHandler { CookieContainer = cookies }) { BaseAddress = app.BaseAddress })
        using (var response = await http.PostAsJsonAsync("/api/session", new { login, password }))
            if (response.StatusCode != HttpStatusCode.OK)
                throw new InvalidOperationException($"Sign-in as {login} failed: {(int)response.StatusCode}");
        var device = new UnitDevice(app.BaseAddress, cookies);
        await device.Connection.StartAsync().WaitAsync(Patience);
        return device;
    }

    /// <summary>Every message received so far, in arrival order (duplicates included, if any came).</summary>
    public IReadOnlyList<UnitMessage> Received()
    {
        lock (_gate) return [.. _batches.SelectMany(b => b)];
    }

    public IReadOnlyList<IReadOnlyList<UnitMessage>> Batches()
    {
        lock (_gate) return [.. _batches];
    }

    /// <summary>Completes when what was received so far matches (already, or once more arrives).</summary>
    public Task Until(Func<IReadOnlyList<UnitMessage>, bool> match)
    {
        lock (_gate)
        {
            if (match(_batches.SelectMany(b => b).ToList())) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Add((match, done));
            return done.Task.WaitAsync(Patience);
        }
    }

    /// <summary>The first received message of <paramref name="kind"/> that matches, waiting for it.</summary>
    public async Task<UnitMessage> Next(string kind, Func<UnitMessage, bool>? match = null)
    {
        bool Fits(UnitMessage m) => m.Kind == kind && (match?.Invoke(m) ?? true);
        await Until(all => all.Any(Fits));
        return Received().First(Fits);
    }

    /// <summary>Completes when the server closes the connection.</summary>
    public Task Closed => _closed.Task.WaitAsync(Patience);

    public Task<UnitReply> Call(string method, params object?[] args) =>
        Connection.InvokeCoreAsync<UnitReply>(method, args).WaitAsync(Patience);

    public Task<bool> Ack(long seq) => Connection.InvokeAsync<bool>(UnitHubMethods.Ack, seq).WaitAsync(Patience);

    public Task<UnitRosterEntry> Me() => Connection.InvokeAsync<UnitRosterEntry>(UnitHubMethods.Me).WaitAsync(Patience);

    /// <summary>Signs out over the API with the device's own cookie.</summary>
    public async Task SignOut()
    {
        using var http = new HttpClient(new SocketsHttpHandler { CookieContainer = Cookies }) { BaseAddress = BaseAddress };
        using var response = await http.DeleteAsync("/api/session");
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
