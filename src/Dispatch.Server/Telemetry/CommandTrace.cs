using System.Diagnostics;
using Dispatch.Server.Chat;
using Dispatch.Server.Incidents;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Units;

namespace Dispatch.Server.Telemetry;

/// <summary>
/// One span per command on the <see cref="Source"/> "Dispatch": its kind, via, outcome and — when refused — the refusal's
/// code. Never personal data: no logins, names, numbers, texts or ids in tags (a trace back end is not the audit trail).
/// Without a listener <see cref="Start"/> returns null and a command pays nothing.
/// </summary>
public static class CommandTrace
{
    public const string Name = "Dispatch";

    public static readonly ActivitySource Source = new(Name);

    public static Activity? Start(string kind, Via via)
    {
        var activity = Source.StartActivity("dispatch.command", ActivityKind.Internal);
        if (activity is null) return null;
        activity.DisplayName = kind;
        activity.SetTag("dispatch.command.kind", kind);
        activity.SetTag("dispatch.command.via", DispatchMetrics.Tag(via));
        return activity;
    }

    /// <summary>Answered: which answer (Done, Refused, Forbidden…) and the refusal's code, if any.</summary>
    public static void Answered(Activity? activity, object? answer)
    {
        if (activity is null) return;
        activity.SetTag("dispatch.command.outcome", "ok");
        if (answer is null) return;
        activity.SetTag("dispatch.command.answer", answer.GetType().Name);
        if (RefusalCode(answer) is { } code) activity.SetTag("dispatch.refusal.code", code);
    }

    public static void Shed(Activity? activity)
    {
        if (activity is null) return;
        activity.SetTag("dispatch.command.outcome", "shed");
        activity.SetTag("dispatch.refusal.code", OverloadedException.Code);
        activity.SetStatus(ActivityStatusCode.Error, OverloadedException.Code);
    }

    public static void Failed(Activity? activity, Exception ex)
    {
        if (activity is null) return;
        activity.SetTag("dispatch.command.outcome", "failed");
        // The exception's type only: its message may quote what a person typed.
        activity.SetTag("error.type", ex.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error);
    }

    /// <summary>The code of a refused or denied answer (codes are fixed words such as <c>assign.closed</c>), else null.</summary>
    static string? RefusalCode(object answer) => answer switch
    {
        CommandOutcome.Refused r => r.Refusal.Code,
        CommandOutcome.Forbidden f => f.Denial.Code,
        CommandOutcome.Conflict => "conflict",
        UnitOutcome.Refused r => r.Refusal.Code,
        UnitOutcome.Forbidden f => f.Denial.Code,
        UnitOutcome.Unavailable u => u.Code,
        RevealOutcome.Forbidden f => f.Denial.Code,
        ChatOutcome.Refused r => r.Code,
        _ => null,
    };
}
