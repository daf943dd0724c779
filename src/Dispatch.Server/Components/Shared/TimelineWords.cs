using System.Globalization;
using System.Text.RegularExpressions;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Components.Shared;

/// <summary>A timeline step's text as the reader reads it, and what only its tooltip says (codes, paths).</summary>
public sealed record TimelineLine(string? Text, string? Title = null);

/// <summary>
/// A timeline step's facts in the reader's language (issue 19 item 8): levels by their names (镇街, not Town), places by
/// their names (东湖区 · 东湖镇, not demo/dh/dh-04), departments, reasons for a cancellation or a placement, deadlines and
/// readings in the centre's time, plans and their tasks by what they are called, the clock's own reasons for moving
/// command up. A routing rule or a plan's code is a code: it stays in the tooltip. A step written before its facts were
/// kept reads as it was written.
/// </summary>
public sealed partial class TimelineWords(IStringLocalizer<Ui> text, JurisdictionTree tree, CityCatalog city)
{
    public TimelineLine Of(TimelineEntry e)
    {
        var culture = CultureInfo.CurrentUICulture;
        string Level(CommandLevel level) => text[$"level.{level}"];
        string When(DateTimeOffset at, string format = "MM-dd HH:mm") => city.ToLocal(at).ToString(format, CultureInfo.InvariantCulture);
        static string With(string head, string? reason) => string.IsNullOrWhiteSpace(reason) ? head : $"{head} · {reason}";
        static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
        // Tasks are named by what the plan says they are: Chinese in the demo library, so joined the Chinese way, as departments are.
        static string Listed(IReadOnlyList<string> items) => string.Join("、", items);
        return e switch
        {
            { Kind: "Routed", Level: { } level } => new(Level(level), e.Rule is { } rule ? text["timeline.rule", rule].Value : null),
            // Written before the facts were kept: "Town · everyday", a path. Read back, so an old timeline has no codes either.
            { Kind: "Routed", Level: null, Text: { } said } when said.Split(" · ") is [var was, var rule]
                && Enum.TryParse<CommandLevel>(was, out var level) && !char.IsDigit(was[0]) => new(Level(level), text["timeline.rule", rule].Value),
            { Kind: "Placed" or "PlacedByHand", Place: null, Text: { } path } when tree.PlaceOf(path[(path.LastIndexOf('/') + 1)..]) is { } place =>
                new(PlaceName.Name(place, withGrid: true, tree), path),
            // Before the level facts: a supervision past its reply time carries the level it goes up to.
            { Kind: "SupervisionOverdue", Sequence: { } n, Due: { } due } =>
                new(e.Level is { } up ? With(text["timeline.supervision-overdue", n, When(due)], Level(up)) : text["timeline.supervision-overdue", n, When(due)]),
            { FromLevel: { } from, Level: { } to } => Why(e.Reason) is { } why
                ? new(With($"{Level(from)} → {Level(to)}", why.Words), why.Written) : new(With($"{Level(from)} → {Level(to)}", e.Reason)),
            { Level: { } level } => new(With(Level(level), e.Reason)),
            { Place: { } place } => new(PlaceName.Name(place, withGrid: true, tree), place.Path),
            { Kind: "Forwarded", FromPath: { } from, Path: { } to } => new($"{tree.NameOf(from)} → {tree.NameOf(to)}", $"{from} → {to}"),
            { Kind: "InOperation", Title: { } name, Path: { } desk, Windows: { } windows } =>
                new(text["timeline.in-operation", name, tree.NameOf(desk), Minutes(windows.Acknowledge), Minutes(windows.Resolve)], desk),
            { Kind: "InOperation", Path: { } desk } when e.Text is { } said =>
                new(said.Replace($" · {desk} · ", $" · {tree.NameOf(desk)} · ", StringComparison.Ordinal), desk),
            { Assisting: { Count: > 0 } assisting } => new(text["timeline.assisting", string.Join("、", assisting.Select(d => city.DepartmentName(d, culture)))]),
            { Cancel: { } reason } => new(With(text[$"cancel.{reason}"], e.Reason)),
            { Problem: { } problem } => new(text[$"placement.{problem}"]),
            { Deadline: { } kind, Due: { } due } => new(text["timeline.deadline", text[$"chat.deadline.{kind}"].Value, When(due)]),
            { Kind: "UnitArrivedNearScene", CallSign: { } near, Meters: { } meters } => new($"{near} · {new Units.UnitWords(text).Distance(meters)}"),
            { Kind: "UnitOverdue", CallSign: { } late, UnitStatus: { } status, Limit: { } limit } =>
                new(text["timeline.unit-overdue", late, text[$"units.status.{status}"].Value, (int)limit.TotalMinutes]),
            { Kind: "Reported", CallSign: { } finder, Found: { } found } => new(text["timeline.found", e.Reason ?? "", finder, When(found, "MM-dd HH:mm:ss")]),
            { Kind: "PhotoAttached", Bytes: { } bytes } => new(e.Reason is { } caption ? $"{caption} · {Size(bytes)}" : Size(bytes)),
            { Reading: { AlarmLevel: { } alarm } r } =>
                new(text["timeline.sensor-alarm", r.Device, Measure(r.Measure), Number(r.Value), Number(alarm), When(r.ReadAt, "MM-dd HH:mm:ss")], r.Measure),
            { Reading: { } r } => new(text["timeline.sensor-reading", r.Device, Measure(r.Measure), Number(r.Value), When(r.ReadAt, "MM-dd HH:mm:ss")], r.Measure),
            // A device's first alarm opens the incident with a description the sensor rules write in fixed English.
            { Kind: "Reported", Text: { } said } when SensorReport().Match(said) is { Success: true } m => new(text["timeline.sensor-report",
                m.Groups["device"].Value, Measure(m.Groups["measure"].Value), m.Groups["value"].Value, text[$"devices.{m.Groups["bound"].Value}"].Value,
                m.Groups["level"].Value], said),
            { Kind: "PlanActivated", Title: { } plan, PlanVersion: { } version, Response: { } response } =>
                new(With($"{plan} · {text["plan.version", version]} · {text["plan.level", response.Numeral()]}", e.Reason)),
            { Kind: "PlanStoodDown", Title: { } plan, PlanVersion: { } version } => new(With(
                With($"{plan} · {text["plan.version", version]}", e.Reason),
                e.Tasks is { Count: > 0 } left ? text["timeline.tasks-left", Listed(left)].Value : null)),
            { Kind: "PlanTaskOverdue", Tasks: [var task], Due: { } due } => new($"{task} · {text["timeline.due", When(due)]}"),
            { Kind: "PlanTaskAcknowledged" or "PlanTaskCompleted", Tasks: [var task] } => new(With(task, e.Reason)),
            { Kind: "Supervised", Sequence: { } n, Due: { } reply } => new(text["timeline.supervision-request", n, e.Reason ?? "", When(reply)]),
            { Kind: "AcceptanceOverdue" or "CallbackOverdue", Due: { } due } => new(text["timeline.due", When(due)]),
            _ => new(e.Text),
        };
    }

