using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;

namespace Dispatch.Domain.Sensors;

/// <summary>One reading as a device sends it (already parsed).</summary>
public sealed record Reading(string Measure, double Value, DateTimeOffset At);

public enum SignalKind { Alarm, Recovery }

/// <summary>A reading that changes an incident's record: past its threshold, or back at its recovery level after an alarm.</summary>
public sealed record Signal(Reading Reading, SignalKind Kind, Threshold Threshold);

/// <summary>
/// The sensors' pure rules: who keeps the registry, what a device and a reading must be, which readings alarm or
/// recover, and what they note on an incident.
/// </summary>
public static partial class SensorRules
{
    public const int MaxReadings = 500;
    public const int MaxThresholds = 20;
    public const int MaxSilenceMinutes = 7 * 24 * 60;
    /// <summary>A reading may be this old (a device catching up after a gap) and this far ahead of our clock (its own clock's drift).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(1), MaxAhead = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Administrators keep the devices of their jurisdiction; the city centre's dispatchers keep every device (they run
    /// the city's sensor network day and night). Nobody else registers, changes or retires a device.
    /// </summary>
    public static bool MayManage(Actor actor, string path) =>
        actor.Grants.Any(g => g.Role == Role.Admin && AccessRules.Covers(g.Scope, path)
                              || g.Role == Role.Dispatcher && !g.Scope.Contains('/') && AccessRules.Covers(g.Scope, path));

