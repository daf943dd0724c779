using System.Globalization;
using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Units;

/// <summary>A unit worth sending: how far it is (metres, haversine) and how old its position is, with why.</summary>
public sealed record ProposedUnit(Unit Unit, double DistanceMeters, TimeSpan PositionAge, string Reason);

public enum LeftOutKind
{
    /// <summary>Not available: off duty, or on (or returning from) an incident.</summary>
    NotAvailable,
    /// <summary>Lacks the capability the incident needs.</summary>
    NoCapability,
    /// <summary>Has never reported a position.</summary>
    NoPosition,
    /// <summary>Its last position is older than the stale cut-off: it could be anywhere by now.</summary>
    PositionStale,
}

/// <summary>
/// A unit not proposed, and why ("dispatched to 20261123-0042", "off duty", "no fire-engine",
/// "position stale (12 min old)"). Stale units keep their (old) distance so a dispatcher can still weigh them.
/// </summary>
public sealed record LeftOutUnit(Unit Unit, LeftOutKind Kind, string Reason, double? DistanceMeters = null, TimeSpan? PositionAge = null);

public sealed record Recommendation(IReadOnlyList<ProposedUnit> Proposed, IReadOnlyList<LeftOutUnit> LeftOut);

/// <summary>
/// Which units to send to an incident: the available ones that can do the job and whose position is fresh,
/// nearest first. Everything else is listed apart with its reason, checked in this order: availability,
/// capability, position (none, or older than the cut-off). A position exactly as old as the cut-off is still fresh.
/// </summary>
public static class UnitRecommendation
{
    public static Recommendation Recommend(GeoPoint incident, string? capability, DateTimeOffset now, TimeSpan staleAfter,
        IEnumerable<Unit> units)
    {
        var proposed = new List<ProposedUnit>();
        var leftOut = new List<LeftOutUnit>();
        var needs = string.IsNullOrWhiteSpace(capability) ? null : capability.Trim();

        foreach (var unit in units)
        {
            if (unit.Status != UnitStatus.Available)
            {
                leftOut.Add(new(unit, LeftOutKind.NotAvailable, unit.Describe()));
                continue;
            }
            if (needs is not null && !unit.Can(needs))
            {
                leftOut.Add(new(unit, LeftOutKind.NoCapability, $"no {needs}"));
                continue;
            }
            if (unit.LastPosition is not { } position)
            {
                leftOut.Add(new(unit, LeftOutKind.NoPosition, "no position reported"));
                continue;
            }
            var distance = Geo.DistanceMeters(incident.Lat, incident.Lon, position.Lat, position.Lon);
            // A fix dated ahead of the clock by more than the skew a device may have (stored before fixes were checked)
            // says nothing of when the unit was there: it is no fresher than a stale one.
            if (position.ReportedAt > now + UnitDecider.ClockSkew)
            {
                leftOut.Add(new(unit, LeftOutKind.PositionStale, "position time unknown (dated in the future)", distance));
                continue;
            }
            var age = now - position.ReportedAt;
            if (age < TimeSpan.Zero) age = TimeSpan.Zero; // a device clock a little ahead
            if (age > staleAfter)
            {
                leftOut.Add(new(unit, LeftOutKind.PositionStale, $"position stale ({Age(age)} old)", distance, age));
                continue;
            }
            var reason = needs is null
                ? $"available, {Meters(distance)} away, position {Age(age)} old"
                : $"available with {needs}, {Meters(distance)} away, position {Age(age)} old";
            proposed.Add(new(unit, distance, age, reason));
        }

        return new(
            proposed.OrderBy(p => p.DistanceMeters).ThenBy(p => p.Unit.CallSign, StringComparer.Ordinal).ToArray(),
            leftOut.OrderBy(l => l.Kind).ThenBy(l => l.DistanceMeters ?? double.MaxValue)
                .ThenBy(l => l.Unit.CallSign, StringComparer.Ordinal).ToArray());
    }

    /// <summary>"850 m", "2.4 km".</summary>
    public static string Meters(double meters) => meters < 1000
        ? string.Create(CultureInfo.InvariantCulture, $"{Math.Round(meters):0} m")
        : string.Create(CultureInfo.InvariantCulture, $"{meters / 1000:0.0} km");

    /// <summary>"45 s", "12 min", "2 h 5 min" (rounded down).</summary>
    public static string Age(TimeSpan age) => age switch
    {
        { TotalMinutes: < 1 } => $"{(int)age.TotalSeconds} s",
        { TotalHours: < 1 } => $"{(int)age.TotalMinutes} min",
        _ => $"{(int)age.TotalHours} h {age.Minutes} min",
    };
}
