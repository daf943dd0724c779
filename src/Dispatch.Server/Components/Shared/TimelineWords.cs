using System.Globalization;
using Dispatch.Domain.Command;
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
/// their names (东湖区 · 东湖镇, not demo/dh/dh-04), departments, reasons for a cancellation or a placement, deadlines in
/// the centre's time. A routing rule is a code: it stays in the tooltip. A step written before its facts were kept
/// reads as it was written.
/// </summary>
public sealed class TimelineWords(IStringLocalizer<Ui> text, JurisdictionTree tree, CityCatalog city)
{
    public TimelineLine Of(TimelineEntry e)
    {
        var culture = CultureInfo.CurrentUICulture;
        string Level(CommandLevel level) => text[$"level.{level}"];
        static string With(string head, string? reason) => string.IsNullOrWhiteSpace(reason) ? head : $"{head} · {reason}";
        return e switch
        {
            { Kind: "Routed", Level: { } level } => new(Level(level), e.Rule is { } rule ? text["timeline.rule", rule].Value : null),
            // Written before the facts were kept: "Town · everyday", a path. Read back, so an old timeline has no codes either.
            { Kind: "Routed", Level: null, Text: { } said } when said.Split(" · ") is [var was, var rule]
                && Enum.TryParse<CommandLevel>(was, out var level) && !char.IsDigit(was[0]) => new(Level(level), text["timeline.rule", rule].Value),
            { Kind: "Placed" or "PlacedByHand", Place: null, Text: { } path } when tree.PlaceOf(path[(path.LastIndexOf('/') + 1)..]) is { } place =>
                new(PlaceName.Name(place, withGrid: true, tree), path),
            { FromLevel: { } from, Level: { } to } => new(With($"{Level(from)} → {Level(to)}", e.Reason)),
            { Level: { } level } => new(With(Level(level), e.Reason)),
            { Place: { } place } => new(PlaceName.Name(place, withGrid: true, tree), place.Path),
            { Kind: "Forwarded", FromPath: { } from, Path: { } to } => new($"{tree.NameOf(from)} → {tree.NameOf(to)}", $"{from} → {to}"),
            { Kind: "InOperation", Path: { } desk } when e.Text is { } said =>
                new(said.Replace($" · {desk} · ", $" · {tree.NameOf(desk)} · ", StringComparison.Ordinal), desk),
            { Assisting: { Count: > 0 } assisting } => new(text["timeline.assisting", string.Join("、", assisting.Select(d => city.DepartmentName(d, culture)))]),
            { Cancel: { } reason } => new(With(text[$"cancel.{reason}"], e.Reason)),
            { Problem: { } problem } => new(text[$"placement.{problem}"]),
            { Deadline: { } kind, Due: { } due } => new(text["timeline.deadline", text[$"chat.deadline.{kind}"].Value,
                city.ToLocal(due).ToString("MM-dd HH:mm", CultureInfo.InvariantCulture)]),
            { Kind: "UnitArrivedNearScene", CallSign: { } near, Meters: { } meters } => new($"{near} · {new Units.UnitWords(text).Distance(meters)}"),
            { Kind: "UnitOverdue", CallSign: { } late, UnitStatus: { } status, Limit: { } limit } =>
                new(text["timeline.unit-overdue", late, text[$"units.status.{status}"].Value, (int)limit.TotalMinutes]),
            _ => new(e.Text),
        };
    }
}
