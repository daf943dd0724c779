using System.Globalization;
using Dispatch.Domain.Units;
using Dispatch.Server.Localization;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Components.Units;

/// <summary>
/// Units in the reader's language: statuses, distances, ages, capabilities and the reasons of a recommendation. The
/// domain gives its reasons in English (for the API and the logs); the console says the same from the same facts.
/// </summary>
public sealed class UnitWords(IStringLocalizer<Ui> text)
{
    public string Status(UnitStatus status) => text[$"units.status.{status}"];

    /// <summary>"off duty", "dispatched to 20261123-0042", in the reader's language.</summary>
    public string Describe(UnitStatus status, string? incidentNumber) => text[$"units.describe.{status}", incidentNumber ?? "—"];

    /// <summary>"850 m", "2.4 km".</summary>
    public string Distance(double meters) => meters < 1000
        ? text["units.distance.m", Math.Round(meters).ToString("0", CultureInfo.InvariantCulture)]
        : text["units.distance.km", (meters / 1000).ToString("0.0", CultureInfo.InvariantCulture)];

    /// <summary>"45 s", "12 min", "2 h 5 min" (rounded down, as <see cref="UnitRecommendation.Age"/>).</summary>
    public string Age(TimeSpan age) => age switch
    {
        { TotalMinutes: < 1 } => text["units.age.s", (int)Math.Max(0, age.TotalSeconds)],
        { TotalHours: < 1 } => text["units.age.min", (int)age.TotalMinutes],
        _ => text["units.age.h", (int)age.TotalHours, age.Minutes],
    };

    /// <summary>"position 6 min old · 1.9 km away", or null when the unit carries no warning.</summary>
    public string? Caution(UnitCaution caution) => caution.Any
        ? string.Join(" · ", new[]
        {
            caution.OldAge is { } age ? text["units.caution.old", Age(age)].Value : null,
            caution.FarMeters is { } far ? text["units.caution.far", Distance(far)].Value : null,
        }.OfType<string>())
        : null;

    /// <summary>A capability by name where the console knows it (<c>medic</c> → 医护), else as registered.</summary>
    public string Capability(string capability) =>
        text[$"units.capability.{capability.ToLowerInvariant()}"] is { ResourceNotFound: false } known ? known.Value : capability;

    public string Capabilities(IEnumerable<string> capabilities) => string.Join(", ", capabilities.Select(Capability));

    /// <summary>Why a unit is proposed: free, and with the capability asked for.</summary>
    public string Proposed(string? capability) =>
        string.IsNullOrWhiteSpace(capability) ? text["units.reason.available"] : text["units.reason.available-with", Capability(capability.Trim())];

    /// <summary>Why a unit is left out: busy or off duty, lacking the capability, never located, or located too long ago.</summary>
    public string LeftOut(LeftOutUnit unit, string? capability) => unit.Kind switch
    {
        LeftOutKind.NotAvailable => Describe(unit.Unit.Status, unit.Unit.IncidentNumber),
        LeftOutKind.NoCapability => text["units.left.no-capability", Capability(capability?.Trim() ?? "")],
        LeftOutKind.NoPosition => text["units.left.no-position"],
        LeftOutKind.PositionStale when unit.PositionAge is null => text["units.left.stale-future"],
        LeftOutKind.PositionStale => text["units.left.stale", Age(unit.PositionAge ?? TimeSpan.Zero)],
        _ => unit.Reason,
    };
}
