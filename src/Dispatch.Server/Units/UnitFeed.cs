using Dispatch.Server.Live;
using Marten;
using Npgsql;

namespace Dispatch.Server.Units;

/// <summary>
/// The units' side of live push on this node. It LISTENs on two channels: <see cref="UnitMailbox.Channel"/> (a unit has
/// new messages, or someone signed out) drives the mailbox; <see cref="Channel"/> (a unit's roster line changed: status,
/// incident; positions are telemetry and come from Positions.UnitPositions, overlaid here) is loaded once per burst and handed to the pages that show units (roster, map).
/// </summary>
public sealed class UnitFeed(NpgsqlDataSource db, IDocumentStore store, UnitMailbox mailbox, Positions.UnitPositions positions, ILogger<UnitFeed> log)
    : LiveFeed<Guid, UnitRosterEntry>(db, Channel, "unit", log)
{
    public const string Channel = "dispatch_unit_changes";

    /// <summary>Queues "this unit's roster line changed" in the session's transaction (sent if the commit succeeds).</summary>
    public static void Notify(IDocumentSession session, Guid unitId) => session.QueueSqlCommand($"NOTIFY {Channel}, '{unitId}'");

    protected override bool TryRead(string payload, out Guid id) => Guid.TryParse(payload, out id);

    protected override async IAsyncEnumerable<UnitRosterEntry> Load(IReadOnlyCollection<Guid> batch)
    {
        await using var query = store.QuerySession();
        foreach (var unit in await query.LoadManyAsync<UnitRosterEntry>(CancellationToken.None, batch)) yield return positions.Overlay(unit);
    }

    protected override void LogFailure(Exception ex, IReadOnlyCollection<Guid> batch) =>
        Log.LogError(ex, "Could not push {Count} changed units", batch.Count);

    // The mailbox rides on the same connection: its notices are pumped as they come, each unit in turn (UnitMailbox).
    protected override IReadOnlyList<string> OtherChannels => [UnitMailbox.Channel];

    protected override void OnOther(string channel, string payload) => _ = Pump(payload);

    async Task Pump(string payload)
    {
        try { await mailbox.OnNotice(payload); }
        catch (Exception ex) { Log.LogWarning(ex, "Unit mailbox notice {Payload} failed", payload); }
    }

    /// <summary>After the listener was away: the mailboxes catch up first, then the pages reload.</summary>
    protected override async Task Missed()
    {
        await mailbox.PumpAll();
        await base.Missed();
    }
}
