using Dispatch.Domain.Access;
using Dispatch.Domain.Operations;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Marten;

namespace Dispatch.Server.Operations;

/// <summary>An operation with the count of its incidents still open and those finished.</summary>
public sealed record OperationTally(Operation Operation, int Open, int Closed);

/// <summary>
/// This node's picture of the operations for the live screens (the situation banner, the operations page): every
/// operation not long over, with its incidents open and finished, kept from the pushes (<see cref="OperationFeed"/>,
/// <see cref="IncidentChangeFeed"/>). Loaded from the store on first use and after a missed notice. Which of them are in
/// force is the reader's question at its own time (<see cref="Operation.InForceAt"/>): no timer here.
/// </summary>
public sealed class OperationBoard(IDocumentStore store, OperationFeed operations, IncidentChangeFeed incidents, TimeProvider clock,
    ILogger<OperationBoard> log) : IHostedService
{
    /// <summary>How long an operation stays on the screens after it is over.</summary>
    public static readonly TimeSpan KeptAfter = TimeSpan.FromHours(12);

    readonly Lock _gate = new();
    readonly Subscribers<bool> _screens = new(log, "operations");
    Dictionary<Guid, Operation>? _operations;
    readonly Dictionary<Guid, (Guid Operation, bool Open)> _incidents = [];
    IDisposable? _a, _b;

    public Task StartAsync(CancellationToken ct)
    {
        _a = operations.Subscribe(async o =>
        {
            lock (_gate) { if (o is null) _operations = null; else if (_operations is not null) _operations[o.Id] = o; }
            await _screens.Publish(true);
        });
        _b = incidents.Subscribe(async card =>
        {
            if (card is null) { lock (_gate) _operations = null; await _screens.Publish(true); return; }
            if (card.OperationId is not { } op) return;
            lock (_gate) _incidents[card.Id] = (op, card.IsOpen);
            await _screens.Publish(true);
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct)
    {
        _a?.Dispose();
        _b?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Calls <paramref name="onChanged"/> after an operation or one of its incidents changed.</summary>
    public IDisposable Subscribe(Func<Task> onChanged) => _screens.Add(_ => onChanged());

    /// <summary>The operations <paramref name="reader"/> may see that are scheduled, running or over less than <see cref="KeptAfter"/>.</summary>
    public async Task<IReadOnlyList<OperationTally>> Current(Actor reader, CancellationToken ct = default)
    {
        await Loaded(ct);
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            var counts = _incidents.Values.GroupBy(i => i.Operation).ToDictionary(g => g.Key, g => (Open: g.Count(i => i.Open), Closed: g.Count(i => !i.Open)));
            return [.. _operations!.Values
                .Where(o => now - o.Ends < KeptAfter && OperationAccess.MayRead(reader, o.Desk))
                .OrderBy(o => o.IsOverAt(now)).ThenBy(o => o.From).ThenBy(o => o.Name, StringComparer.Ordinal)
                .Select(o => counts.TryGetValue(o.Id, out var c) ? new OperationTally(o, c.Open, c.Closed) : new OperationTally(o, 0, 0))];
        }
    }

    async Task Loaded(CancellationToken ct)
    {
        lock (_gate) if (_operations is not null) return;
        await using var query = store.QuerySession();
        var since = clock.GetUtcNow() - KeptAfter;
        var loaded = await query.Query<Operation>().Where(o => o.Until > since).ToListAsync(ct);
        var ids = loaded.Select(o => (Guid?)o.Id).ToArray();
        var tagged = ids.Length == 0 ? [] : await query.Query<IncidentCard>().Where(c => ids.Contains(c.OperationId))
            .Select(c => new { c.Id, c.OperationId, c.IsOpen }).ToListAsync(ct);
        lock (_gate)
        {
            _operations = loaded.ToDictionary(o => o.Id);
            foreach (var c in tagged) _incidents[c.Id] = (c.OperationId!.Value, c.IsOpen);
        }
    }
}
