using System.Globalization;
using Dispatch.Server.City;
using Dispatch.Server.Localization;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Components.Field;

/// <summary>One pushed message as the crew reads it: a headline and, where there is more to say, a line under it.</summary>
public sealed record FieldMessageLine(string Title, string? Detail);

/// <summary>Puts each kind of unit message (<see cref="UnitMessageKind"/>) into the reader's language.</summary>
public sealed class FieldMessageText(IStringLocalizer<Ui> text, Messages messages, CityCatalog city)
{
    public FieldMessageLine Describe(UnitMessage message)
    {
        var culture = CultureInfo.CurrentUICulture;
        switch (message.Read())
        {
            case AssignmentMessage a:
                return new(text["fieldpage.msg.assignment", a.Number], Join(city.CategoryName(a.Category, culture), a.Address));
            case IncidentChangedMessage i:
                var changes = i.Changes is { Count: > 0 } ? string.Join("、", i.Changes.Select(messages.Kind)) : null;
                return new(text["fieldpage.msg.incident", i.Number], Join(changes, text["fieldpage.msg.state", messages.State(i.State)].Value));
            case ReleasedMessage r:
                return new(text["fieldpage.msg.released", r.IncidentNumber ?? ""], By(r.ByName, r.By));
            case StatusSetMessage s:
                var localized = text[$"fieldpage.command.{s.Command}"];
                return new(text["fieldpage.msg.status", localized.ResourceNotFound ? s.Command : localized.Value], By(s.ByName, s.By));
            case OverdueMessage o:
                return new(text["fieldpage.msg.overdue", o.IncidentNumber], text["fieldpage.msg.overdue.detail", text[$"units.status.{o.Status}"].Value, o.LimitMinutes].Value);
            case DispatcherTextMessage t:
                return new(text["fieldpage.msg.text", t.FromName is { Length: > 0 } name ? name : t.From], t.Text);
            default:
                // A kind (or a value) from a newer server: shown as it came, never a failure.
                return new(message.Kind, message.Body.GetRawText());
        }
    }

    /// <summary>"by 李明": the person's name, the login only where the message has no name (from an older server).</summary>
    string? By(string? name, string? login) =>
        (string.IsNullOrWhiteSpace(name) ? login : name) is { Length: > 0 } who ? text["fieldpage.msg.by", who].Value : null;

    static string? Join(params string?[] parts) =>
        parts.Where(p => !string.IsNullOrWhiteSpace(p)).ToList() is { Count: > 0 } some ? string.Join(" · ", some) : null;
}
