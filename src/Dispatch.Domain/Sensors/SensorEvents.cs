using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Sensors;

// A device's life in the registry, and what its alarms leave on an incident. Readings themselves are telemetry, not
// events: only an alarm or a recovery changes an incident's record (DESIGN.md, "high-rate telemetry").

/// <summary>What every step of a device's record carries: which device, who, when.</summary>
public interface IDeviceEvent
{
    Guid DeviceId { get; }
    string By { get; }
    DateTimeOffset At { get; }
}

/// <summary>Which side of its level a measure alarms on.</summary>
public enum Bound { Above, Below }

/// <summary>
/// One measure's rule: it alarms past <paramref name="Level"/> (above or below it) and counts as recovered once back at
/// <paramref name="Recovery"/> (on the safe side of the level: the gap keeps a value hovering at the level from flapping).
/// </summary>
public sealed record Threshold(string Measure, Bound Alarm, double Level, double Recovery);

/// <summary>What an administrator keeps of a device: every field of the registry but its key.</summary>
/// <param name="Place">Where its location lies in the jurisdiction tree: the jurisdiction it reports for.</param>
/// <param name="SilenceMinutes">How long it may go without a reading before it is flagged silent.</param>
public sealed record DeviceSettings(
    string Name, string Type, GeoPoint Location, Place Place, IReadOnlyList<Threshold> Thresholds, string Department,
    string Category, Urgency Urgency, int SilenceMinutes);

public sealed record DeviceRegistered(Guid DeviceId, DeviceSettings Settings, string By, DateTimeOffset At) : IDeviceEvent;

public sealed record DeviceChanged(Guid DeviceId, DeviceSettings Settings, string By, DateTimeOffset At) : IDeviceEvent;

/// <summary>A new key was issued (the old one stops working); the key itself is never in an event, only its hash in the key store.</summary>
public sealed record DeviceKeyRotated(Guid DeviceId, string By, DateTimeOffset At) : IDeviceEvent;

public sealed record DeviceRetired(Guid DeviceId, string Reason, string By, DateTimeOffset At) : IDeviceEvent;

/// <summary>No reading within its silence period: flagged once, until it speaks again.</summary>
public sealed record DeviceFellSilent(Guid DeviceId, DateTimeOffset? LastHeard, string By, DateTimeOffset At) : IDeviceEvent;

public sealed record DeviceSpokeAgain(Guid DeviceId, string By, DateTimeOffset At) : IDeviceEvent;

/// <summary>A reading past its threshold, noted on the incident it raised or folded into.</summary>
public sealed record IncidentSensorAlarmed(Guid IncidentId, Guid DeviceId, string Device, string Measure, double Value, double Level,
    DateTimeOffset ReadAt, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>A reading back at its recovery level after an alarm, noted on the incident.</summary>
public sealed record IncidentSensorRecovered(Guid IncidentId, Guid DeviceId, string Device, string Measure, double Value,
    DateTimeOffset ReadAt, string By, DateTimeOffset At) : IIncidentEvent;
