using Dispatch.Domain.Units;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Units;

/// <summary>One line of the unit roster: who the unit is, what it does now, where it was last seen.</summary>
public sealed record UnitRosterEntry
{
    public Guid Id { get; init; }
    public string CallSign { get; init; } = "";
    public string Department { get; init; } = "";
    public string HomePath { get; init; } = "";
    public IReadOnlyList<string> Capabilities { get; init; } = [];
    public UnitStatus Status { get; init; }
    public Guid? IncidentId { get; init; }
    public string? IncidentNumber { get; init; }
    public double? Lat { get; init; }
    public double? Lon { get; init; }
    public double? Accuracy { get; init; }
    public DateTimeOffset? PositionAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long Version { get; init; }
}

public static class UnitRosterState
{
    /// <summary>The unit as the rules see it, from its roster line (enough to rank it; members are not needed).</summary>
    public static Unit ToUnit(this UnitRosterEntry u) => new(u.Id, u.CallSign, u.Department, u.HomePath, u.Capabilities, [],
        u.Status, u.IncidentId, u.IncidentNumber,
        u is { Lat: { } lat, Lon: { } lon, PositionAt: { } at } ? new KeptPosition(lat, lon, u.Accuracy ?? 0, at, u.Status) : null);
}

/// <summary>The roster line, kept with each commit (inline), through the domain's own fold.</summary>
public sealed class UnitRosterProjection : SingleStreamProjection<UnitRosterEntry, Guid>
{
    public override UnitRosterEntry? Evolve(UnitRosterEntry? entry, Guid id, IEvent e)
    {
        var next = e.Data switch
        {
            UnitRegistered r => new UnitRosterEntry
            {
                Id = r.UnitId, CallSign = r.CallSign, Department = r.Department, HomePath = r.HomePath,
                Capabilities = r.Capabilities, Status = UnitStatus.OffDuty,
            },
            _ when entry is null => null,
            UnitWentOnDuty => entry with { Status = UnitStatus.Available },
            UnitWentOffDuty => entry with { Status = UnitStatus.OffDuty },
            UnitDispatched d => entry with { Status = UnitStatus.Dispatched, IncidentId = d.IncidentId, IncidentNumber = d.IncidentNumber },
            UnitEnRoute => entry with { Status = UnitStatus.EnRoute },
            UnitOnScene => entry with { Status = UnitStatus.OnScene },
            UnitReturning => entry with { Status = UnitStatus.Returning },
            UnitAvailable => entry with { Status = UnitStatus.Available, IncidentId = null, IncidentNumber = null },
            UnitPositionReported p => entry with { Lat = p.Lat, Lon = p.Lon, Accuracy = p.AccuracyMeters, PositionAt = p.ReportedAt },
            _ => entry,
        };
        return next is null ? null : next with
        {
            Version = e.Version,
            UpdatedAt = e.Data is IUnitEvent u ? u.At : next.UpdatedAt,
        };
    }
}

/// <summary>Marten's live aggregation of a unit stream, through the domain's own fold.</summary>
public sealed class UnitAggregation : SingleStreamProjection<Unit, Guid>
{
    public override Unit? Evolve(Unit? snapshot, Guid id, IEvent e) => Unit.Evolve(snapshot, e.Data);
}
