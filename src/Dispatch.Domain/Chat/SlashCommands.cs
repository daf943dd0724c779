using System.Globalization;
using System.Text.RegularExpressions;

namespace Dispatch.Domain.Chat;

// Chat-ops: a line typed in a channel that starts with '/' is a command. Parsing is pure and knows nothing of who
// types it or where: the chat service resolves the incident (named with #number, or the channel's own), checks the
// same rights as the buttons and runs the same command path.

/// <summary>A parsed slash command. <see cref="Incident"/> is the number named with <c>#</c>, or null (the channel's own).</summary>
public abstract record ChatCommand(string? Incident);

/// <summary><c>/assign</c> a department (with assisting ones after <c>+</c>), or a unit by its call sign.</summary>
public sealed record AssignCommand(string? Incident, string Target, IReadOnlyList<string> Assisting) : ChatCommand(Incident);
/// <summary>
/// <c>/assign 1</c>: send the unit numbered 1 in the list <c>/units near</c> last answered to the sender in this channel
/// for this incident (the drawer's number keys, typed). The server keeps the list; parsing knows only the number.
/// </summary>
public sealed record AssignProposedCommand(string? Incident, int Number) : ChatCommand(Incident);
public sealed record AcceptCommand(string? Incident) : ChatCommand(Incident);
public sealed record AckCommand(string? Incident) : ChatCommand(Incident);
public sealed record NoteCommand(string? Incident, string Text) : ChatCommand(Incident);
public sealed record EscalateCommand(string? Incident, string Reason) : ChatCommand(Incident);
public sealed record DelegateCommand(string? Incident, string Reason) : ChatCommand(Incident);
public sealed record ReturnCommand(string? Incident, string Reason) : ChatCommand(Incident);
public sealed record ResolveCommand(string? Incident, string Resolution) : ChatCommand(Incident);
/// <summary><c>/callback</c>: the citizen was called back; satisfaction 1–5 and what they said.</summary>
public sealed record CallbackCommand(string? Incident, int Satisfaction, string? Comment) : ChatCommand(Incident);
public sealed record CloseCommand(string? Incident) : ChatCommand(Incident);
/// <summary><c>/status</c> of an incident (named or the channel's) or of a unit by its call sign.</summary>
public sealed record StatusCommand(string? Incident, string? Unit) : ChatCommand(Incident);
/// <summary><c>/units near</c>: the recommendation for the incident, optionally for one capability.</summary>
public sealed record UnitsNearCommand(string? Incident, string? Capability) : ChatCommand(Incident);
public sealed record SuperviseCommand(string? Incident, string Comment) : ChatCommand(Incident);
/// <summary><c>/answer</c> the supervision: the lead department's handlers and the commanding desk's dispatchers.</summary>
public sealed record AnswerCommand(string? Incident, string Text) : ChatCommand(Incident);
public sealed record WhoCommand() : ChatCommand((string?)null);
/// <summary><c>/cancel</c>: a duplicate or an invalid report, with a note (a duplicate names the one it repeats).</summary>
public sealed record CancelCommand(string? Incident, Incidents.CancelReason Reason, string? Note) : ChatCommand(Incident);
/// <summary><c>/merge … into #other</c>: the incident is the duplicate, <see cref="Into"/> the number it goes into.</summary>
public sealed record MergeCommand(string? Incident, string Into) : ChatCommand(Incident);
public sealed record ReopenCommand(string? Incident, string Reason) : ChatCommand(Incident);
/// <summary><c>/locate</c>: WGS-84 coordinates, and the address when one is given.</summary>
public sealed record LocateCommand(string? Incident, double Lat, double Lon, string? Address) : ChatCommand(Incident);
/// <summary><c>/place</c> by hand: a jurisdiction by code, path or name(s), looked up in the tree by the server.</summary>
public sealed record PlaceCommand(string? Incident, string Jurisdiction) : ChatCommand(Incident);
/// <summary>
/// <c>/route</c>: override the command level, optionally the lead department, with a reason. <see cref="Text"/> is
/// everything after the level: only the server knows the departments, so it takes a leading department name off it
/// (as <c>/assign</c> tells a department from a unit).
/// </summary>
public sealed record RouteCommand(string? Incident, Command.CommandLevel Level, string Text) : ChatCommand(Incident);
/// <summary><c>/reveal</c> the caller for a reason: answered to the sender only, and audited.</summary>
public sealed record RevealCommand(string? Incident, string Reason) : ChatCommand(Incident);
/// <summary>Activate a contingency plan (by its code) on the incident, with a reason.</summary>
public sealed record PlanCommand(string? Incident, string Plan, string Reason) : ChatCommand(Incident);
/// <summary><c>/plan</c> with nothing after it: the plans that match the incident, with their codes (to the sender only).</summary>
public sealed record PlansCommand(string? Incident) : ChatCommand(Incident);
public sealed record StandDownCommand(string? Incident, string Reason) : ChatCommand(Incident);
/// <summary><c>/msg</c>: a dispatcher's words to a unit's phone; no incident.</summary>
public sealed record MessageUnitCommand(string CallSign, string Text) : ChatCommand((string?)null);
public sealed record HelpCommand(string? Topic) : ChatCommand((string?)null);

