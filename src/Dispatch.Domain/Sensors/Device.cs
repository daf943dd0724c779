using Dispatch.Domain.Incidents;

namespace Dispatch.Domain.Sensors;

/// <summary>
/// A registered device as the rules need it, folded from its stream by <see cref="Evolve"/> (kept inline as a snapshot,
/// which the registry page and the silence watch read too).
/// </summary>
public sealed record Device(Guid Id, DeviceSettings Settings, DateTimeOffset RegisteredAt, string RegisteredBy)
{
    public bool Retired { get; init; }
    /// <summary>Set while it is flagged silent: since when.</summary>
    public DateTimeOffset? SilentSince { get; init; }
    /// <summary>How many keys it has had (1 at registration): a rotation is visible without the key.</summary>
    public int KeyGeneration { get; init; } = 1;
    public DateTimeOffset ChangedAt { get; init; }
    public string ChangedBy { get; init; } = "";

    /// <summary>The jurisdiction path it reports for (a grid cell, or a coarser node where the tree has none finer).</summary>
    public string Path => Settings.Place.Path;

    public static Device? Evolve(Device? state, object @event) => @event switch
    {
        DeviceRegistered e => new(e.DeviceId, e.Settings, e.At, e.By) { ChangedAt = e.At, ChangedBy = e.By },
        _ when state is null => throw new InvalidOperationException($"{@event.GetType().Name} before DeviceRegistered"),
        DeviceChanged e => state with { Settings = e.Settings, ChangedAt = e.At, ChangedBy = e.By },
        DeviceKeyRotated e => state with { KeyGeneration = state.KeyGeneration + 1, ChangedAt = e.At, ChangedBy = e.By },
        DeviceRetired e => state with { Retired = true, SilentSince = null, ChangedAt = e.At, ChangedBy = e.By },
        DeviceFellSilent e => state with { SilentSince = e.At },
        DeviceSpokeAgain => state with { SilentSince = null },
        _ => state,
    };
}

/// <summary>What an administrator (or the platform) asks of a registered device.</summary>
public abstract record DeviceCommand(string By);

public sealed record ChangeDevice(DeviceSettings Settings, string By) : DeviceCommand(By);

public sealed record RotateDeviceKey(string By) : DeviceCommand(By);

public sealed record RetireDevice(string Reason, string By) : DeviceCommand(By);

/// <summary>The silence watch asks: has it been silent past its period? <paramref name="LastHeard"/>: its last reading, if any.</summary>
public sealed record CheckSilence(DateTimeOffset? LastHeard, string By) : DeviceCommand(By);

/// <summary>A reading arrived from a device flagged silent.</summary>
public sealed record HearDevice(string By) : DeviceCommand(By);

/// <summary>The registry's rules: a pure function of the device, the command and the clock.</summary>
public static class DeviceDecider
{
    public static DeviceRegistered Register(Guid id, DeviceSettings settings, string by, DateTimeOffset now) => new(id, settings, by, now);

    public static Decision Decide(Device device, DeviceCommand command, DateTimeOffset now)
    {
        if (device.Retired)
            return Decision.Refuse("device.retired", "Device {0} is retired.", device.Settings.Name);
        return command switch
        {
            ChangeDevice c when c.Settings == device.Settings || SameSettings(c.Settings, device.Settings) =>
                Decision.Refuse("device.unchanged", "Device {0} already has these settings.", device.Settings.Name),
            ChangeDevice c => Decision.Accept(new DeviceChanged(device.Id, c.Settings, c.By, now)),
            RotateDeviceKey c => Decision.Accept(new DeviceKeyRotated(device.Id, c.By, now)),
            RetireDevice c when string.IsNullOrWhiteSpace(c.Reason) =>
                Decision.Refuse("device.retire-no-reason", "Say why device {0} is retired.", device.Settings.Name),
            RetireDevice c => Decision.Accept(new DeviceRetired(device.Id, c.Reason.Trim(), c.By, now)),
            CheckSilence c => SilentAt(device, c.LastHeard) is { } due && due <= now && device.SilentSince is null
                ? Decision.Accept(new DeviceFellSilent(device.Id, c.LastHeard, c.By, now))
                : Decision.Refuse("device.not-silent", "Device {0} is not silent past its period.", device.Settings.Name),
            HearDevice c => device.SilentSince is null
                ? Decision.Refuse("device.not-silent", "Device {0} is not flagged silent.", device.Settings.Name)
                : Decision.Accept(new DeviceSpokeAgain(device.Id, c.By, now)),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name),
        };
    }

    /// <summary>When it counts as silent: its silence period after its last reading (or its registration, if it never spoke).</summary>
    public static DateTimeOffset? SilentAt(Device device, DateTimeOffset? lastHeard) =>
        device.Retired ? null : (lastHeard ?? device.RegisteredAt) + TimeSpan.FromMinutes(device.Settings.SilenceMinutes);

    // Records compare lists by reference: compare the thresholds by value.
    static bool SameSettings(DeviceSettings a, DeviceSettings b) =>
        a with { Thresholds = [] } == b with { Thresholds = [] } && a.Thresholds.SequenceEqual(b.Thresholds);
}