    /// <summary>Whether the actor keeps any devices at all (the registry page and the list).</summary>
    public static bool ManagesAny(Actor actor) => actor.Grants.Any(g => g.Role == Role.Admin || g.Role == Role.Dispatcher && !g.Scope.Contains('/'));

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,39}$")]
    private static partial Regex Code();

    public static bool IsCode(string? text) => text is not null && Code().IsMatch(text);

    /// <summary>A threshold as sent, fields unchecked.</summary>
    public sealed record ThresholdForm(string? Measure, string? Alarm, double? Level, double? Recovery);

    /// <summary>The registry's fields as sent, unchecked; <see cref="Validate"/> names every bad one.</summary>
    public sealed record DeviceForm(string? Name, string? Type, double? Lat, double? Lon, string? Jurisdiction,
        IReadOnlyList<ThresholdForm?>? Thresholds, string? Department, string? Category, int? Urgency, int? SilenceMinutes);

    public static IReadOnlyList<FieldError> Validate(DeviceForm form, IReadOnlySet<string> departments, IReadOnlySet<string> categories)
    {
        var errors = new List<FieldError>();
        void Bad(string field, string code, string message) => errors.Add(new FieldError(field, code, message));
        if (string.IsNullOrWhiteSpace(form.Name) || form.Name.Trim().Length > 100 || FreeText.IndexOfForbidden(form.Name) >= 0)
            Bad("name", "device.name", "Name the device (1 to 100 characters, no control characters).");
        if (!IsCode(form.Type))
            Bad("type", "device.type", "Give the device's type as a code, e.g. water-level, gas, smoke, manhole-tilt.");
        if (form.Lat is not { } lat || !double.IsFinite(lat) || Math.Abs(lat) > 90)
            Bad("lat", "device.lat", "Give the device's latitude (WGS-84, -90 to 90).");
        if (form.Lon is not { } lon || !double.IsFinite(lon) || Math.Abs(lon) > 180)
            Bad("lon", "device.lon", "Give the device's longitude (WGS-84, -180 to 180).");
        if (form.Jurisdiction is not null && !IsCode(form.Jurisdiction))
            Bad("jurisdiction", "device.jurisdiction", "A jurisdiction is a code of the tree, e.g. dh-01-03.");
        if (form.Department is null || !departments.Contains(form.Department))
            Bad("department", "device.department", "Name the department that owns the device (a department code).");
        if (form.Category is null || !categories.Contains(form.Category))
            Bad("category", "device.category", "Name the incident category its alarms raise (a category code).");
        if (form.Urgency is { } u && !Enum.IsDefined((Urgency)u))
            Bad("urgency", "device.urgency", "Urgency is 1 (low) to 4 (critical).");
        if (form.SilenceMinutes is { } s && s is < 1 or > MaxSilenceMinutes)
            Bad("silenceMinutes", "device.silence", $"The silence period is 1 to {MaxSilenceMinutes} minutes.");
        if (form.Thresholds is not { Count: > 0 and <= MaxThresholds } thresholds)
        {
            Bad("thresholds", "device.thresholds", $"Give 1 to {MaxThresholds} thresholds (measure, alarm above or below, level, recovery).");
            return errors;
        }
        var seen = new HashSet<string>();
        for (var i = 0; i < thresholds.Count; i++)
        {
            var at = $"thresholds[{i}]";
            if (thresholds[i] is not { } t)
            {
                Bad(at, "device.threshold", "Give the threshold as an object.");
                continue;
            }
            if (!IsCode(t.Measure)) Bad($"{at}.measure", "device.measure", "Name the measure as a code, e.g. level, ch4, tilt.");
            else if (!seen.Add(t.Measure!)) Bad($"{at}.measure", "device.measure-twice", $"The measure {t.Measure} has two thresholds.");
            var bound = ParseBound(t.Alarm);
            if (bound is null) Bad($"{at}.alarm", "device.alarm", "Say whether it alarms above or below its level: \"above\" or \"below\".");
            if (t.Level is not { } level || !double.IsFinite(level)) Bad($"{at}.level", "device.level", "Give the alarm level as a number.");
            else if (t.Recovery is { } r && (!double.IsFinite(r) || bound == Bound.Above && r > level || bound == Bound.Below && r < level))
                Bad($"{at}.recovery", "device.recovery", "The recovery level lies on the safe side of the alarm level (at most the level for \"above\", at least it for \"below\").");
        }
        return errors;
    }

    public static Bound? ParseBound(string? text) => text?.ToLowerInvariant() switch
    {
        "above" => Bound.Above,
        "below" => Bound.Below,
        _ => null,
    };

    /// <summary>The form's thresholds, once <see cref="Validate"/> found nothing wrong (recovery defaults to the level).</summary>
    public static IReadOnlyList<Threshold> Thresholds(DeviceForm form) =>
        [.. form.Thresholds!.Select(t => new Threshold(t!.Measure!, ParseBound(t.Alarm)!.Value, t.Level!.Value, t.Recovery ?? t.Level!.Value))];

    /// <summary>One reading as sent, fields unchecked.</summary>
    public sealed record ReadingForm(string? Measure, double? Value, DateTimeOffset? At);

    /// <summary>A batch of readings: every bad field named by its index (<c>readings[3].value</c>); a bad batch is refused whole.</summary>
    public static (IReadOnlyList<Reading> Readings, IReadOnlyList<FieldError> Errors) Validate(
        IReadOnlyList<ReadingForm?>? readings, Device device, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (readings is not { Count: > 0 and <= MaxReadings })
            return ([], [new FieldError("readings", "readings.count", $"Send 1 to {MaxReadings} readings in a batch.")]);
        var measures = device.Settings.Thresholds.Select(t => t.Measure).ToHashSet();
        var valid = new List<Reading>(readings.Count);
        for (var i = 0; i < readings.Count; i++)
        {
            var at = $"readings[{i}]";
            if (readings[i] is not { } r)
            {
                errors.Add(new FieldError(at, "reading.missing", "Give the reading as an object with measure, value and at."));
                continue;
            }
            var ok = true;
            if (r.Measure is null || !measures.Contains(r.Measure))
            {
                errors.Add(new FieldError($"{at}.measure", "reading.measure",
                    $"The device measures {string.Join(", ", measures.Order())}."));
                ok = false;
            }
            if (r.Value is not { } value || !double.IsFinite(value))
            {
                errors.Add(new FieldError($"{at}.value", "reading.value", "Give the value as a finite number."));
                ok = false;
            }
            if (r.At is not { } when || when < now - MaxAge || when > now + MaxAhead)
            {
                errors.Add(new FieldError($"{at}.at", "reading.at", "Give when it was measured (ISO 8601 with offset), at most a day ago and not in the future."));
                ok = false;
            }
            if (ok) valid.Add(new Reading(r.Measure!, r.Value!.Value, r.At!.Value));
        }
        return errors.Count > 0 ? ([], errors) : (valid, []);
    }

    public static bool PastLevel(Threshold t, double value) => t.Alarm == Bound.Above ? value > t.Level : value < t.Level;

    public static bool Recovered(Threshold t, double value) => t.Alarm == Bound.Above ? value <= t.Recovery : value >= t.Recovery;

    /// <summary>
    /// The readings that alarm or recover, in the order they were measured. <paramref name="alarmed"/>: the device's
    /// measures in alarm before this batch; a reading recovers only a measure in alarm, so normal readings say nothing.
    /// </summary>
    public static IReadOnlyList<Signal> Assess(Device device, IReadOnlySet<string> alarmed, IEnumerable<Reading> readings)
    {
        var thresholds = device.Settings.Thresholds.ToDictionary(t => t.Measure);
        var inAlarm = new HashSet<string>(alarmed);
        var signals = new List<Signal>();
        foreach (var r in readings.OrderBy(r => r.At))
        {
            if (!thresholds.TryGetValue(r.Measure, out var t)) continue;
            if (PastLevel(t, r.Value))
            {
                inAlarm.Add(r.Measure);
                signals.Add(new Signal(r, SignalKind.Alarm, t));
            }
            else if (inAlarm.Contains(r.Measure) && Recovered(t, r.Value))
            {
                inAlarm.Remove(r.Measure);
                signals.Add(new Signal(r, SignalKind.Recovery, t));
            }
        }
        return signals;
    }

    /// <summary>Whether a batch may change anything: some reading past its level, or a measure in alarm that may recover.</summary>
    public static bool MayMatter(Device device, IReadOnlySet<string> alarmed, IEnumerable<Reading> readings) =>
        alarmed.Count > 0 || readings.Any(r => device.Settings.Thresholds.FirstOrDefault(t => t.Measure == r.Measure) is { } t && PastLevel(t, r.Value));

    /// <summary>What the signals note on the incident they belong to.</summary>
    public static IReadOnlyList<object> Note(Guid incidentId, Device device, IEnumerable<Signal> signals, string by, DateTimeOffset now) =>
        [.. signals.Select(s => s.Kind == SignalKind.Alarm
            ? (object)new IncidentSensorAlarmed(incidentId, device.Id, device.Settings.Name, s.Reading.Measure, s.Reading.Value, s.Threshold.Level,
                s.Reading.At, by, now)
            : new IncidentSensorRecovered(incidentId, device.Id, device.Settings.Name, s.Reading.Measure, s.Reading.Value, s.Reading.At, by, now))];

    /// <summary>What the incident a device's first alarm opens says.</summary>
    public static string Describe(Device device, Signal first) =>
        FormattableString.Invariant(
            $"Sensor {device.Settings.Name} ({device.Settings.Type}): {first.Reading.Measure} {first.Reading.Value:0.###} {(first.Threshold.Alarm == Bound.Above ? "above" : "below")} its alarm level {first.Threshold.Level:0.###}.");

    /// <summary>Who a device's writes are recorded as.</summary>
    public static string Login(Guid deviceId) => $"device:{deviceId:N}";
}