/// <summary>Why a line is not a command we can run, and how to write it.</summary>
public sealed record ChatError(string Code, string Message, string? Usage = null);

/// <summary>One command's name, how to write it and what it does (for /help and autocomplete).</summary>
public sealed record CommandHelp(string Name, string Usage, string Summary);

public sealed record ChatParse(ChatCommand? Command, ChatError? Error)
{
    public static ChatParse Ok(ChatCommand command) => new(command, null);
    public static ChatParse Fail(string code, string message, string? usage = null) => new(null, new ChatError(code, message, usage));
}

public static partial class SlashCommands
{
    /// <summary>The longest message a channel accepts, commands included.</summary>
    public const int MaxLength = 2000;

    /// <summary>The highest number <c>/units near</c> gives a unit (the drawer's keys 1–9).</summary>
    public const int MaxProposal = 9;

    /// <summary>The longest reason for revealing a caller.</summary>
    public const int MaxRevealReason = 200;

    public static readonly IReadOnlyList<CommandHelp> All =
    [
        new("accept", "/accept [#number]", "Accept a reported incident (it is genuine and ours to dispatch)."),
        new("assign", "/assign <department> [+<assisting> …] [#number]  |  /assign <unit call sign> [#number]  |  /assign <1–9>",
            "Assign the incident to a department (with assisting ones), or send a unit to it: by its call sign, or by its number in the list /units near just gave you."),
        new("ack", "/ack [#number]", "Acknowledge the incident for your department."),
        new("note", "/note [#number] <text>", "Note progress for your department."),
        new("escalate", "/escalate [#number] <reason>", "Move command one level up."),
        new("delegate", "/delegate [#number] <reason>", "Move command one level down."),
        new("return", "/return [#number] <reason>", "Return the incident to the dispatchers (your department's part)."),
        new("resolve", "/resolve [#number] <how it was resolved>", "Resolve the incident for your department."),
        new("callback", "/callback [#number] <satisfaction 1–5> [what the citizen said]", "Record the call back to the citizen."),
        new("close", "/close [#number]", "Close the incident after the citizen's callback."),
        new("status", "/status [#number | <unit call sign>]", "Show where an incident or a unit stands."),
        new("units", "/units near [#number] [<capability>]", "Recommend units to send, nearest first, numbered: /assign 1 sends the first."),
        new("supervise", "/supervise [#number] <comment>", "Flag the incident for supervision (leaders)."),
        new("answer", "/answer [#number] <text>", "Answer the leader's supervision (the lead department, the commanding desk)."),
        new("cancel", "/cancel [#number] <duplicate|invalid> [note]", "Cancel a duplicate (say which one it repeats) or an invalid report."),
        new("merge", "/merge [#number] into #other", "Merge this duplicate report into the incident already open for it."),
        new("reopen", "/reopen [#number] <reason>", "Reopen a resolved or closed incident."),
        new("locate", "/locate [#number] <latitude> <longitude> [address]", "Set or correct where the incident is."),
        new("place", "/place [#number] <jurisdiction code, path or name>", "Place the incident by hand in a district, town or grid cell."),
        new("route", "/route [#number] <town|district|city> [lead department] <reason>", "Override the command level and, optionally, the lead department."),
        new("reveal", "/reveal [#number] <reason>", "Show you the caller's details (to you only; the reason is audited)."),
        new("plan", "/plan [#number] [<plan code> <reason>]",
            "Activate a contingency plan on the incident (the commanding centre); without a code, list the plans that match it."),
        new("standdown", "/standdown [#number] <reason>", "Stand the running plan down."),
        new("msg", "/msg <unit call sign> <text>", "Send words to a unit's phone."),
        new("who", "/who", "Who is in this channel."),
        new("help", "/help [<command>]", "List the commands, or explain one."),
    ];

