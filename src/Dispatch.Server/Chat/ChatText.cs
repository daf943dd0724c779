using System.Globalization;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.City;
using Dispatch.Server.Localization;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Chat;

/// <summary>
/// Chat's words in the reader's language. A stored message keeps codes and arguments (<see cref="ChatResult"/>), so a
/// Chinese and an English console read the same escalation each in their own words; department codes, levels and unit
/// statuses among the arguments are named too.
/// </summary>
public sealed class ChatText(IStringLocalizer<Ui> text, CityCatalog city)
{
    public string Result(ChatResult result)
    {
        var template = text[$"chat.{result.Code}"];
        var args = result.Args.Select(Word).ToArray();
        return template.ResourceNotFound
            ? $"{result.Code}: {string.Join(" · ", args.Where(a => a.Length > 0))}"
            : string.Format(CultureInfo.CurrentCulture, template.Value, args);
    }

    /// <summary>A text by key with <paramref name="fallback"/> (English) when the key is missing.</summary>
    public string Say(string key, string fallback, params object?[] args)
    {
        var localized = text[key];
        return string.Format(CultureInfo.CurrentCulture, localized.ResourceNotFound ? fallback : localized.Value, args);
    }

    /// <summary>A parser or command error, in the reader's language when we have its words (the English is the domain's).</summary>
    public string Error(ChatError error) => text[$"chat.error.{error.Code}"] is { ResourceNotFound: false } t ? t.Value : error.Message;

    /// <summary>Units in the drawer's words (力量, 米/公里, the same warnings), for <c>/units near</c>.</summary>
    public Components.Units.UnitWords Units { get; } = new(text);

    public string Level(CommandLevel level) => text[$"level.{level}"];
    public string UnitStatus(UnitStatus status) => text[$"units.status.{status}"];
    public string State(IncidentState state) => text[$"state.{state}"];
    public string Department(string? code) => city.DepartmentName(code, CultureInfo.CurrentUICulture);
    public string Category(string code) => city.CategoryName(code, CultureInfo.CurrentUICulture);

    string Word(string arg)
    {
        if (city.DepartmentCodes.Contains(arg)) return Department(arg);
        if (city.CategoryCodes.Contains(arg)) return Category(arg);
        if (Enum.TryParse<CommandLevel>(arg, out var level) && !char.IsDigit(arg[0])) return Level(level);
        if (Enum.TryParse<UnitStatus>(arg, out var status) && !char.IsDigit(arg[0])) return UnitStatus(status);
        if (Enum.TryParse<DeadlineKind>(arg, out var kind) && !char.IsDigit(arg[0])) return text[$"chat.deadline.{kind}"];
        if (arg.Length > 20 && DateTimeOffset.TryParseExact(arg, "O", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
            return city.ToLocal(at).ToString("HH:mm", CultureInfo.InvariantCulture);
        return arg;
    }
}
