using System.Threading.Channels;
using Dispatch.Server.Live;
using Npgsql;

namespace Dispatch.Server.Units.Positions;

/// <summary>
/// How this node learns the positions other nodes kept: each flush there sends one notice (<see cref="PositionWriter.Channel"/>,
/// "node:unit ids"); this node loads those units' latest rows (one query for whatever notices have arrived), moves its copy
/// and pushes the moves to its pages. Its own notices are skipped (its copy moved at the commit). When the listener was away,
/// every latest row is loaded again and the pages reload. Nothing polls.
/// </summary>
public sealed class PositionListener(NpgsqlDataSource db, UnitPositions positions, ILogger<PositionListener> log) : BackgroundService
{
    readonly Channel<Guid[]> _notices = Channel.CreateUnbounded<Guid[]>(new() { SingleReader = true });
    NotificationListener? _listener;

    /// <summary>Whether this node hears other nodes' positions now (the readiness check reads it).</summary>
    public bool Listening => _listener?.Connected == true;

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [PositionWriter.Channel], (_, payload) => OnNotice(payload), Missed, log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    void OnNotice(string payload)
    {
        var colon = payload.IndexOf(':');
        if (colon < 0 || payload.AsSpan(0, colon).SequenceEqual(positions.Node)) return;
        var ids = payload[(colon + 1)..].Split(',').Select(s => Guid.TryParse(s, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToArray();
        if (ids.Length > 0) _notices.Writer.TryWrite(ids);
    }

    async Task Missed()
    {
        await positions.LoadAll(CancellationToken.None);
        positions.Publish(null);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var load = Load(ct);
        await _listener!.RunAsync(ct);
        _notices.Writer.TryComplete();
        await load;
    }

    async Task Load(CancellationToken ct)
    {
        while (await _notices.Reader.WaitToReadAsync(CancellationToken.None))
        {
            var units = new HashSet<Guid>();
            while (units.Count < 5000 && _notices.Reader.TryRead(out var ids)) units.UnionWith(ids);
            try { positions.Publish(positions.Take(await positions.Load([.. units], ct))); }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                log.LogWarning(ex, "Could not load {Count} units moved on another node", units.Count);
            }
        }
    }
}
