using Dispatch.Server.Live;
using Marten;
using Npgsql;

namespace Dispatch.Server.Situation;

/// <summary>
/// The surge cards' live push on this node: it LISTENs on <see cref="SituationFeed.SurgeChannel"/> ("this surge stream
/// changed"), loads the changed cards once per burst and hands them to <see cref="SituationFeed"/>.
/// </summary>
public sealed class SurgeFeed(NpgsqlDataSource db, IDocumentStore store, ILogger<SurgeFeed> log)
    : LiveFeed<Guid, SurgeCard>(db, SituationFeed.SurgeChannel, "surge", log)
{
    protected override bool TryRead(string payload, out Guid id) => Guid.TryParse(payload, out id);

    protected override async IAsyncEnumerable<SurgeCard> Load(IReadOnlyCollection<Guid> batch)
    {
        await using var query = store.QuerySession();
        foreach (var surge in await query.LoadManyAsync<SurgeCard>(CancellationToken.None, batch)) yield return surge;
    }

    protected override void LogFailure(Exception ex, IReadOnlyCollection<Guid> batch) =>
        Log.LogWarning(ex, "Could not load surges {Ids}", batch);
}
