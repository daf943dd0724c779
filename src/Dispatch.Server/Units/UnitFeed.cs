using System.Threading.Channels;
using Dispatch.Server.Live;
using Marten;
using Npgsql;

namespace Dispatch.Server.Units;

/// <summary>
/// The units' side of live push on this node. It LISTENs on two channels: <see cref="UnitMailbox.Channel"/> (a unit has
/// new messages, or someone signed out) drives the mailbox; <see cref="Channel"/> (a unit's roster line changed: status,
/// position, incident) is loaded once per burst and handed to the pages that show units (roster, map).
/// </summary>
public sealed class UnitFeed(NpgsqlDataSource db, IDocumentStore store, UnitMailbox mailbox, ILogger<UnitFeed> log) : BackgroundService
{
    public const string Channel = "dispatch_unit_changes";

    readonly Channel<Guid> _changed = System.Threading.Channels.Channel.CreateUnbounded<Guid>(new() { SingleReader = true });
    readonly Subscribers<UnitRosterEntry?> _subscribers = new(log, "unit");
    NotificationListener? _listener;

    /// <summary>Queues "this unit's roster line changed" in the session's transaction (sent if the commit succeeds).</summary>
    public static void Notify(IDocumentSession session, Guid unitId) => session.QueueSqlCommand($"NOTIFY {Channel}, '{unitId}'");

    /// <summary>
    /// Calls <paramref name="onChange"/> with each changed roster line, and with null when changes may have been missed
    /// (the listener lost its connection) so the subscriber reloads.
    /// </summary>
    public IDisposable Subscribe(Func<UnitRosterEntry?, Task> onChange) => _subscribers.Add(onChange);

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [UnitMailbox.Channel, Channel], OnNotice, async () =>
        {
            await mailbox.PumpAll();
            await Publish(null);
        }, log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    void OnNotice(string channel, string payload)
    {
        if (channel == UnitMailbox.Channel) _ = Pump(payload);
        else if (Guid.TryParse(payload, out var id)) _changed.Writer.TryWrite(id);
    }

    async Task Pump(string payload)
    {
        try { await mailbox.OnNotice(payload); }
        catch (Exception ex) { log.LogWarning(ex, "Unit mailbox notice {Payload} failed", payload); }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var fanOut = FanOut();
        await _listener!.RunAsync(ct);
        _changed.Writer.TryComplete();
        await fanOut;
    }

    async Task FanOut()
    {
        var batch = new HashSet<Guid>();
        while (await _changed.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < 500 && _changed.Reader.TryRead(out var id)) batch.Add(id);
            try
            {
                await using var query = store.QuerySession();
                foreach (var unit in await query.LoadManyAsync<UnitRosterEntry>(CancellationToken.None, batch)) await Publish(unit);
            }
            catch (Exception ex) { log.LogError(ex, "Could not push {Count} changed units", batch.Count); }
        }
    }

    Task Publish(UnitRosterEntry? unit) => _subscribers.Publish(unit);
}
