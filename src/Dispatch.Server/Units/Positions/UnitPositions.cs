using System.Collections.Concurrent;
using System.Threading.Channels;
using Dispatch.Server.Live;
using Npgsql;

namespace Dispatch.Server.Units.Positions;

/// <summary>One accepted position fix: where the unit's device said it was, and when (the device's fix time).</summary>
public sealed record UnitFix(Guid UnitId, double Lat, double Lon, double Accuracy, DateTimeOffset ReportedAt);

/// <summary>
/// Where each unit is now, as this node knows it: every fix committed here (<see cref="PositionWriter"/>) and every fix
/// another node committed (<see cref="PositionListener"/>), loaded whole from <see cref="PositionTables.Latest"/> at start and
/// after the listener was away. Readers overlay it on the roster line (<see cref="Overlay(UnitRosterEntry)"/>): the line
/// comes from the unit's events (status, incident), the position from here; a line from before positions were telemetry keeps
/// the position its old <c>UnitPositionReported</c> events gave it until the unit reports again. Pages hear the moves as one
/// list per flush (<see cref="Subscribe"/>), never one push per report.
/// </summary>
public sealed class UnitPositions
{
    readonly ConcurrentDictionary<Guid, UnitFix> _latest = new();
    readonly Subscribers<IReadOnlyList<UnitFix>?> _subscribers;
    readonly Channel<IReadOnlyList<UnitFix>?> _moves = Channel.CreateUnbounded<IReadOnlyList<UnitFix>?>(new() { SingleReader = true });
    readonly NpgsqlDataSource _db;
    readonly ILogger<UnitPositions> _log;

    public UnitPositions(NpgsqlDataSource db, ILogger<UnitPositions> log)
    {
        (_db, _log) = (db, log);
        _subscribers = new(log, "position");
        _ = Task.Run(Pump);
    }

    /// <summary>This node (this copy), in its flushes' notices: it does not load again what it wrote itself.</summary>
    public string Node { get; } = Guid.NewGuid().ToString("N");

    public UnitFix? Latest(Guid unitId) => _latest.GetValueOrDefault(unitId);

    public int Count => _latest.Count;

    /// <summary>The roster line with the unit's latest position (the telemetry's, when there is one).</summary>
    public UnitRosterEntry Overlay(UnitRosterEntry entry) => _latest.TryGetValue(entry.Id, out var fix) ? With(entry, fix) : entry;

    public IReadOnlyList<UnitRosterEntry> Overlay(IEnumerable<UnitRosterEntry> entries) => entries.Select(Overlay).ToList();

    /// <summary>The line with <paramref name="fix"/> as its position.</summary>
    public static UnitRosterEntry With(UnitRosterEntry entry, UnitFix fix) =>
        entry.PositionAt == fix.ReportedAt && entry.Lat == fix.Lat && entry.Lon == fix.Lon
            ? entry
            : entry with { Lat = fix.Lat, Lon = fix.Lon, Accuracy = fix.Accuracy, PositionAt = fix.ReportedAt };

    /// <summary>
    /// Calls <paramref name="onMoved"/> with the units that moved, one list per flush (several flushes may come as one list
    /// when a page is slow), and with null when moves may have been missed (reload). Dispose the answer to stop.
    /// </summary>
    public IDisposable Subscribe(Func<IReadOnlyList<UnitFix>?, Task> onMoved) => _subscribers.Add(onMoved);

    /// <summary>Takes committed fixes: each replaces the unit's position if newer (never back in time). Returns those that did.</summary>
    internal IReadOnlyList<UnitFix> Take(IEnumerable<UnitFix> fixes)
    {
        var moved = new List<UnitFix>();
        foreach (var fix in fixes)
        {
            while (true)
            {
                if (_latest.TryGetValue(fix.UnitId, out var known))
                {
                    if (!Domain.Units.PositionFix.Newer(fix.ReportedAt, known.ReportedAt)) break;
                    if (_latest.TryUpdate(fix.UnitId, fix, known)) { moved.Add(fix); break; }
                }
                else if (_latest.TryAdd(fix.UnitId, fix)) { moved.Add(fix); break; }
            }
        }
        return moved;
    }

    /// <summary>Hands moves to the pages, after the writer answered (never holding up the next flush).</summary>
    internal void Publish(IReadOnlyList<UnitFix>? moved)
    {
        if (moved is { Count: 0 }) return;
        _moves.Writer.TryWrite(moved);
    }

    /// <summary>Every unit's latest row (at start, and after the listener lost notices).</summary>
    internal async Task LoadAll(CancellationToken ct)
    {
        var fixes = await Read($"select unit_id, lat, lon, accuracy, reported_at from {PositionTables.Latest}", null, ct);
        Take(fixes);
        _log.LogInformation("Loaded the latest positions of {Count} units", fixes.Count);
    }

    /// <summary>The latest rows of some units (another node moved them).</summary>
    internal Task<IReadOnlyList<UnitFix>> Load(Guid[] units, CancellationToken ct) =>
        Read($"select unit_id, lat, lon, accuracy, reported_at from {PositionTables.Latest} where unit_id = any($1)", units, ct);

    async Task<IReadOnlyList<UnitFix>> Read(string sql, Guid[]? units, CancellationToken ct)
    {
        await using var command = _db.CreateCommand(sql);
        if (units is not null) command.Parameters.Add(new NpgsqlParameter { Value = units });
        await using var reader = await command.ExecuteReaderAsync(ct);
        var fixes = new List<UnitFix>();
        while (await reader.ReadAsync(ct))
            fixes.Add(new UnitFix(reader.GetGuid(0), reader.GetDouble(1), reader.GetDouble(2), reader.GetFloat(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        return fixes;
    }

    async Task Pump()
    {
        while (await _moves.Reader.WaitToReadAsync())
        {
            // Whatever piled up while the pages were busy goes as one list, each unit once (its newest fix).
            var merged = new Dictionary<Guid, UnitFix>();
            var reload = false;
            while (_moves.Reader.TryRead(out var moved))
            {
                if (moved is null) { reload = true; continue; }
                foreach (var fix in moved)
                    if (!merged.TryGetValue(fix.UnitId, out var known) || fix.ReportedAt > known.ReportedAt) merged[fix.UnitId] = fix;
            }
            try { await _subscribers.Publish(reload ? null : merged.Values.ToList()); }
            catch (Exception ex) { _log.LogWarning(ex, "Could not push {Count} moved units", merged.Count); }
        }
    }
}
