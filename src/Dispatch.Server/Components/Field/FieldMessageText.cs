using System.Globalization;
using System.Text.Json;
using Dispatch.Domain.Incidents;
using Dispatch.Server.City;
using Dispatch.Server.Localization;
using Dispatch.Server.Units;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Components.Field;

/// <summary>One pushed message as the crew reads it: a headline and, where there is more to say, a line under it.</summary>
public sealed record FieldMessageLine(string Title, string? Detail);

/// <summary>Puts each kind of unit message (<see cref="UnitMessageKind"/>) into the reader's language.</summary>
public sealed class FieldMessageText(IStringLocalizer<Ui> text, Messages messages, CityCatalog city)
{
    public FieldMessageLine Describe(UnitMessage message)
    {
        var body = message.Body;
        var culture = CultureInfo.CurrentUICulture;
        switch (message.Kind)
        {
            case UnitMessageKind.Assignment:
                var assignment = FieldAssignment.FromMessage(body);
                return new(text["fieldpage.msg.assignment", assignment?.Number ?? ""],
                    assignment is null ? null : Join(city.CategoryName(assignment.Category, culture), assignment.Address));
            case UnitMessageKind.Incident:
                var changes = body.TryGetProperty("changes", out var c) && c.ValueKind == JsonValueKind.Array
                    ? string.Join("、", c.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => messages.Kind(x.GetString()!)))
                    : null;
                var state = body.TryGetProperty("state", out var s) && FieldAssignment.TryEnum<IncidentState>(s, out var known)
                    ? messages.State(known) : null;
                return new(text["fieldpage.msg.incident", Text(body, "number") ?? ""], Join(changes, state is null ? null : text["fieldpage.msg.state", state].Value));
            case UnitMessageKind.Released:
                return new(text["fieldpage.msg.released", Text(body, "incidentNumber") ?? ""], By(body));
            case UnitMessageKind.Status:
                var command = Text(body, "command") ?? "";
                var localized = text[$"fieldpage.command.{command}"];
                return new(text["fieldpage.msg.status", localized.ResourceNotFound ? command : localized.Value], By(body));
            case UnitMessageKind.Overdue:
                var overdueStatus = body.TryGetProperty("status", out var st) && FieldAssignment.TryEnum<Dispatch.Domain.Units.UnitStatus>(st, out var was)
                    ? text[$"units.status.{was}"].Value : "";
                var minutes = body.TryGetProperty("limitMinutes", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 0;
                return new(text["fieldpage.msg.overdue", Text(body, "incidentNumber") ?? ""], text["fieldpage.msg.overdue.detail", overdueStatus, minutes].Value);
            case UnitMessageKind.Text:
                return new(text["fieldpage.msg.text", Text(body, "fromName") ?? Text(body, "from") ?? ""], Text(body, "text"));
            default:
                return new(message.Kind, body.GetRawText());
        }
    }

    string? By(JsonElement body) => Text(body, "by") is { Length: > 0 } by ? text["fieldpage.msg.by", by].Value : null;

    static string? Join(params string?[] parts) =>
        parts.Where(p => !string.IsNullOrWhiteSpace(p)).ToList() is { Count: > 0 } some ? string.Join(" · ", some) : null;

    static string? Text(JsonElement body, string name) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
