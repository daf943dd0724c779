using Dispatch.Domain.Intake;

namespace Dispatch.Domain.Plans;

/// <summary>
/// What a public warning's words must hold, wherever they are written (a plan in the plan file, an operation's
/// declaration): CAP 1.2's values for category, severity, urgency and certainty, and an event, headline and instruction.
/// Each fault names its field under <c>prefix</c> ("warning.severity").
/// </summary>
public static class PlanWarningRules
{
    public const int MaxEvent = 100;
    public const int MaxText = 500;

    public static readonly string[] Severities = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"];
    public static readonly string[] Urgencies = ["Immediate", "Expected", "Future", "Past", "Unknown"];
    public static readonly string[] Certainties = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"];
    public static readonly string[] Categories = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"];

    public static IReadOnlyList<FieldError> Validate(PlanWarning w, string prefix = "warning")
    {
        var errors = new List<FieldError>();
        void Text(string field, string? value, int max)
        {
            if (string.IsNullOrWhiteSpace(value)) errors.Add(new($"{prefix}.{field}", $"warning.{field}.required", $"the warning has no {field}"));
            else if (value.Length > max) errors.Add(new($"{prefix}.{field}", $"warning.{field}.too-long", $"the warning's {field} is at most {max} characters"));
            else if (FreeText.Problem(value) is { } problem) errors.Add(new($"{prefix}.{field}", $"warning.{field}.control", problem));
        }
        void OneOf(string field, string? value, string[] allowed)
        {
            if (!allowed.Contains(value))
                errors.Add(new($"{prefix}.{field}", $"warning.{field}",
                    $"the warning's {field} must be one of {string.Join(", ", allowed)} (CAP 1.2), not '{Shown(value)}'"));
        }
        Text("event", w.Event, MaxEvent);
        Text("headline", w.Headline, MaxText);
        Text("instruction", w.Instruction, MaxText);
        OneOf("severity", w.Severity, Severities);
        OneOf("urgency", w.Urgency, Urgencies);
        OneOf("certainty", w.Certainty, Certainties);
        OneOf("category", w.Category, Categories);
        return errors;
    }

    /// <summary>A wrong value as the message repeats it: short, and no character that would not print.</summary>
    static string Shown(string? value) =>
        value is null ? "" : new string([.. value.Take(40).Select(c => FreeText.IsForbidden(c) ? '?' : c)]);
}
