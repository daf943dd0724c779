using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Dispatch.Server.Units;
using JasperFx.Events;
using Marten;
using Npgsql;

namespace Dispatch.Server.Rewind;

/// <summary>
/// The board's cards and the roster's lines folded event by event with the live read models' own folds, from a keyframe on
/// (or from nothing). A keyframe leaves out the cards closed before its day: should a later event touch one of those (a
/// case reopened days after, a note on an old one), its stream is read up to the keyframe first, so the card goes on from
/// exactly where the fold from the first event would have it. Used by the rewinds and by the keyframes' keeper alike.
/// </summary>
public sealed class RecordFold
{
    static readonly IncidentCardProjection CardFold = new();
    static readonly UnitRosterProjection RosterFold = new();

    readonly bool _cards, _units;
    /// <summary>Streams without a card whose past before the keyframe was looked at (or that began after it).</summary>
    readonly HashSet<Guid> _known = [];

    public RecordFold(Dictionary<Guid, IncidentCard>? cards, Dictionary<Guid, UnitRosterEntry>? units, long sequence, bool foldCards = true, bool foldUnits = true)
    {
        From = sequence;
        Cards = cards ?? [];
        Units = units ?? [];
        Sequence = sequence;
        _cards = foldCards;
        _units = foldUnits;
    }

    /// <summary>
    /// The event types this fold needs, or null for every one. The roster alone needs only the unit events (what
    /// <see cref="UnitRosterProjection"/> folds): a rewind of the units then never reads the incidents' or the chat's.
    /// The cards need an incident stream's every event (a keyframe's left-out cards are completed from any of them).
    /// </summary>
    public IReadOnlyList<Type>? Reads => _cards ? null : UnitEventTypes;

    /// <summary>Every kind of event a unit's stream holds (<see cref="IUnitEvent"/>): found, not listed, so a new one is never missed.</summary>
    public static readonly IReadOnlyList<Type> UnitEventTypes =
        [.. typeof(IUnitEvent).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IUnitEvent).IsAssignableFrom(t))];

    public Dictionary<Guid, IncidentCard> Cards { get; }
    public Dictionary<Guid, UnitRosterEntry> Units { get; }
    /// <summary>The sequence the fold started after (its keyframe's, or 0).</summary>
    public long From { get; }
    /// <summary>The last event folded in.</summary>
    public long Sequence { get; private set; }
    /// <summary>Events folded in since the start, and streams read back to complete a card the keyframe left out.</summary>
    public long Folded { get; private set; }
    /// <summary>The record times of the first and the last event folded in.</summary>
    public DateTimeOffset FirstAt { get; private set; }
    public DateTimeOffset LastAt { get; private set; }
    public int Completed { get; private set; }

    /// <summary>Folds a page of events, oldest first, all after <see cref="Sequence"/>.</summary>
    public async Task Apply(IReadOnlyList<IEvent> page, IDocumentStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        if (_cards) await CompleteLeftOut(page, store, db, ct);
        foreach (var e in page)
        {
            if (_cards) FoldCard(e);
            if (_units && e.Data is IUnitEvent && RosterFold.Evolve(Units.GetValueOrDefault(e.StreamId), e.StreamId, e) is { } line) Units[e.StreamId] = line;
            if (Folded == 0) FirstAt = e.Timestamp;
            (Sequence, LastAt) = (e.Sequence, e.Timestamp);
            Folded++;
        }
    }

    void FoldCard(IEvent e)
    {
        var before = Cards.GetValueOrDefault(e.StreamId);
        if (before is null && e.Data is not IncidentReported) return;
        if (CardFold.Evolve(before, e.StreamId, e) is { } after) Cards[e.StreamId] = after;
        _known.Add(e.StreamId);
    }

    /// <summary>
    /// Streams met here first with an event that is not their first, without a card and not a unit: if one was ever reported
    /// as an incident, its card was left out of the keyframe (closed before the keyframe's day); fold it up to there.
    /// </summary>
    async Task CompleteLeftOut(IReadOnlyList<IEvent> page, IDocumentStore store, NpgsqlDataSource db, CancellationToken ct)
    {
        var firstVersion = new Dictionary<Guid, long>();
        foreach (var e in page)
        {
            var id = e.StreamId;
            if (firstVersion.ContainsKey(id) || Cards.ContainsKey(id) || Units.ContainsKey(id) || _known.Contains(id)) continue;
            if (e.Data is IUnitEvent) continue; // a unit's stream is never an incident's
            firstVersion[id] = e.Version;
        }
        var unknown = firstVersion.Where(p => p.Value > 1).Select(p => p.Key).ToArray();
        foreach (var id in firstVersion.Keys) _known.Add(id);
        if (unknown.Length == 0) return;
        var reported = new List<Guid>();
        await using (var command = db.CreateCommand("select distinct stream_id from dispatch.mt_events where stream_id = any($1) and type = $2"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = unknown });
            command.Parameters.Add(new NpgsqlParameter { Value = ReportedType });
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) reported.Add(reader.GetGuid(0));
        }
        if (reported.Count == 0) return;
        await using var query = store.QuerySession();
        foreach (var id in reported)
        {
            IncidentCard? card = null;
            foreach (var e in await query.Events.FetchStreamAsync(id, version: firstVersion[id] - 1, token: ct))
            {
                if (card is null && e.Data is not IncidentReported) continue;
                card = CardFold.Evolve(card, id, e) ?? card;
            }
            if (card is not null) Cards[id] = card;
            Completed++;
        }
    }

    /// <summary>The store's name for <see cref="IncidentReported"/> (the convention Marten names it by in mt_events.type).</summary>
    static readonly string ReportedType = EventTypeExtensions.GetEventTypeName(typeof(IncidentReported));

    /// <summary>Leaves out the cards closed before <paramref name="dayStart"/> (a keyframe of that day does not keep them).</summary>
    public void DropClosedBefore(DateTimeOffset dayStart)
    {
        foreach (var card in Cards.Values.Where(c => !c.IsOpen && c.UpdatedAt < dayStart).ToList())
        {
            Cards.Remove(card.Id);
            _known.Remove(card.Id);
        }
    }
}
