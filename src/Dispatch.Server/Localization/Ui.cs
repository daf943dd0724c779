using System.Globalization;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Intake;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Localization;

/// <summary>Marker for the console's strings: Ui.resx (English) and Ui.zh-CN.resx (简体中文) beside it.</summary>
public sealed class Ui;

public static class Cultures
{
    public const string Chinese = "zh-CN";
    public const string English = "en";
    public static readonly string[] Supported = [Chinese, English];
}

/// <summary>Rule refusals and field errors in the reader's language; the domain speaks English and codes.</summary>
public sealed class Messages(IStringLocalizer<Ui> text, Dispatch.Server.City.CityCatalog city)
{
    public string Refusal(Refusal refusal)
    {
        var localized = text[$"refusal.{refusal.Code}"];
        var template = localized.ResourceNotFound ? refusal.Template : localized.Value;
        var args = refusal.Args.Select(a => a switch
        {
            IncidentState s => State(s),
            CategoryCode c => city.CategoryName(c.Code, CultureInfo.CurrentUICulture),
            Dispatch.Domain.Command.CommandLevel l => text[$"level.{l}"].Value,
            string code when city.DepartmentCodes.Contains(code) => city.DepartmentName(code, CultureInfo.CurrentUICulture),
            _ => a,
        }).ToArray();
        return string.Format(CultureInfo.CurrentCulture, template, args);
    }

    public string Field(FieldError error)
    {
        var localized = text[$"field.{error.Code}"];
        if (localized.ResourceNotFound) return error.Message;
        return error.Typed is { } typed ? string.Format(CultureInfo.CurrentCulture, localized.Value, typed) : localized.Value;
    }

    public string State(IncidentState state) => text[$"state.{state}"];

    /// <summary>"The centre is busy; nothing was saved. Try again in N s." (a command refused past capacity).</summary>
    public string Busy(int retryAfterSeconds) => string.Format(CultureInfo.CurrentCulture, text["busy"], retryAfterSeconds);

    /// <summary>What to tell the person when a step threw: that the centre is busy when it is, else <paramref name="otherwise"/>.</summary>
    public string Failed(Exception ex, string otherwise) =>
        Dispatch.Server.Pipeline.OverloadedException.RetryAfterOf(ex) is { } seconds ? Busy(seconds) : otherwise;

    /// <summary>"Incident X changed since you saw version N; it is now M: Assigned by … at …".</summary>
    public string Conflict(Dispatch.Server.Incidents.CommandOutcome.Conflict conflict)
    {
        var changes = conflict.Changes.Count == 0
            ? text["conflict.nothing"].Value
            : string.Join("; ", conflict.Changes.Select(c => string.Format(CultureInfo.CurrentCulture, text["conflict.change"],
                Kind(c.Kind), c.By, city.ToLocal(c.At).ToString("HH:mm:ss", CultureInfo.InvariantCulture))));
        return string.Format(CultureInfo.CurrentCulture, text["conflict.changed"],
            conflict.Number, conflict.ExpectedVersion, conflict.ActualVersion, changes);
    }

    /// <summary>A timeline step's name ("Assigned" → 已派单).</summary>
    public string Kind(string kind) => text[$"timeline.{kind}"] is { ResourceNotFound: false } t ? t.Value : kind;
}
