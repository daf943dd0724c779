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
            string code when city.DepartmentCodes.Contains(code) => city.DepartmentName(code, CultureInfo.CurrentUICulture),
            _ => a,
        }).ToArray();
        return string.Format(CultureInfo.CurrentCulture, template, args);
    }

    public string Field(FieldError error)
    {
        var localized = text[$"field.{error.Code}"];
        return localized.ResourceNotFound ? error.Message : localized.Value;
    }

    public string State(IncidentState state) => text[$"state.{state}"];
}
