using Dispatch.Domain;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;
using Marten;

namespace Dispatch.Server.Duplicates;

/// <summary>An open incident that a report may duplicate, and how far from the report it lies.</summary>
public sealed record DuplicateCandidate(
    Guid Id, string Number, string Category, IncidentState State, Urgency Urgency, string? Address, string Summary,
    DateTimeOffset ReportedAt, double DistanceMeters, long Version);

/// <summary>
/// Finds the open incidents a report may be a second call about: same category, reported within the window before
/// it, within the distance of it; nearest first, at most <see cref="MaxCandidates"/>, and only those the asking
/// person may read.
/// </summary>
public sealed class DuplicateFinder(IDocumentStore store, DuplicateRules rules)
{
    public const int MaxCandidates = 5;

    /// <summary>Mean earth radius (IUGG), in metres.</summary>

    public DuplicateRules Rules => rules;

    /// <summary>
    /// Candidates for a report of <paramref name="category"/> at <paramref name="at"/>, made at <paramref name="when"/>
    /// (now, at intake); <paramref name="exclude"/> leaves out the report's own incident.
    /// </summary>
    public async Task<IReadOnlyList<DuplicateCandidate>> Find(Actor reader, string category, GeoPoint at, DateTimeOffset when,
        Guid? exclude = null, CancellationToken ct = default)
    {
        var since = when - rules.Window;
        // A box around the point narrows the query; the exact distance is measured below.
        var latSpan = Degrees(rules.DistanceMeters / Geo.EarthRadiusMeters) * 1.01;
        var cosLat = Math.Cos(Radians(at.Lat));
        var lonSpan = cosLat < 0.01 ? 360 : latSpan / cosLat;
        var (south, north, west, east) = (at.Lat - latSpan, at.Lat + latSpan, at.Lon - lonSpan, at.Lon + lonSpan);
        var boxedLon = west >= -180 && east <= 180; // near the antimeridian, measure them all

        await using var query = store.QuerySession();
        var cards = query.Query<IncidentCard>().Where(c => c.IsOpen && c.Category == category
            && c.ReportedAt >= since && c.ReportedAt <= when
            && c.Location != null && c.Location.Lat >= south && c.Location.Lat <= north);
        if (boxedLon) cards = cards.Where(c => c.Location!.Lon >= west && c.Location.Lon <= east);
        if (exclude is { } excluded) cards = cards.Where(c => c.Id != excluded);

        return (await cards.ToListAsync(ct))
            .Where(c => AccessRules.Allows(reader, IncidentAction.Read, c.Scope()))
            .Select(c => (Card: c, Distance: Geo.DistanceMeters(at, c.Location!)))
            .Where(x => x.Distance <= rules.DistanceMeters)
            .OrderBy(x => x.Distance).ThenBy(x => x.Card.ReportedAt)
            .Take(MaxCandidates)
            .Select(x => new DuplicateCandidate(x.Card.Id, x.Card.Number, x.Card.Category, x.Card.State, x.Card.Urgency,
                x.Card.Address, x.Card.Summary, x.Card.ReportedAt, Math.Round(x.Distance), x.Card.Version))
            .ToList();
    }

    /// <summary>
    /// Candidates for an incident already filed: those reported before it that it may duplicate (a merge goes into the
    /// earlier incident). None once it is resolved (it is closed with its own caller), finished or merged, or when it
    /// has no coordinates.
    /// </summary>
    public Task<IReadOnlyList<DuplicateCandidate>> For(Actor reader, IncidentDetail incident, CancellationToken ct = default) =>
        incident is { Location: { } at } && !incident.State.IsFinished()
            ? Find(reader, incident.Category, at, incident.ReportedAt, incident.Id, ct)
            : Task.FromResult<IReadOnlyList<DuplicateCandidate>>([]);

    static double Radians(double degrees) => degrees * Math.PI / 180;
    static double Degrees(double radians) => radians * 180 / Math.PI;
}
