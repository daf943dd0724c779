using Dispatch.Domain.Access;
using Marten;

namespace Dispatch.Server.Incidents;

/// <summary>The open incidents a person may see: each reading role's scope, and for departments only what they lead.</summary>
public static class BoardQuery
{
    public static async Task<IReadOnlyList<IncidentCard>> Visible(IQuerySession query, Actor actor, CancellationToken ct = default)
    {
        var found = new Dictionary<Guid, IncidentCard>();
        // One query per role held (people hold one or two): each a plain prefix test on the scope path.
        foreach (var grant in AccessRules.GrantsFor(actor, IncidentAction.Read).Distinct())
        {
            var cards = query.Query<IncidentCard>().Where(c => c.IsOpen);
            if (grant.Scope.Contains('/'))
            {
                var (scope, under) = (grant.Scope, grant.Scope + "/");
                cards = cards.Where(c => c.ScopePath == scope || c.ScopePath.StartsWith(under));
            }
            if (Grant.NeedsDepartment(grant.Role))
            {
                var department = grant.Department;
                cards = cards.Where(c => c.LeadDepartment == department || c.Assisting.Contains(department!));
            }
            foreach (var card in await cards.ToListAsync(ct))
                if (AccessRules.Allows(actor, IncidentAction.Read, card.Scope())) found[card.Id] = card;
        }
        return [.. found.Values];
    }
}
