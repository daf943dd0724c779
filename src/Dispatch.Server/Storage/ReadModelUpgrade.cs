using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Domain.Warning;
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
/// (<see cref="Current"/> goes up with the code), and the write models' snapshots (incidents, units, surge pairs) are
/// built from their streams when the database predates them. A database kept from an older version — the embedded run keeps
/// its incidents between runs — is brought up to date at start-up, before anyone reads it. Replaying is
/// idempotent, so two nodes starting at once only do the work twice.
/// Stop every node of a version before 6 first: such a node appends events without updating the snapshots.
/// </summary>
public sealed class ReadModelUpgrade(IDocumentStore store, ILogger<ReadModelUpgrade> log) : IHostedService
{
    /// <summary>
    /// 2: cards and details learned where access is decided (ScopePath, ReceivedAt).
    /// 3: command levels and deadlines. 4: details list every caller (Callers), for merged reports.
    /// 5: cards keep when they were accepted, resolved and closed (the situation screen's day totals).
    /// 6: incidents, units and surge pairs are snapshot documents kept with each commit (the commands read them).
    /// </summary>
    public const int Current = 6;

    /// <summary>The last version that changed the cards' and details' shape: older databases rebuild them.</summary>
    const int CardsShape = 5;

    public async Task StartAsync(CancellationToken ct)
    {
        await using var session = store.LightweightSession();
        var marker = await session.LoadAsync<ReadModelVersion>("incidents", ct);
        var from = marker?.Version ?? 1;
        if (from >= Current) return;
        var incidents = await session.Query<IncidentCard>().Select(c => c.Id).ToListAsync(ct);
        if (from < CardsShape && incidents.Count > 0)
        {
            var cards = new IncidentCardProjection();
            var details = new IncidentDetailProjection();
            foreach (var id in incidents)
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
            log.LogInformation("Rebuilt the read models of {Count} incidents (version {From} → {To})", incidents.Count, from, Current);
        }
        // Before 6 the write models were folded live from their streams, so there are no snapshots: without them a
        // command would find no incident or unit. Every incident has a card, every unit a roster line, every surge pair a card.
        var snapshots = 0;
        foreach (var id in incidents) { await store.Advanced.RebuildSingleStreamAsync<Incident>(id, ct); snapshots++; }
        foreach (var id in await session.Query<Units.UnitRosterEntry>().Select(u => u.Id).ToListAsync(ct))
        { await store.Advanced.RebuildSingleStreamAsync<Unit>(id, ct); snapshots++; }
        foreach (var id in await session.Query<Situation.SurgeCard>().Select(s => s.Id).ToListAsync(ct))
        { await store.Advanced.RebuildSingleStreamAsync<SurgeState>(id, ct); snapshots++; }
        if (snapshots > 0) log.LogInformation("Built {Count} incident, unit and surge snapshots from their streams (version {From} → {To})", snapshots, from, Current);
        session.Store(new ReadModelVersion { Version = Current });
        await session.SaveChangesAsync(ct);
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;
}
