using Dispatch.Domain.Incidents;
using Dispatch.Domain.Operations;
using Dispatch.Server.Storage;
using Marten;

namespace Dispatch.Server.Operations;

/// <summary>
/// The operation a report falls to, asked at the report's time: so an operation starts, ends and is ended by hand with no
/// timer, and a report is never routed by one that was already over. Read from the store for each report, not kept on
/// the node (an operation declared on another node counts from its commit, not from when this node hears of it); reports
/// asking at the same time share one read (<see cref="SharedRoundTrip{TRequest,TAnswer}"/>).
/// </summary>
public sealed class OperationsInForce
{
    readonly IDocumentStore _store;
    readonly SharedRoundTrip<DateTimeOffset, IReadOnlyList<Operation>> _reads;

    public OperationsInForce(IDocumentStore store)
    {
        _store = store;
        _reads = new(Read);
    }

    /// <summary>The operation in force at <paramref name="now"/> that covers the report's place, if any.</summary>
    public async Task<Operation?> At(GeoPoint? point, Place? place, DateTimeOffset now, CancellationToken ct)
    {
        if (place is null) return null;
        return Operation.For(await _reads.Ask(now, ct), point, place, now);
    }

    /// <summary>Every operation in force at any of the moments asked (few: operations are rare); each report picks its own.</summary>
    async Task<IReadOnlyList<IReadOnlyList<Operation>>> Read(IReadOnlyList<DateTimeOffset> moments)
    {
        var (first, last) = (moments.Min(), moments.Max());
        await using var query = _store.QuerySession();
        var candidates = await query.Query<Operation>()
            .Where(o => o.From <= last && o.Until > first && (o.EndedAt == null || o.EndedAt > first)).ToListAsync();
        return [.. moments.Select(_ => (IReadOnlyList<Operation>)candidates)];
    }
}
