using Marten;

namespace Dispatch.Server.Incidents;

/// <summary>
/// The open incidents' cards, one copy per node, shared by every board on it. Why: each board used to load its own copy
/// of every open card (1,200 open incidents were 3.3 MB of cards per open board); cards are immutable records, so every
/// board can hold the same instances and keep only its own filtered, sorted list of references.
/// Loaded from the store on first use, then kept current by <see cref="Live.IncidentChangeFeed"/>, which applies each
/// change here before any board hears of it: a board that reads this after subscribing to the feed misses nothing (what
/// was published before is in here; what comes after reaches it as a push, and the newest version wins either way).
/// When the feed may have missed notices (<see cref="Forget"/>) the next reader loads afresh.
/// </summary>
public sealed class OpenIncidents(IDocumentStore store)
{
    readonly Lock _gate = new();
    readonly SemaphoreSlim _loading = new(1, 1);
    Dictionary<Guid, IncidentCard>? _cards;
    IReadOnlyList<IncidentCard>? _all;
    // Changes heard while a load runs: applied on top of what it read, as they may be newer.
    List<IncidentCard>? _heard;
    long _generation;
    // When the loaded copy was read from the store (a Stopwatch timestamp).
    long _readAt;

    /// <summary>Every open card, as of the last change this node heard; shared, immutable instances.</summary>
    public ValueTask<IReadOnlyList<IncidentCard>> All(CancellationToken ct = default) => ReadSince(long.MinValue, ct);

    /// <summary>
    /// The same, read from the store at <paramref name="since"/> (a <see cref="System.Diagnostics.Stopwatch"/> timestamp) or
    /// later: a console whose connection came back reloads from the store, once for every console that came back meanwhile.
    /// </summary>
    public async ValueTask<IReadOnlyList<IncidentCard>> ReadSince(long since, CancellationToken ct = default)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_cards is not null && _readAt >= since) return _all ??= [.. _cards.Values];
                if (_cards is not null) Forget();
            }
            await Load(ct);
        }
    }

    async Task Load(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            long generation;
            lock (_gate)
            {
                if (_cards is not null) return;
                _heard = [];
                generation = _generation;
            }
            var readAt = System.Diagnostics.Stopwatch.GetTimestamp();
            IReadOnlyList<IncidentCard> loaded;
            try
            {
                await using var query = store.QuerySession();
                loaded = await query.Query<IncidentCard>().Where(c => c.IsOpen).ToListAsync(ct);
            }
            catch
            {
                lock (_gate) _heard = null;
                throw;
            }
            lock (_gate)
            {
                var heard = _heard ?? [];
                _heard = null;
                // Forgotten meanwhile: what was read may predate missed changes; the caller loads again.
                if (generation != _generation) return;
                var cards = loaded.Where(c => c.IsOpen).ToDictionary(c => c.Id);
                foreach (var card in heard) Apply(cards, card);
                _cards = cards;
                _all = null;
                _readAt = readAt;
            }
        }
        finally { _loading.Release(); }
    }

    /// <summary>A change the feed loaded: the newer version replaces the card; a closed one leaves.</summary>
    public void Apply(IncidentCard card)
    {
        lock (_gate)
        {
            _heard?.Add(card);
            if (_cards is not null && Apply(_cards, card)) _all = null;
        }
    }

    /// <summary>Changes may have been missed (the feed's listener reconnected): the next reader loads from the store.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _generation++;
            _cards = null;
            _all = null;
        }
    }

    static bool Apply(Dictionary<Guid, IncidentCard> cards, IncidentCard card)
    {
        var known = cards.GetValueOrDefault(card.Id);
        if (known is not null && known.Version >= card.Version) return false;
        if (card.IsOpen) cards[card.Id] = card;
        else if (known is null || !cards.Remove(card.Id)) return false;
        return true;
    }
}
