using Dispatch.Domain.Access;
using Dispatch.Domain.Units;
using Dispatch.Server.Incidents;
using Marten;

namespace Dispatch.Server.Units;

/// <summary>
/// Which units to send to an incident, for everyone who asks (the API and the incident drawer): the units the reader
/// may see (<see cref="AccessRules.MayRead(Actor, UnitScope)"/>), ranked by <see cref="UnitRecommendation.Recommend"/> against the
/// incident's coordinates with the stale cut-off <c>Dispatch:Units:StaleMinutes</c> (10 by default).
/// </summary>
public sealed class UnitRecommendations(IDocumentStore store, TimeProvider clock, IConfiguration configuration, Positions.UnitPositions positions)
{
    public const string StaleSetting = "Dispatch:Units:StaleMinutes";
    public const int DefaultStaleMinutes = 10;

    /// <summary>How old a position may be before the unit is left out as "position stale".</summary>
    public TimeSpan StaleAfter => TimeSpan.FromMinutes(configuration.GetValue(StaleSetting, DefaultStaleMinutes));

    /// <summary>A proposed unit whose position is at least this old carries a warning (half the stale cut-off).</summary>
    public TimeSpan CautionAfter => StaleAfter / 2;

    /// <summary>The capabilities present among <paramref name="units"/>, for a picker (none picked: any unit will do).</summary>
    public static IReadOnlyList<string> Capabilities(IEnumerable<UnitRosterEntry> units) =>
        units.SelectMany(u => u.Capabilities).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Ranks <paramref name="units"/> (already limited to the reader's scope) for an incident at <paramref name="card"/>'s
    /// coordinates, as of now; null when the incident has no coordinates yet.
    /// </summary>
    public Recommendation? Rank(IncidentCard card, IEnumerable<UnitRosterEntry> units, string? capability, TimeSpan? staleAfter = null) =>
        card.Location is { } location
            ? UnitRecommendation.Recommend(location, string.IsNullOrWhiteSpace(capability) ? null : capability.Trim(), clock.GetUtcNow(),
                staleAfter ?? StaleAfter, units.Select(u => u.ToUnit()))
            : null;

    /// <summary>
    /// When <paramref name="recommendation"/> next changes by time alone: the first proposed unit's position turning stale.
    /// </summary>
    public DateTimeOffset? NextChange(Recommendation recommendation, TimeSpan? staleAfter = null)
    {
        var stale = staleAfter ?? StaleAfter;
        if (recommendation.Proposed.Count == 0) return null;
        // Never past the calendar's end, whatever a stored fix says (a proposed fix is at most a little ahead of now).
        var first = recommendation.Proposed.Min(p => p.Unit.LastPosition!.ReportedAt);
        var margin = stale + TimeSpan.FromSeconds(1);
        return first > DateTimeOffset.MaxValue - margin ? null : first + margin;
    }

    /// <summary>The recommendation for one incident, after checking that <paramref name="actor"/> may read it.</summary>
    public async Task<RecommendationResult> For(Actor actor, Guid incidentId, string? capability, TimeSpan? staleAfter = null,
        CancellationToken ct = default)
    {
        await using var query = store.QuerySession();
        if (await query.LoadAsync<IncidentCard>(incidentId, ct) is not { } card) return new RecommendationResult.NotFound(incidentId);
        if (!AccessRules.Allows(actor, IncidentAction.Read, card.Scope())) return new RecommendationResult.Forbidden(card);
        var units = await UnitRosterQuery.InScope(query, actor, positions, ct);
        return Rank(card, units, capability, staleAfter) is { } recommendation
            ? new RecommendationResult.Ranked(card, recommendation, units)
            : new RecommendationResult.NoLocation(card, units);
    }
}

public abstract record RecommendationResult
{
    public sealed record NotFound(Guid Id) : RecommendationResult;
    /// <summary>The incident lies outside what the reader may see.</summary>
    public sealed record Forbidden(IncidentCard Card) : RecommendationResult;
    /// <summary>The incident has no coordinates yet: there is nothing to measure from (the units in scope still are).</summary>
    public sealed record NoLocation(IncidentCard Card, IReadOnlyList<UnitRosterEntry> Units) : RecommendationResult;
    /// <summary>The ranking, with the units in the reader's scope it was made from.</summary>
    public sealed record Ranked(IncidentCard Card, Recommendation Recommendation, IReadOnlyList<UnitRosterEntry> Units) : RecommendationResult;
}
