using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Npgsql;

namespace Dispatch.Server.Live;

/// <summary>
/// One live feed of this node: it LISTENs on <c>channel</c> (<see cref="NotificationListener"/>), takes the notices that
/// have arrived as one batch, loads what they changed once, and hands each change to every subscriber
/// (<see cref="Subscribers{T}"/>), in the order loaded. Notices are queued as they come and loaded one batch at a time,
/// so a burst becomes one query and changes are published in turn. When the listener reconnects, notices sent while it
/// was away are gone: subscribers are called with null and reload.
/// A feed states only what its notices say (<see cref="TryRead"/>) and what they load (<see cref="Load"/>).
/// </summary>
public abstract class LiveFeed<TNotice, TChange>(NpgsqlDataSource db, string channel, string name, ILogger log) : BackgroundService
    where TNotice : notnull
    where TChange : class
{
    readonly Channel<(TNotice Notice, long CommittedAtMs)> _notices =
        System.Threading.Channels.Channel.CreateUnbounded<(TNotice, long)>(new() { SingleReader = true });
    readonly Subscribers<TChange?> _subscribers = new(log, name);
    NotificationListener? _listener;

    protected ILogger Log => log;

    /// <summary>Whether this node hears the feed's notices now (the readiness check reads it).</summary>
    public bool Listening => _listener?.Connected == true;

    /// <summary>
    /// Calls <paramref name="onChange"/> with each change, and with null when changes may have been missed (the listener
    /// lost its connection) so the subscriber reloads what it shows. Dispose the answer to stop.
    /// </summary>
    public IDisposable Subscribe(Func<TChange?, Task> onChange) => _subscribers.Add(onChange);

    /// <summary>The most notices loaded together (distinct notices only: the same one twice in a burst loads once).</summary>
    protected virtual int BatchSize => 500;

    /// <summary>Other channels heard on the same connection, each notice handed to <see cref="OnOther"/> as it comes.</summary>
    protected virtual IReadOnlyList<string> OtherChannels => [];

    /// <summary>Reads a notice's payload; false ignores it. Runs on the listener's connection: keep it quick.</summary>
    protected abstract bool TryRead(string payload, [MaybeNullWhen(false)] out TNotice notice);

    /// <summary>
    /// <see cref="TryRead(string, out TNotice)"/> with the commit's stamp, when the notice carries one
    /// (<see cref="DispatchMetrics.Stamp"/>; 0: none): the listener lag and push latency of this feed are measured from it.
    /// </summary>
    protected virtual bool TryRead(string payload, [MaybeNullWhen(false)] out TNotice notice, out long committedAtMs)
    {
        committedAtMs = 0;
        return TryRead(payload, out notice);
    }

    /// <summary>Loads what one batch of notices changed, in the order to publish.</summary>
    protected abstract IAsyncEnumerable<TChange> Load(IReadOnlyCollection<TNotice> batch);

    /// <summary>A batch could not be loaded or pushed; the feed goes on with the next one.</summary>
    protected abstract void LogFailure(Exception ex, IReadOnlyCollection<TNotice> batch);

    /// <summary>Hands one change (null: reload) to the subscribers.</summary>
    protected virtual Task Publish(TChange? change) => _subscribers.Publish(change);

    /// <summary>The listener reconnected after losing notices: every subscriber reloads.</summary>
    protected virtual Task Missed() => Publish(null);

    protected virtual void OnOther(string channel, string payload) { }

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [.. OtherChannels, channel], OnNotice, Missed, log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    void OnNotice(string on, string payload)
    {
        if (on != channel) OnOther(on, payload);
        else if (TryRead(payload, out var notice, out var committedAtMs))
        {
            DispatchMetrics.NoticeHeard(name, committedAtMs);
            _notices.Writer.TryWrite((notice, committedAtMs));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var fanOut = FanOut();
        await _listener!.RunAsync(ct);
        _notices.Writer.TryComplete();
        await fanOut;
    }

    async Task FanOut()
    {
        var batch = new HashSet<TNotice>();
        var stamps = new List<long>();
        while (await _notices.Reader.WaitToReadAsync(CancellationToken.None))
        {
            // Take whatever has arrived (up to a batch).
            batch.Clear();
            stamps.Clear();
            while (batch.Count < BatchSize && _notices.Reader.TryRead(out var heard))
            {
                batch.Add(heard.Notice);
                if (heard.CommittedAtMs > 0) stamps.Add(heard.CommittedAtMs);
            }
            try
            {
                await foreach (var change in Load(batch)) await Publish(change);
                // Every notice of the batch is out now: from its commit to here is what a console waited.
                foreach (var stamp in stamps) DispatchMetrics.Pushed(name, stamp);
            }
            catch (Exception ex) { LogFailure(ex, batch); }
        }
    }
}