    /// <summary>How to write <paramref name="command"/> (its line in <see cref="All"/>).</summary>
    public static CommandHelp HelpFor(ChatCommand command) => All.First(h => h.Name == command switch
    {
        AcceptCommand => "accept",
        AssignCommand or AssignProposedCommand => "assign",
        AckCommand => "ack",
        NoteCommand => "note",
        EscalateCommand => "escalate",
        DelegateCommand => "delegate",
        ReturnCommand => "return",
        ResolveCommand => "resolve",
        CallbackCommand => "callback",
        CloseCommand => "close",
        StatusCommand => "status",
        UnitsNearCommand => "units",
        SuperviseCommand => "supervise",
        AnswerCommand => "answer",
        CancelCommand => "cancel",
        MergeCommand => "merge",
        ReopenCommand => "reopen",
        LocateCommand => "locate",
        PlaceCommand => "place",
        RouteCommand => "route",
        RevealCommand => "reveal",
        PlanCommand or PlansCommand => "plan",
        StandDownCommand => "standdown",
        MessageUnitCommand => "msg",
        WhoCommand => "who",
        HelpCommand => "help",
        _ => throw new ArgumentOutOfRangeException(nameof(command), command, "A command without a help line."),
    });

    public static bool IsCommand(string? text) => text is not null && text.TrimStart().StartsWith('/');

    /// <summary>Any character that must never reach a channel: the rule of <see cref="FreeText"/>.</summary>
    public static bool IsForbidden(char c) => FreeText.IsForbidden(c);

    /// <summary>Checks a message (command or not) before anything else: not empty, not too long, no control characters.</summary>
    public static ChatError? CheckMessage(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return new("message.empty", "Write something first.");
        if (text.Length > MaxLength)
            return new("message.too-long", string.Create(CultureInfo.InvariantCulture,
                $"A message is at most {MaxLength} characters; this one has {text.Length}."));
        var bad = FreeText.IndexOfForbidden(text);
        if (bad >= 0)
            return new("message.control", string.Create(CultureInfo.InvariantCulture,
                $"The message contains a control character (U+{(int)text[bad]:X4}); remove it."));
        return null;
    }

