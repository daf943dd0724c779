using Dispatch.Domain.Sensors;

namespace Dispatch.Server.Components.Admin;

/// <summary>The device form's fields while they are edited (the registry's rules check them on save).</summary>
public sealed class DeviceDraft
{
    public string Name { get; set; } = "";
    public string Type { get; set; } = "water-level";
    public double? Lat { get; set; }
    public double? Lon { get; set; }
    public string? Jurisdiction { get; set; }
    public List<ThresholdDraft> Thresholds { get; set; } = [new()];
    public string? Department { get; set; }
    public string? Category { get; set; }
    public int Urgency { get; set; } = 3;
    public int SilenceMinutes { get; set; } = 60;

    public static DeviceDraft Of(Device d) => new()
    {
        Name = d.Settings.Name, Type = d.Settings.Type, Lat = d.Settings.Location.Lat, Lon = d.Settings.Location.Lon,
        Thresholds = [.. d.Settings.Thresholds.Select(t => new ThresholdDraft
        {
            Measure = t.Measure, Alarm = t.Alarm == Bound.Above ? "above" : "below", Level = t.Level, Recovery = t.Recovery,
        })],
        Department = d.Settings.Department, Category = d.Settings.Category, Urgency = (int)d.Settings.Urgency,
        SilenceMinutes = d.Settings.SilenceMinutes,
    };

    public SensorRules.DeviceForm ToForm() => new(Name, Type, Lat, Lon, string.IsNullOrWhiteSpace(Jurisdiction) ? null : Jurisdiction.Trim(),
        [.. Thresholds.Select(t => new SensorRules.ThresholdForm(t.Measure, t.Alarm, t.Level, t.Recovery))], Department, Category, Urgency, SilenceMinutes);
}

public sealed class ThresholdDraft
{
    public string Measure { get; set; } = "level";
    public string Alarm { get; set; } = "above";
    public double? Level { get; set; }
    public double? Recovery { get; set; }
}