    /// <summary>A measure is a code the administrator chose (level, ch4, tilt): the common ones have names, the others read as their code.</summary>
    string Measure(string code) => text[$"sensor.measure.{code}"] is { ResourceNotFound: false } name ? name.Value : code;

    static int Minutes(TimeSpan span) => (int)Math.Round(span.TotalMinutes);

    /// <summary>Kilobytes and megabytes read the same in both languages; bytes do not.</summary>
    string Size(long bytes) => bytes >= 1024 ? PhotoFormat.SizeInWords(bytes) : text["timeline.bytes", bytes];

    /// <summary>
    /// The clock and the plans write their reasons for moving command in fixed English (IncidentDecider, SupervisionRules,
    /// PlanDecider): read back into the reader's words, the written reason (with its codes) kept for the tooltip. A person's
    /// own reason is returned as null: it reads as they wrote it.
    /// </summary>
    (string Words, string Written)? Why(string? reason)
    {
        if (reason is null) return null;
        string When(string utc) => city.ToLocal(DateTimeOffset.ParseExact(utc, "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal)).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture);
        if (DeadlineOverdue().Match(reason) is { Success: true } d)
            return (text["timeline.why.deadline", text[d.Groups[1].Value == "acknowledgement" ? "chat.deadline.Acknowledge" : "chat.deadline.Resolve"].Value,
                When(d.Groups[2].Value)].Value, reason);
        if (SupervisionUnanswered().Match(reason) is { Success: true } s)
            return (text["timeline.why.supervision", s.Groups[1].Value, When(s.Groups[2].Value)].Value, reason);
        if (PlanTasksOverdue().Match(reason) is { Success: true } t)
            return (text["timeline.why.plan-tasks", t.Groups[2].Value.Split(", ").Length, When(t.Groups[3].Value)].Value, reason);
        if (PlanActivation().Match(reason) is { Success: true } p)
            return (text["timeline.why.plan", p.Groups[2].Value, p.Groups[3].Value].Value, reason);
        return null;
    }

    // SensorRules.Describe: "Sensor {name} ({type}): {measure} {value} above|below its alarm level {level}."
    [GeneratedRegex(@"^Sensor (?<device>.+) \((?<type>[a-z0-9._-]+)\): (?<measure>[a-z0-9._-]+) (?<value>\S+) (?<bound>above|below) its alarm level (?<level>\S+)\.$",
        RegexOptions.Singleline)]
    private static partial Regex SensorReport();

    [GeneratedRegex(@"^(acknowledgement|resolution) overdue since (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$")]
    private static partial Regex DeadlineOverdue();

    [GeneratedRegex(@"^supervision #(\d+) not answered by (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$")]
    private static partial Regex SupervisionUnanswered();

    [GeneratedRegex(@"^plan (\S+) task (.+) overdue since (\d{4}-\d\d-\d\d \d\d:\d\d) UTC$")]
    private static partial Regex PlanTasksOverdue();

    [GeneratedRegex(@"^plan (\S+) v(\d+): (.*)$", RegexOptions.Singleline)]
    private static partial Regex PlanActivation();
}