    public static ChatParse Parse(string? text)
    {
        if (CheckMessage(text) is { } invalid) return new(null, invalid);
        var line = text!.Trim();
        if (!line.StartsWith('/')) return ChatParse.Fail("command.not-a-command", "A command starts with '/'. Type /help for the list.");

        var words = Words(line[1..]);
        if (words.Count == 0) return ChatParse.Fail("command.empty", "Type a command after '/'. Type /help for the list.");
        var name = words[0].ToLowerInvariant();
        var args = words.Skip(1).ToList();
        var help = All.FirstOrDefault(h => h.Name == name);
        if (help is null)
        {
            var close = All.Where(h => h.Name.StartsWith(name[..1], StringComparison.Ordinal)).Select(h => "/" + h.Name).ToList();
            return ChatParse.Fail("command.unknown",
                $"There is no command /{Shorten(name)}." + (close.Count > 0 ? $" Did you mean {string.Join(" or ", close)}?" : "") +
                " Type /help for the list.");
        }

        // A message to a unit is free text: a #number in it is a reference for the crew, not the command's incident.
        if (name == "msg")
        {
            if (args.Count == 0) return ChatParse.Fail("command.msg.missing", "/msg needs a unit's call sign and the text.", help.Usage);
            if (args.Count == 1) return ChatParse.Fail("command.msg.missing", "/msg needs the text to send.", help.Usage);
            return ChatParse.Ok(new MessageUnitCommand(args[0], string.Join(' ', args.Skip(1))));
        }

        // /merge names two incidents: the one after 'into' is the target, so the one-#number rule holds for the rest.
        string? into = null;
        if (name == "merge" && args.FindIndex(a => a.Equals("into", StringComparison.OrdinalIgnoreCase)) is var at and >= 0)
        {
            if (at + 1 == args.Count) return ChatParse.Fail("command.merge.missing", "/merge needs the incident it duplicates: into #number.", help.Usage);
            if (!IncidentReference().IsMatch(args[at + 1]))
                return ChatParse.Fail("command.merge.target", $"'{Shorten(args[at + 1])}' is not an incident number; write into #20261123-0042.", help.Usage);
            into = args[at + 1][1..];
            args.RemoveRange(at, 2);
        }

        // One incident may be named anywhere with #number; a second one is a mistake, not text.
        var numbers = args.Where(a => a.StartsWith('#')).ToList();
        foreach (var n in numbers)
            if (!IncidentReference().IsMatch(n))
                return ChatParse.Fail("command.bad-number", $"'{Shorten(n)}' is not an incident number; write it like #20261123-0042.", help.Usage);
        if (numbers.Count > 1)
            return ChatParse.Fail("command.two-incidents", $"Name one incident, not {numbers.Count}.", help.Usage);
        var incident = numbers.FirstOrDefault()?[1..];
        var rest = args.Where(a => !a.StartsWith('#')).ToList();
        var restText = string.Join(' ', rest);

        ChatParse Need(string what) => ChatParse.Fail($"command.{name}.missing", $"/{name} needs {what}.", help.Usage);
        ChatParse NoMore() => ChatParse.Fail($"command.{name}.extra", $"/{name} takes nothing more than the incident; '{Shorten(restText)}' is left over.", help.Usage);

        switch (name)
        {
            case "assign":
                if (rest.Count == 0) return Need("a department or a unit");
                if (rest[0].StartsWith('+')) return Need("the lead department before the assisting ones");
                // A bare number is a place in the list /units near answered: no department or call sign is all digits.
                if (rest[0].All(char.IsAsciiDigit))
                {
                    if (rest.Count > 1)
                        return ChatParse.Fail("command.assign.extra", $"/assign {Shorten(rest[0])} sends one proposed unit; '{Shorten(string.Join(' ', rest.Skip(1)))}' is left over.", help.Usage);
                    return int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxProposal
                        ? ChatParse.Ok(new AssignProposedCommand(incident, n))
                        : ChatParse.Fail("command.assign.number", $"A proposed unit is numbered 1 to {MaxProposal}, not '{Shorten(rest[0])}'.", help.Usage);
                }
                var assisting = rest.Skip(1).ToList();
                if (assisting.FirstOrDefault(a => !a.StartsWith('+') || a.Length == 1) is { } stray)
                    return ChatParse.Fail("command.assign.assisting", $"Assisting departments are written +code; '{Shorten(stray)}' is not.", help.Usage);
                return ChatParse.Ok(new AssignCommand(incident, rest[0], [.. assisting.Select(a => a[1..])]));
            case "accept":
                return rest.Count > 0 ? NoMore() : ChatParse.Ok(new AcceptCommand(incident));
            case "callback":
                if (rest.Count == 0) return Need("the citizen's satisfaction, 1 to 5");
                if (!int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out var score) || score is < 1 or > 5)
                    return ChatParse.Fail("command.callback.satisfaction", $"Satisfaction is a score from 1 to 5, not '{Shorten(rest[0])}'.", help.Usage);
                return ChatParse.Ok(new CallbackCommand(incident, score, rest.Count > 1 ? string.Join(' ', rest.Skip(1)) : null));
            case "ack":
                return rest.Count > 0 ? NoMore() : ChatParse.Ok(new AckCommand(incident));
            case "close":
                return rest.Count > 0 ? NoMore() : ChatParse.Ok(new CloseCommand(incident));
            case "note":
                return rest.Count == 0 ? Need("the text of the note") : ChatParse.Ok(new NoteCommand(incident, restText));
            case "escalate":
                return rest.Count == 0 ? Need("a reason") : ChatParse.Ok(new EscalateCommand(incident, restText));
            case "delegate":
                return rest.Count == 0 ? Need("a reason") : ChatParse.Ok(new DelegateCommand(incident, restText));
            case "return":
                return rest.Count == 0 ? Need("a reason") : ChatParse.Ok(new ReturnCommand(incident, restText));
            case "resolve":
                return rest.Count == 0 ? Need("how it was resolved") : ChatParse.Ok(new ResolveCommand(incident, restText));
            case "supervise":
                return rest.Count == 0 ? Need("a comment") : ChatParse.Ok(new SuperviseCommand(incident, restText));
            case "answer":
                return rest.Count == 0 ? Need("the answer") : ChatParse.Ok(new AnswerCommand(incident, restText));
            case "status":
                if (rest.Count > 1) return ChatParse.Fail("command.status.extra", "/status takes one incident or one unit.", help.Usage);
                if (incident is not null && rest.Count == 1)
                    return ChatParse.Fail("command.status.both", "/status takes an incident or a unit, not both.", help.Usage);
                return ChatParse.Ok(new StatusCommand(incident, rest.FirstOrDefault()));
            case "units":
                if (rest.Count == 0 || !rest[0].Equals("near", StringComparison.OrdinalIgnoreCase)) return Need("'near'");
                if (rest.Count > 2) return ChatParse.Fail("command.units.extra", "/units near takes at most one capability.", help.Usage);
                return ChatParse.Ok(new UnitsNearCommand(incident, rest.ElementAtOrDefault(1)));
            case "cancel":
                if (rest.Count == 0) return Need("a reason: duplicate or invalid");
                if (CancelReasonOf(rest[0]) is not { } why)
                    return ChatParse.Fail("command.cancel.reason", $"A cancellation is 'duplicate' or 'invalid', not '{Shorten(rest[0])}'.", help.Usage);
                return ChatParse.Ok(new CancelCommand(incident, why, rest.Count > 1 ? string.Join(' ', rest.Skip(1)) : null));
            case "merge":
                if (into is null) return Need("the incident it duplicates: into #number");
                return rest.Count > 0 ? NoMore() : ChatParse.Ok(new MergeCommand(incident, into));
            case "reopen":
                return rest.Count == 0 ? Need("a reason") : ChatParse.Ok(new ReopenCommand(incident, restText));
            case "locate":
                return Locate(incident, rest, help);
            case "place":
                return rest.Count == 0 ? Need("a jurisdiction (code, path or name)") : ChatParse.Ok(new PlaceCommand(incident, restText));
            case "route":
                if (rest.Count == 0) return Need("a level (town, district or city) and a reason");
                if (LevelOf(rest[0]) is not { } level)
                    return ChatParse.Fail("command.route.level", $"The level is town, district or city, not '{Shorten(rest[0])}'.", help.Usage);
                return rest.Count == 1 ? Need("a reason") : ChatParse.Ok(new RouteCommand(incident, level, string.Join(' ', rest.Skip(1))));
            case "plan":
                if (rest.Count == 0) return ChatParse.Ok(new PlansCommand(incident));
                return rest.Count == 1 ? Need("a reason") : ChatParse.Ok(new PlanCommand(incident, rest[0], string.Join(' ', rest.Skip(1))));
            case "standdown":
                return rest.Count == 0 ? Need("a reason") : ChatParse.Ok(new StandDownCommand(incident, restText));
            case "reveal":
                if (rest.Count == 0) return Need("a reason (it is kept in the audit trail)");
                // The console's and the API's limit for a reason to see a caller.
                return restText.Length > MaxRevealReason
                    ? ChatParse.Fail("command.reveal.too-long", $"A reason is at most {MaxRevealReason} characters; this one has {restText.Length}.", help.Usage)
                    : ChatParse.Ok(new RevealCommand(incident, restText));
            case "who":
                return args.Count > 0 ? NoMore() : ChatParse.Ok(new WhoCommand());
            case "help":
                return ChatParse.Ok(new HelpCommand(args.FirstOrDefault()?.TrimStart('/').ToLowerInvariant()));
            default:
                throw new InvalidOperationException($"/{name} is listed but not parsed.");
        }
    }

    /// <summary>
    /// Latitude then longitude, as a map copies them: "31.2304 121.4737", "31.2304, 121.4737" or "31.2304,121.4737";
    /// whatever follows is the address.
    /// </summary>
    static ChatParse Locate(string? incident, List<string> rest, CommandHelp help)
    {
        // Joined by a comma only with decimal points on both sides: "31,5" is a decimal comma, not a point at (31, 5).
        var words = rest.Count > 0 && rest[0].Split(',', StringSplitOptions.RemoveEmptyEntries) is [var a, var b] && a.Contains('.') && b.Contains('.')
            ? [a, b, .. rest.Skip(1)] : rest;
        if (words.Count < 2) return ChatParse.Fail("command.locate.missing", "/locate needs a latitude and a longitude.", help.Usage);
        var lat = words[0].TrimEnd(',');
        if (Coordinate(lat, 90) is not { } latitude)
            return ChatParse.Fail("command.locate.lat", $"The latitude is a number from -90 to 90, not '{Shorten(lat)}'.", help.Usage);
        if (Coordinate(words[1], 180) is not { } longitude)
            return ChatParse.Fail("command.locate.lon", $"The longitude is a number from -180 to 180, not '{Shorten(words[1])}'.", help.Usage);
        return ChatParse.Ok(new LocateCommand(incident, latitude, longitude, words.Count > 2 ? string.Join(' ', words.Skip(2)) : null));
    }

    static double? Coordinate(string s, double limit) =>
        double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) && Math.Abs(v) <= limit
            ? v : null;

    /// <summary>The two reasons the console offers, in English or as a Chinese dispatcher says them.</summary>
    static Incidents.CancelReason? CancelReasonOf(string word) => word.ToLowerInvariant() switch
    {
        "duplicate" or "重复" => Incidents.CancelReason.Duplicate,
        "invalid" or "无效" => Incidents.CancelReason.Invalid,
        _ => null,
    };

    static Command.CommandLevel? LevelOf(string word) => word.ToLowerInvariant() switch
    {
        "town" or "镇" or "街道" => Command.CommandLevel.Town,
        "district" or "区" => Command.CommandLevel.District,
        "city" or "市" => Command.CommandLevel.City,
        _ => null,
    };

    /// <summary>The commands whose name starts with what was typed after '/' (for the message box's autocomplete).</summary>
    public static IReadOnlyList<CommandHelp> Complete(string typed)
    {
        var prefix = typed.TrimStart().TrimStart('/').ToLowerInvariant();
        return [.. All.Where(h => h.Name.StartsWith(prefix, StringComparison.Ordinal))];
    }

    /// <summary>Every #number in a message, for rendering links (the text itself is always shown as text, never as markup).</summary>
    public static IEnumerable<string> IncidentNumbers(string text) =>
        IncidentReferenceInText().Matches(text).Select(m => m.Groups[1].Value).Distinct();

    /// <summary>Splits on any white space, the full-width space a Chinese input method types (U+3000) included.</summary>
    static List<string> Words(string s) => [.. s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>Echoes user text in an error only shortened, so a hostile 2,000-character token does not fill the answer.</summary>
    static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    [GeneratedRegex(@"^#\d{8}-\d{4,}$")]
    private static partial Regex IncidentReference();

    [GeneratedRegex(@"(?<![\w-])#(\d{8}-\d{4,})(?![\w-])")]
    private static partial Regex IncidentReferenceInText();
}
