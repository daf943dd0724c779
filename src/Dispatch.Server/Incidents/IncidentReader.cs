using Dispatch.Domain.Access;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.Incidents;

/// <summary>Hands out the reader for a person (<see cref="IncidentReader"/>); one per node.</summary>
public sealed class IncidentReaders(IDocumentStore store, Pipeline.CommandPipeline pipeline)
{
    public IncidentReader For(Actor actor) => new(store, pipeline, actor);
}

/// <summary>
/// What one person may read of incidents, asked in one place: the board in their scope, an incident's detail with the
/// caller masked as they must see it, one incident by id or number, and which pushed card changes concern them.
/// A read they may not do answers as not found, or is denied and kept in the audit trail where the caller asked for it.
/// A unit also reads the incident it is on, wherever that lies (crew access, as <see cref="IncidentService"/> lets it work there).
/// </summary>
public sealed class IncidentReader(IDocumentStore store, Pipeline.CommandPipeline pipeline, Actor actor)
{
    public Actor Actor => actor;

    /// <summary>Whether any role of the person reads incidents at all (the board and its link).</summary>
    public bool ReadsIncidents => AccessRules.GrantsFor(actor, IncidentAction.Read).Any();

    /// <summary>
    /// Where the person reads: one node of the tree per reading role, with the department for handlers and units. The board
    /// query and the hub's groups (<see cref="Live.BoardHub.Group"/>) are both cut along these.
    /// </summary>
    public IReadOnlyList<(string Path, string? Department)> Scopes =>
        [.. AccessRules.GrantsFor(actor, IncidentAction.Read).Select(g => (g.Scope, Grant.NeedsDepartment(g.Role) ? g.Department : null)).Distinct()];

    /// <summary>
    /// The push filter: whether a changed card belongs on this person's board. The same rule as <see cref="Board"/>:
    /// open, and readable in their scope.
    /// </summary>
    public bool Sees(IncidentCard card) => card.IsOpen && AccessRules.Allows(actor, IncidentAction.Read, card.Scope());

    /// <summary>The open incidents on the person's board.</summary>
    public async Task<IReadOnlyList<IncidentCard>> Board(CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await Board(query, ct);
    }

    /// <summary>The board from the node's shared open cards (<see cref="OpenIncidents"/>): no query of its own.</summary>
    /// With <paramref name="since"/>, read from the store at that moment or later (<see cref="OpenIncidents.ReadSince"/>).
    public async Task<IReadOnlyList<IncidentCard>> Board(OpenIncidents open, long? since = null, CancellationToken ct = default) =>
        [.. (await open.ReadSince(since ?? long.MinValue, ct)).Where(Sees)];

    /// <summary>The board, read through a session the caller already holds.</summary>
    public async Task<IReadOnlyList<IncidentCard>> Board(IQuerySession query, CancellationToken ct = default)
    {
        var found = new Dictionary<Guid, IncidentCard>();
        // One query per reading role (people hold one or two): each a plain prefix test on the scope path.
        foreach (var (path, department) in Scopes)
        {
            var cards = query.Query<IncidentCard>().Where(c => c.IsOpen);
            if (path.Contains('/'))
            {
                var under = path + "/";
                cards = cards.Where(c => c.ScopePath == path || c.ScopePath.StartsWith(under));
            }
            if (department is not null) cards = cards.Where(c => c.LeadDepartment == department || c.Assisting.Contains(department));
            foreach (var card in await cards.ToListAsync(ct))
                if (Sees(card)) found[card.Id] = card;
        }
        return [.. found.Values];
    }

    /// <summary>
    /// An incident's card by id, if the person may read it (in scope, or their unit is on it); else null, as if there
    /// were none: numbers outside one's scope are not confirmed.
    /// </summary>
    public async Task<IncidentCard?> Card(Guid id, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<IncidentCard>(id, ct) is { } card && await MayRead(card.Scope(), card, ct) ? card : null;
    }

    /// <summary>An incident's card by its number (#20261123-0042), under the same rule as <see cref="Card(Guid, CancellationToken)"/>.</summary>
    public async Task<IncidentCard?> Card(string number, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await query.Query<IncidentCard>().FirstOrDefaultAsync(c => c.Number == number, ct) is { } card && await MayRead(card.Scope(), card, ct)
            ? card
            : null;
    }

    /// <summary>
    /// An incident as this person may see it, caller masked unless the rules show it. With <paramref name="auditDenied"/>
    /// a read outside their rights is logged and kept in the audit trail; the denial says why.
    /// </summary>
    public async Task<IncidentRead> Detail(Guid id, bool auditDenied = true, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        if (await query.LoadAsync<IncidentDetail>(id, ct) is not { } detail) return new IncidentRead.NotFound();
        if (await MayRead(detail.Scope(), null, ct, () => query.LoadAsync<IncidentCard>(id, ct))) return new IncidentRead.Shown(detail.For(actor));
        return new IncidentRead.Denied(auditDenied ? await DenyRead(detail, ct) : null);
    }

    /// <summary>A read outside the person's rights: logged and audited as the pipeline does a refused command.</summary>
    Task<Denial> DenyRead(IncidentDetail detail, CancellationToken ct)
    {
        var scope = detail.Scope().Path;
        return pipeline.Deny(actor, via: null, "incident.read", scope,
            $"{actor.Login} may not read incident {detail.Number}: it lies at {(scope.Length == 0 ? "the city" : scope)}, outside what your roles cover.",
            detail.Id, detail.Number, ct);
    }

    async Task<bool> MayRead(IncidentScope scope, IncidentCard? card, CancellationToken ct, Func<Task<IncidentCard?>>? loadCard = null)
    {
        if (AccessRules.Allows(actor, IncidentAction.Read, scope)) return true;
        if (!actor.Has(Role.FieldUnit) || await UnitOf(ct) is not { } unit) return false;
        card ??= loadCard is null ? null : await loadCard();
        return card is not null && card.Units.Any(u => u.Id == unit.Id);
    }

    async Task<UnitRosterEntry?> UnitOf(CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.SignedInAs(actor.Login, ct);
    }
}

/// <summary>What reading one incident gave: the detail as the reader sees it, nothing, or a denial (audited when asked).</summary>
public abstract record IncidentRead
{
    public sealed record Shown(IncidentDetail Detail) : IncidentRead;
    public sealed record NotFound : IncidentRead;
    public sealed record Denied(Denial? Denial) : IncidentRead;
}
