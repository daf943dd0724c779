using System.Text.Json;
using System.Threading.Channels;
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
/// </summary>
public sealed class IncidentChangeFeed(
    NpgsqlDataSource db,
    IDocumentStore store,
    IHubContext<BoardHub, IBoardClient<IncidentCard>> hub,
    Jurisdictions.JurisdictionTree tree,
    ILogger<IncidentChangeFeed> log) : BackgroundService
{
    public const string Channel = "dispatch_incident_changes";

    readonly Channel<Guid> _changed = System.Threading.Channels.Channel.CreateUnbounded<Guid>(new() { SingleReader = true });
    readonly Subscribers<IncidentCard?> _subscribers = new(log, "board");
    NotificationListener? _listener;

    /// <summary>Queues the notice in the session's transaction; it is sent if and when the commit succeeds.</summary>
    /// <remarks>
    /// NOTIFY rather than <c>select pg_notify(…)</c>: a select's result set would be read by Marten's batch as
    /// another operation's result. The payload is built from a Guid and a number only, so the literal is safe.
    /// </remarks>
    public static void Notify(IDocumentSession session, Guid incidentId, long version) =>
        session.QueueSqlCommand($"NOTIFY {Channel}, '{JsonSerializer.Serialize(new Notice(incidentId, version))}'");

    /// <summary>
    /// Calls <paramref name="onChange"/> with each changed card, and with null when changes may have been
    /// missed (the listener lost its connection) so the subscriber reloads what it shows.
    /// </summary>
    public IDisposable Subscribe(Func<IncidentCard?, Task> onChange) => _subscribers.Add(onChange);

    public override async Task StartAsync(CancellationToken ct)
    {
        _listener = new NotificationListener(db, [Channel],
            (_, payload) =>
            {
                if (JsonSerializer.Deserialize<Notice>(payload) is { } notice) _changed.Writer.TryWrite(notice.Id);
            },
            // Notices sent while the listener was away are gone: tell every view to reload.
            () => Publish(null), log);
        await _listener.StartAsync(ct);
        await base.StartAsync(ct);
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        var fanOut = FanOut(ct);
        await _listener!.RunAsync(ct);
        _changed.Writer.TryComplete();
        await fanOut;
    }

    async Task FanOut(CancellationToken ct)
    {
        var batch = new HashSet<Guid>();
        while (await _changed.Reader.WaitToReadAsync(CancellationToken.None))
        {
            // Take whatever has arrived: a burst becomes one query.
            batch.Clear();
            while (batch.Count < 500 && _changed.Reader.TryRead(out var id)) batch.Add(id);
            try
            {
                await using var query = store.QuerySession();
                var cards = await query.LoadManyAsync<IncidentCard>(CancellationToken.None, batch);
                foreach (var card in cards) await Publish(card);
            }
            catch (Exception ex)
            {
                log.LogError(ex, "Could not push {Count} changed incidents", batch.Count);
            }
        }
    }

    async Task Publish(IncidentCard? card)
    {
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
                if (before.Count > 0) await hub.Clients.Groups(before).CardLeft(card.Id);
            }
        }
        await _subscribers.Publish(card);
    }

    sealed record Notice(Guid Id, long V);
}
