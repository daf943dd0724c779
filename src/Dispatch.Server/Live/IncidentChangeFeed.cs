using System.Text.Json;
using Dispatch.Server.Incidents;
using Marten;
using Microsoft.AspNetCore.SignalR;
using Npgsql;

namespace Dispatch.Server.Live;

/// <summary>
/// Carries "incident X is now at version N" from the commit to every console on every server node.
/// The command path queues a PostgreSQL NOTIFY in the commit's own transaction; PostgreSQL delivers it only if
/// the commit succeeds, to every node that LISTENs. Each node loads the changed cards once and fans them out
/// to its Blazor circuits (<see cref="Subscribe"/>; each board keeps what its user may see) and to the SignalR
/// groups of the card's jurisdiction (<see cref="BoardHub"/>).
/// Payloads are ids and versions, never documents (NOTIFY payloads must stay under 8 KB).
/// After the listener reconnects, hub clients are told to resync and subscribers get null.
/// </summary>
public sealed class IncidentChangeFeed(
    NpgsqlDataSource db,
    IDocumentStore store,
    IHubContext<BoardHub, IBoardClient<IncidentCard>> hub, BoardConnections connections,
    Jurisdictions.JurisdictionTree tree,
    OpenIncidents open,
    ILogger<IncidentChangeFeed> log) : LiveFeed<Guid, IncidentCard>(db, Channel, "board", log)
{
    public const string Channel = "dispatch_incident_changes";

    /// <summary>Queues the notice in the session's transaction; it is sent if and when the commit succeeds.</summary>
    /// <remarks>
    /// NOTIFY rather than <c>select pg_notify(…)</c>: a select's result set would be read by Marten's batch as
    /// another operation's result. The payload is built from a Guid and numbers only, so the literal is safe.
    /// The notice carries the commit's stamp (T, Unix ms; see <see cref="DispatchMetrics.Stamp"/>) for the listener lag and
    /// push latency metrics; a node that does not know T ignores it, and a notice without it is simply not measured.
    /// </remarks>
    public static void Notify(IDocumentSession session, Guid incidentId, long version) =>
        session.QueueSqlCommand($"NOTIFY {Channel}, '{JsonSerializer.Serialize(new Notice(incidentId, version, DispatchMetrics.Stamp()))}'");

    protected override bool TryRead(string payload, out Guid id) => TryRead(payload, out id, out _);

    protected override bool TryRead(string payload, out Guid id, out long committedAtMs)
    {
        var notice = JsonSerializer.Deserialize<Notice>(payload);
        (id, committedAtMs) = (notice?.Id ?? default, notice?.T ?? 0);
        return notice is not null;
    }

    protected override async IAsyncEnumerable<IncidentCard> Load(IReadOnlyCollection<Guid> batch)
    {
        await using var query = store.QuerySession();
        foreach (var card in await query.LoadManyAsync<IncidentCard>(CancellationToken.None, batch)) yield return card;
    }

    protected override void LogFailure(Exception ex, IReadOnlyCollection<Guid> batch) =>
        Log.LogError(ex, "Could not push {Count} changed incidents", batch.Count);

    protected override async Task Publish(IncidentCard? card)
    {
        // The node's shared board first, so a board that subscribes and then reads it misses nothing.
        if (card is null) open.Forget();
        else open.Apply(card);
        if (card is null) await hub.Clients.All.Resync();
        else
        {
            // Hub clients are grouped by scope: only those who may see the card get it, and those who saw it
            // before it moved out of their scope are told it left.
            var audience = BoardHub.Audience(card.ScopePath, card.LeadDepartment, tree, card.Assisting).ToList();
            await hub.Clients.Groups(audience).CardChanged(card);
            if (card.PreviousScopePath is not null || card.PreviousLeadDepartment is not null)
            {
                var before = BoardHub.Audience(card.PreviousScopePath ?? card.ScopePath, card.PreviousLeadDepartment ?? card.LeadDepartment, tree)
                    .Except(audience).ToList();
                // Only to connections that still see it in none of their groups (BoardConnections says why).
                if (before.Count > 0 && connections.LeftBy(before, audience) is { Count: > 0 } gone) await hub.Clients.Clients(gone).CardLeft(card.Id);
            }
        }
        await base.Publish(card);
    }

    sealed record Notice(Guid Id, long V, long T = 0);
}
