using System.Globalization;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Performance;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.Situation;

/// <summary>
/// The situation screens' source on this node: one <see cref="SituationLedger"/> kept from the pushes every console
/// already gets (<see cref="IncidentChangeFeed"/>, <see cref="UnitFeed"/>) and from the surge notices
/// (<see cref="SurgeChannel"/>, through <see cref="SurgeFeed"/>). Bursts are coalesced: after a change, screens hear one "changed" at most every
/// <see cref="SituationOptions.Coalesce"/>, and each scope's picture is computed once per change however many screens
/// show it. The clock (injected) wakes it at the next hour, the next deadline and at midnight, when the day rolls over.
/// Nothing polls: between pushes and those instants it does nothing.
/// </summary>
public sealed class SituationFeed(
    IDocumentStore store, IncidentChangeFeed incidents, UnitFeed units, SurgeFeed surges, SituationLedger ledger,
    SituationOptions options, TimeProvider clock, ILogger<SituationFeed> log) : BackgroundService
{
    /// <summary>NOTIFY channel for "this surge stream changed" (payload: the stream id).</summary>
    public const string SurgeChannel = "dispatch_surges";
    // The KPI rows come from the async daemon, which pushes nothing: they are read again this long after a change (the
    // daemon has caught up by then), at most once per this interval while changes keep coming.
    static readonly TimeSpan KpiDelay = TimeSpan.FromSeconds(5);
    static readonly TimeSpan LongestNap = TimeSpan.FromHours(1);

    readonly Lock _gate = new();
    readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    readonly Dictionary<(string Scope, string Culture), SituationPicture> _pictures = [];
    readonly Subscribers<long> _screens = new(log, "situation screen");
    bool _flushPending, _reloadPending, _kpisPending;
    long _generation;
    ITimer? _tick;
    IDisposable? _incidentSubscription, _unitSubscription, _surgeSubscription;
    CancellationToken _stopping;

    /// <summary>Completes once the past days and today have been loaded (the surge watch waits for it).</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>Changes coalesced so far (for tests and the health of the screen: "has it heard since?").</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Queues the surge notice in the session's transaction (sent if the commit succeeds).</summary>
    public static void Notify(IDocumentSession session, Guid surgeStreamId) => session.QueueSqlCommand($"NOTIFY {SurgeChannel}, '{surgeStreamId}'");

    /// <summary>Calls <paramref name="onChanged"/> after each coalesced burst of changes (and at the clock's ticks).</summary>
    public IDisposable Subscribe(Func<Task> onChanged) => _screens.Add(_ => onChanged());

    /// <summary>The picture of <paramref name="scope"/> now, in <paramref name="culture"/> (one computation per change, shared).</summary>
    public SituationPicture Picture(string scope, CultureInfo culture)
    {
        lock (_gate)
        {
            var key = (scope, culture.Name);
            if (_pictures.TryGetValue(key, out var known)) return known;
            var now = clock.GetUtcNow();
            ledger.Rollover(now);
            return _pictures[key] = ledger.Picture(scope, now, culture);
        }
    }

    /// <summary>Runs <paramref name="read"/> on the ledger under its lock (the surge watch's view of the counts).</summary>
    public T Read<T>(Func<SituationLedger, T> read)
    {
        lock (_gate) return read(ledger);
    }

    public override async Task StartAsync(CancellationToken ct)
    {
        // Hear first, then load: a change committed while loading is applied either way (newest version wins).
        _incidentSubscription = incidents.Subscribe(card => card is null ? Reload() : Apply(l => l.Apply(card)));
        _unitSubscription = units.Subscribe(unit => unit is null ? Reload() : Apply(l => l.Apply(unit)));
        _surgeSubscription = surges.Subscribe(surge => surge is null ? Reload() : Apply(l => l.Apply(surge)));
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        _stopping = ct;
        try
        {
            await Load(history: true, ct);
            _loaded.TrySetResult();
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            log.LogError(ex, "The situation screens could not load the day; they fill from pushes from now on");
            _loaded.TrySetResult();
        }
        Tick();
    }

    async Task Load(bool history, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        DateTimeOffset midnight;
        lock (_gate)
        {
            ledger.Rollover(now);
            midnight = ledger.MidnightOf(ledger.Day);
        }
        await using var query = store.QuerySession();
        if (history)
        {
            // The past days' reports, for the baseline and the usual day: three small fields per report.
            var since = ledger.MidnightOf(ledger.Day.AddDays(-ledger.Settings.BaselineDays));
            var past = await query.Query<IncidentCard>().Where(c => c.ReportedAt >= since && c.ReportedAt < midnight)
                .Select(c => new PastReport(c.ScopePath, c.Category, c.ReportedAt)).ToListAsync(ct);
            lock (_gate) foreach (var r in past) ledger.Count(r.ScopePath, r.Category, r.ReportedAt);
        }
        var window = now - ledger.Settings.Window;
        var from = window < midnight ? window : midnight;
        var cards = await query.Query<IncidentCard>().Where(c => c.IsOpen || c.UpdatedAt >= from || c.ReportedAt >= from).ToListAsync(ct);
        var roster = await query.Query<UnitRosterEntry>().ToListAsync(ct);
        var surges = await query.Query<SurgeCard>().Where(s => s.Active || s.EndedAt >= midnight).ToListAsync(ct);
        lock (_gate)
        {
            foreach (var card in cards) ledger.Apply(card);
            foreach (var unit in roster) ledger.Apply(unit);
            foreach (var surge in surges) ledger.Apply(surge);
        }
        await ReadKpis(ct);
        Changed();
    }

    sealed record PastReport(string ScopePath, string Category, DateTimeOffset ReportedAt);

    async Task ReadKpis(CancellationToken ct)
    {
        var day = ledger.Day.DayNumber;
        await using var query = store.QuerySession();
        var rows = await query.Query<KpiDay>().Where(r => r.Kind == KpiKind.Department && r.DayNumber == day).ToListAsync(ct);
        lock (_gate) ledger.SetKpis(rows);
    }

    async Task Reload()
    {
        // The listener lost notices, or a circuit asked: load today again (the tally of past days stands).
        lock (_gate)
        {
            if (_reloadPending) return;
            _reloadPending = true;
        }
        try { await Load(history: false, _stopping); }
        catch (Exception ex) when (!_stopping.IsCancellationRequested) { log.LogWarning(ex, "Reloading the situation failed"); }
        finally { lock (_gate) _reloadPending = false; }
    }

    Task Apply(Func<SituationLedger, bool> change)
    {
        bool changed;
        lock (_gate)
        {
            ledger.Rollover(clock.GetUtcNow());
            changed = change(ledger);
        }
        if (changed) Changed();
        return Task.CompletedTask;
    }

    /// <summary>Something changed: screens hear of it once the coalescing interval has passed (one flush per burst).</summary>
    void Changed()
    {
        bool flush, kpis;
        lock (_gate)
        {
            (flush, kpis) = (!_flushPending, !_kpisPending);
            _flushPending = _kpisPending = true;
        }
        if (flush) _ = Flush();
        if (kpis) _ = ReadKpisLater();
    }

    async Task Flush()
    {
        try
        {
            // The interval is real time, not the city's clock: it paces rendering, not the figures.
            await Task.Delay(options.Coalesce, _stopping);
        }
        catch (OperationCanceledException) { return; }
        finally
        {
            lock (_gate) _flushPending = false;
        }
        await Publish();
    }

    async Task ReadKpisLater()
    {
        try
        {
            await Task.Delay(KpiDelay, _stopping);
            lock (_gate) _kpisPending = false;
            await ReadKpis(_stopping);
            await Publish();
        }
        catch (OperationCanceledException) { }
        catch (Exception ex)
        {
            lock (_gate) _kpisPending = false;
            log.LogWarning(ex, "Reading today's KPI rows failed");
        }
    }

    async Task Publish()
    {
        long generation;
        lock (_gate)
        {
            _pictures.Clear();
            generation = Interlocked.Increment(ref _generation);
        }
        await _screens.Publish(generation);
        // A change may have brought an earlier deadline than the one the timer waits for.
        if (!_stopping.IsCancellationRequested) Tick();
    }

    /// <summary>Sets the one timer for the next instant the picture changes by time alone (hour, deadline, midnight).</summary>
    void Tick()
    {
        DateTimeOffset next;
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            next = ledger.NextTick(now);
            var midnight = ledger.MidnightOf(ledger.Day.AddDays(1));
            if (midnight < next) next = midnight;
        }
        var wait = next - now;
        wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > LongestNap ? LongestNap : wait;
        ITimer tick;
        lock (_gate) tick = _tick ??= clock.CreateTimer(_ => _ = OnTick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        tick.Change(wait, Timeout.InfiniteTimeSpan);
    }

    async Task OnTick()
    {
        if (_stopping.IsCancellationRequested) return;
        try
        {
            bool newDay;
            lock (_gate) newDay = ledger.Rollover(clock.GetUtcNow());
            if (newDay) await ReadKpis(_stopping);
            await Publish();
        }
        catch (Exception ex) when (!_stopping.IsCancellationRequested) { log.LogWarning(ex, "The situation's clock tick failed"); }
    }

    public override async Task StopAsync(CancellationToken ct)
    {
        _incidentSubscription?.Dispose();
        _unitSubscription?.Dispose();
        _surgeSubscription?.Dispose();
        if (_tick is not null) await _tick.DisposeAsync();
        await base.StopAsync(ct);
    }
}
