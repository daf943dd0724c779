using Marten;

namespace Dispatch.Server.Identity;

/// <summary>
/// People by the names they have in the identity store, for every screen that shows who did something (the timeline,
/// chat's direct channels, the unit's phone): one resolver, so a login is shown as a name everywhere or nowhere. A login
/// with no account (a background watch, an API client) has no name and is shown as it is.
/// </summary>
public sealed class PeopleNames(IDocumentStore store)
{
    public async Task<IReadOnlyDictionary<string, string>> Of(IEnumerable<string> logins, CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        return await Of(query, logins, ct);
    }

    public static async Task<Dictionary<string, string>> Of(IQuerySession query, IEnumerable<string> logins, CancellationToken ct = default)
    {
        var ids = logins.Where(l => !string.IsNullOrWhiteSpace(l)).Distinct().ToArray();
        return ids.Length == 0 ? [] : (await query.LoadManyAsync<UserAccount>(ct, ids)).Where(u => !string.IsNullOrWhiteSpace(u.Name))
            .ToDictionary(u => u.Id, u => u.Name);
    }
}
