using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Supervision;
using Dispatch.Server.Duplicates;

namespace Dispatch.Server.Supervision;

/// <summary>
/// The times of supervision that follows up (督促纠偏) and of the centre's own steps, from <c>Dispatch:Supervision</c>
/// (docs/configuration.md), checked at start-up: a bad value stops the server naming the key. Durations are written as
/// for <c>Dispatch:Duplicates:Window</c> (<c>04:00:00</c>, <c>1.00:00:00</c>). Each is stamped on the command it
/// governs (<see cref="Complete"/>), so the stream keeps the time that applied then and a later change rewrites nothing.
/// </summary>
public sealed record SupervisionSettings(TimeSpan ReplyWithin, TimeSpan AcceptWithin, TimeSpan CallbackWithin, int CallbackAttempts)
{
    public const string Section = "Dispatch:Supervision";

    /// <summary>What a leader may give as the reply time (the API's <c>replyWithinMinutes</c>).</summary>
    public static readonly TimeSpan MinReplyWithin = TimeSpan.FromMinutes(15), MaxReplyWithin = TimeSpan.FromDays(7);

    public static SupervisionSettings Default { get; } =
        new(SupervisionRules.DefaultReplyWithin, TimeSpan.FromMinutes(30), TimeSpan.FromHours(24), SupervisionRules.DefaultAttemptsBeforeClosing);

    public static SupervisionSettings From(IConfiguration configuration)
    {
        var problems = new List<string>();
        var reply = Duration(configuration, "ReplyWithin", Default.ReplyWithin, problems);
        if (reply < MinReplyWithin || reply > MaxReplyWithin)
            problems.Add($"{Section}:ReplyWithin must lie between {MinReplyWithin} and {MaxReplyWithin}; it is {reply}");
        var accept = Duration(configuration, "AcceptWithin", Default.AcceptWithin, problems);
        var callback = Duration(configuration, "CallbackWithin", Default.CallbackWithin, problems);
        var attempts = Default.CallbackAttempts;
        if (configuration[$"{Section}:CallbackAttempts"] is { } text && (!int.TryParse(text, out attempts) || attempts is < 1 or > 20))
            problems.Add($"{Section}:CallbackAttempts must be a whole number from 1 to 20; it is '{text}'");
        if (problems.Count > 0) throw new InvalidOperationException(string.Join("; ", problems) + ".");
        return new SupervisionSettings(reply, accept, callback, attempts);
    }

    static TimeSpan Duration(IConfiguration configuration, string name, TimeSpan fallback, List<string> problems)
    {
        var key = $"{Section}:{name}";
        if (configuration[key] is not { } text) return fallback;
        if (DuplicateRules.ReadWindow(text) is { } span && span > TimeSpan.Zero) return span;
        problems.Add($"{key} must be a positive time span as hours:minutes:seconds (00:30:00) or days.hours:minutes:seconds (1.00:00:00); it is '{text}'");
        return fallback;
    }

    /// <summary>
    /// The command with what the server knows and the rules need: the configured times, the supervising leader's level,
    /// and the department a handler answers in the name of (a dispatcher answers for the desk).
    /// </summary>
    public IncidentCommand Complete(IncidentCommand command, Actor actor, IncidentScope scope) => command switch
    {
        SuperviseIncident s => s with { ReplyWithin = s.ReplyWithin ?? ReplyWithin, LeaderLevel = AccessRules.LeaderLevel(actor, scope) },
        ResolveIncident r => r with { CallbackWithin = CallbackWithin },
        CloseIncident c => c with { AttemptsNeeded = CallbackAttempts },
        AnswerSupervision { Department: null } a when !AccessRules.Allows(actor, a, scope) =>
            a with { Department = AccessRules.ActingDepartment(actor, scope) },
        _ => command,
    };
}
