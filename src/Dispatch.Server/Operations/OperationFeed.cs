using Dispatch.Domain.Operations;
using Dispatch.Server.Live;
using Marten;
using Npgsql;

namespace Dispatch.Server.Operations;

/// <summary>
/// "This operation changed" from the commit to every node: a NOTIFY in the declaring (or ending) transaction; each node
/// loads the operation once and hands it to <see cref="OperationBoard"/>.
/// </summary>
public sealed class OperationFeed(NpgsqlDataSource db, IDocumentStore store, ILogger<OperationFeed> log)
    : LiveFeed<Guid, Operation>(db, Channel, "operation", log)
{
    public const string Channel = "dispatch_operations";

    /// <summary>Queues the notice in the session's transaction (sent if the commit succeeds). The payload is a Guid only.</summary>
    public static void Notify(IDocumentSession session, Guid operationId) => session.QueueSqlCommand($"NOTIFY {Channel}, '{operationId}'");

    protected override bool TryRead(string payload, out Guid id) => Guid.TryParse(payload, out id);

    protected override async IAsyncEnumerable<Operation> Load(IReadOnlyCollection<Guid> batch)
    {
        await using var query = store.QuerySession();
        foreach (var operation in await query.LoadManyAsync<Operation>(CancellationToken.None, batch)) yield return operation;
    }

    protected override void LogFailure(Exception ex, IReadOnlyCollection<Guid> batch) =>
        Log.LogWarning(ex, "Could not load operations {Ids}", batch);
}
