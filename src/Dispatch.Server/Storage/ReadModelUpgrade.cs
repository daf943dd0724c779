using Dispatch.Server.Incidents;
using Marten;

namespace Dispatch.Server.Storage;

/// <summary>Which shape of the incident read models the database holds.</summary>
public sealed class ReadModelVersion
{
    public string Id { get; set; } = "incidents";
    public int Version { get; set; }
}

/// <summary>
/// Events are the truth; board cards and incident details are rebuilt from them whenever their shape changes
/// (<see cref="Current"/> goes up with the code). A database kept from an older version — the embedded run keeps
/// its incidents between runs — is brought up to date at start-up, before anyone reads it. Replaying is
/// idempotent, so two nodes starting at once only do the work twice.
/// </summary>
public sealed class ReadModelUpgrade(IDocumentStore store, ILogger<ReadModelUpgrade> log) : IHostedService
{
    /// <summary>
    /// 2: cards and details learned where access is decided (ScopePath, ReceivedAt).
    /// 3: command levels and deadlines. 4: details list every caller (Callers), for merged reports.
    /// 5: cards keep when they were accepted, resolved and closed (the situation screen's day totals).
    /// </summary>
    public const int Current = 5;

    public async Task StartAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var marker = await session.LoadAsync<ReadModelVersion>("incidents", ct);
        if (marker?.Version >= Current) return;
        var hasIncidents = await session.Query<IncidentCard>().AnyAsync(ct);
        if (hasIncidents)
        {
            var streams = await session.Query<IncidentCard>().Select(c => c.Id).ToListAsync(ct);
            var cards = new IncidentCardProjection();
            var details = new IncidentDetailProjection();
            foreach (var id in streams)
            {
                var events = await session.Events.FetchStreamAsync(id, token: ct);
                IncidentCard? card = null;
                IncidentDetail? detail = null;
                foreach (var e in events)
                {
                    card = cards.Evolve(card, id, e);
                    detail = details.Evolve(detail, id, e);
                }
                if (card is not null) session.Store(card);
                if (detail is not null) session.Store(detail);
            }
            log.LogInformation("Rebuilt the read models of {Count} incidents (version {From} → {To})", streams.Count, marker?.Version ?? 1, Current);
        }
        session.Store(new ReadModelVersion { Version = Current });
        await session.SaveChangesAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
