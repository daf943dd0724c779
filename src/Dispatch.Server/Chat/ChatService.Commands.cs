using System.Globalization;
using System.Text;
using Dispatch.Domain.Access;
using Dispatch.Domain.Chat;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Units;
using Marten;

namespace Dispatch.Server.Chat;

public sealed partial class ChatService
{
    /// <summary>
    /// Runs a parsed command. The incident is the one named with #number, or the channel's own; the command goes through
    /// the same service as the button, and its line and result are written to the incident's channel in the command's own
    /// transaction. Questions (/status, /units near, /who, /help) are answered to the sender only.
    /// </summary>
    async Task<ChatOutcome> Run(Actor actor, ChannelContext context, string line, ChatCommand command, CancellationToken ct)
    {
        switch (command)
        {
            case HelpCommand help:
                return Help(help.Topic);
            case WhoCommand:
                return new ChatOutcome.Answered(await Who(context, ct));
            case StatusCommand { Unit: { } callSign }:
                return await UnitStatusOf(actor, callSign, ct);
            case MessageUnitCommand message:
                return await MessageUnit(actor, message, ct);
        }

        var (card, refused) = await IncidentFor(actor, context, command, ct);
        if (refused is not null) return refused;
        switch (command)
        {
            case StatusCommand:
                return new ChatOutcome.Answered(IncidentStatus(card!));
            case UnitsNearCommand near:
                return new ChatOutcome.Answered(await Near(actor, context, card!, near.Capability, ct));
            case RevealCommand reveal:
                // The caller's details are for the sender only: never posted, only audited.
                return await Reveal(actor, card!, reveal.Reason, ct);
            case PlansCommand:
                return await PlansFor(actor, card!, ct);
        }

        var chat = new ChatLine(line, await ResolveMentions(line, ct));
        switch (command)
        {
            case AssignCommand assign when await UnitCalled(assign.Target, ct) is { } unit:
                if (assign.Assisting.Count > 0)
                    return new ChatOutcome.Refused("command.assign.unit-and-departments",
                        words.Say("chat.error.command.assign.unit-and-departments", "Send one unit, or assign departments; not both in one command."),
                        SlashCommands.HelpFor(assign).Usage);
                return Reported(await units.Typed(actor, unit.Id, new DispatchUnit(card!.Id, card.Number, ""), chat, ct), card!, unit.CallSign, chat);
            case AssignProposedCommand proposed:
                return await SendProposed(actor, context, card!, proposed, chat, ct);
            case AckCommand when await UnitOf(actor, ct) is { } mine:
                // A unit acknowledges by accepting and going: the same one tap as on its phone.
                return mine.IncidentId == card!.Id
                    ? Reported(await units.Typed(actor, mine.Id, new AcceptAndGo(""), chat, ct), card, mine.CallSign, chat)
                    : new ChatOutcome.Refused("command.ack.not-yours",
                        words.Say("chat.error.command.ack.not-yours", "Unit {0} is not on #{1}.", mine.CallSign, card.Number));
            case MergeCommand merge:
                // The target is looked up like the command's own incident: one the sender may not see is not confirmed.
                var (target, unknown) = await IncidentFor(actor, context, merge with { Incident = merge.Into }, ct);
                if (unknown is not null) return unknown;
                return Reported(await incidents.Typed(actor, card!.Id, new MergeIncident(target!.Id, ""), chat, ct), card, chat);
        }

        // The commands the drawer's forms send go through the drawer's own request and parser: the same record, the
        // same field checks as the button.
        var (asButton, invalid) = AsTheButton(command);
        if (invalid is not null) return invalid;

        var department = AccessRules.ActingDepartment(actor, card!.Scope());
        IncidentCommand? incidentCommand = command switch
        {
            AcceptCommand => new AcceptIncident(""),
            AssignCommand a => DepartmentCode(a.Target) is { } lead
                ? new AssignIncident(lead, "", [.. a.Assisting.Select(x => DepartmentCode(x) ?? x)])
                : null,
            AckCommand => department is null ? null : new AcknowledgeIncident(department, ""),
            NoteCommand n => department is null ? null : new NoteProgress(department, n.Text, ""),
            ReturnCommand r => department is null ? null : new ReturnIncident(department, r.Reason, ""),
            ResolveCommand r => department is null ? null : new ResolveIncident(department, r.Resolution, ""),
            EscalateCommand e => new EscalateIncident(e.Reason, ""),
            DelegateCommand d => new DelegateIncident(d.Reason, ""),
            SuperviseCommand s => new SuperviseIncident(s.Comment, ""),
            AnswerCommand a => new Dispatch.Domain.Supervision.AnswerSupervision(a.Text, ""),
            CallbackCommand c => new RecordCallback(c.Satisfaction, c.Comment, ""),
            CloseCommand => new CloseIncident(""),
            CancelCommand or ReopenCommand or LocateCommand or PlaceCommand or RouteCommand or PlanCommand or StandDownCommand => asButton,
            _ => throw new InvalidOperationException($"{command.GetType().Name} has no incident command."),
        };
        if (incidentCommand is null)
        {
            return command is AssignCommand a
                ? new ChatOutcome.Refused("command.assign.unknown",
                    words.Say("chat.error.command.assign.unknown", "No department or unit is called '{0}'. Departments: {1}.", a.Target,
                        string.Join(", ", city.Departments.Select(d => d.Code))), SlashCommands.HelpFor(a).Usage)
                : new ChatOutcome.Refused("command.no-department",
                    words.Say("chat.error.command.no-department", "You act for no department on #{0} (its lead is {1}).", card!.Number,
                        words.Department(card.LeadDepartment)));
        }
        return Reported(await incidents.Typed(actor, card!.Id, incidentCommand, chat, ct), card, chat);
    }

    /// <summary>
    /// The request the console's action drawer sends for the same command (see ActionInput.ToRequest), turned into the
    /// command by the same parser the drawer and the API use. Null for the commands that are not a drawer form.
    /// </summary>
    (IncidentCommand? Command, ChatOutcome.Refused? Refused) AsTheButton(ChatCommand command)
    {
        (string Action, CommandRequest Request)? form;
        switch (command)
        {
            case CancelCommand c:
                form = ("cancel", new CommandRequest(Reason: c.Reason.ToString(), Note: Blank(c.Note)));
                break;
            case ReopenCommand r:
                form = ("reopen", new CommandRequest(Reason: r.Reason));
                break;
            case PlanCommand p:
                form = ("activate-plan", new CommandRequest(Plan: p.Plan, Reason: p.Reason));
                break;
            case StandDownCommand d:
                form = ("stand-down", new CommandRequest(Reason: d.Reason));
                break;
            case LocateCommand l:
                form = ("locate", new CommandRequest(Lat: l.Lat, Lon: l.Lon, Address: Blank(l.Address)));
                break;
            case PlaceCommand p:
                var (code, unknown) = JurisdictionNamed(p);
                if (unknown is not null) return (null, unknown);
                form = ("place", new CommandRequest(Jurisdiction: code));
                break;
            case RouteCommand r:
                // The word after the level is the lead department when it names one and a reason follows it.
                var parts = r.Text.Split(' ', 2);
                var lead = DepartmentCode(parts[0]);
                if (lead is not null && parts.Length == 1)
                    return (null, new ChatOutcome.Refused("command.route.missing",
                        words.Say("chat.error.command.route.missing", "/route needs a reason after the department."), SlashCommands.HelpFor(r).Usage));
                form = ("override", new CommandRequest(Level: r.Level.ToString(), Department: lead, Reason: lead is null ? r.Text : parts[1]));
                break;
            default:
                return (null, null);
        }
        var (parsed, errors) = IncidentCommandParser.Parse(form.Value.Action, form.Value.Request, "", city, jurisdictions, plans);
        return errors.Count > 0
            ? (null, new ChatOutcome.Refused("command.invalid", string.Join(" ", errors.Select(refusals.Field)), SlashCommands.HelpFor(command).Usage))
            : (parsed, null);
    }

    static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>
    /// The node below the city that <c>/place</c> names: by code, by path (<c>demo/dh/dh-01</c>), or by its name with as
    /// many of its parents' names before it as it takes to name one node (<c>东湖街道 第3网格</c>; '/', '·' and '>' separate
    /// too), as the console's picker shows them.
    /// </summary>
    (string? Code, ChatOutcome.Refused? Refused) JurisdictionNamed(PlaceCommand place)
    {
        var text = place.Jurisdiction.Trim();
        if (jurisdictions.Find(text) is { } byCode) return (byCode.Code, null);
        if (jurisdictions.Nodes.FirstOrDefault(n => n.Path == text.Trim('/')) is { } byPath) return (byPath.Code, null);
        var names = text.Split([' ', '/', '·', '>', '\u3000'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var found = jurisdictions.Nodes.Where(n => n.Kind != Jurisdictions.JurisdictionKind.City)
            .Where(n => jurisdictions.Lineage(n.Code).Select(l => l.Name).TakeLast(names.Length)
                .SequenceEqual(names, StringComparer.OrdinalIgnoreCase))
            .ToList();
        var usage = SlashCommands.HelpFor(place).Usage;
        return found switch
        {
            [var one] => (one.Code, null),
            [] => (null, new ChatOutcome.Refused("command.place.unknown",
                words.Say("chat.error.command.place.unknown", "No district, town or grid cell is called '{0}'.", text), usage)),
            _ => (null, new ChatOutcome.Refused("command.place.ambiguous",
                words.Say("chat.error.command.place.ambiguous", "'{0}' names {1} places; name the one with its town or district, or its code: {2}.",
                    text, found.Count, string.Join("; ", found.Take(5).Select(n => $"{n.Code} ({string.Join(" · ",
                        jurisdictions.Lineage(n.Code).Where(l => l.Kind != Jurisdictions.JurisdictionKind.City).Select(l => l.Name))})")) + (found.Count > 5 ? " …" : "")),
                usage)),
        };
    }

    /// <summary>The caller's details through the same check and audit as the console's reveal button.</summary>
    async Task<ChatOutcome> Reveal(Actor actor, IncidentCard card, string reason, CancellationToken ct) =>
        await incidents.RevealCaller(actor, card.Id, reason.Trim(), Pipeline.Via.Chat, ct) switch
        {
            RevealOutcome.Revealed r => new ChatOutcome.Answered(
                words.Say("chat.reveal", "Caller of #{0}: {1} · {2}", card.Number, r.CallerName ?? "—", r.CallerPhone ?? "—") +
                string.Concat((r.Callers ?? []).Select(c => $"\n  #{c.Number}: {c.Name ?? "—"} · {c.Phone ?? "—"}"))),
            RevealOutcome.Forbidden f => new ChatOutcome.Refused(f.Denial.Code, f.Denial.Message),
            _ => new ChatOutcome.Refused("command.unknown-incident",
                words.Say("chat.error.command.unknown-incident", "There is no incident #{0} that you may see.", card.Number)),
        };

    /// <summary>Words to a unit's phone, as the console's message box sends them; the answer is for the sender.</summary>
    async Task<ChatOutcome> MessageUnit(Actor actor, MessageUnitCommand message, CancellationToken ct)
    {
        if (await UnitCalled(message.CallSign, ct) is not { } unit)
            return new ChatOutcome.Refused("command.unknown-unit", words.Say("chat.error.command.unknown-unit", "There is no unit {0}.", message.CallSign));
        return await units.Message(actor, unit.Id, message.Text.Trim(), Pipeline.Via.Chat, ct) switch
        {
            UnitOutcome.Done => new ChatOutcome.Answered(words.Say("chat.msg.sent", "Sent to {0}: {1}", unit.CallSign, message.Text.Trim())),
            UnitOutcome.Forbidden f => new ChatOutcome.Refused(f.Denial.Code, f.Denial.Message),
            UnitOutcome.Invalid i => new ChatOutcome.Refused("command.invalid", string.Join(" ", i.Errors.Select(refusals.Field))),
            _ => new ChatOutcome.Refused("command.unknown-unit", words.Say("chat.error.command.unknown-unit", "There is no unit {0}.", message.CallSign)),
        };
    }

    /// <summary>The incident a command acts on: named with #number, or the channel's own.</summary>
    async Task<(IncidentCard? Card, ChatOutcome.Refused? Refused)> IncidentFor(Actor actor, ChannelContext context, ChatCommand command, CancellationToken ct)
    {
        IncidentCard? card;
        if (command.Incident is { } number)
        {
            // Not found and not yours read the same: numbers outside one's scope are not confirmed.
            card = await readers.For(actor).Card(number, ct);
            return card is null
                ? (null, new("command.unknown-incident", words.Say("chat.error.command.unknown-incident", "There is no incident #{0} that you may see.", number)))
                : (card, null);
        }
        if (context.Channel.IncidentId is not { } id)
        {
            return (null, new("command.which-incident",
                words.Say("chat.error.command.which-incident", "Name the incident with #number: this channel is not an incident's."),
                SlashCommands.HelpFor(command).Usage));
        }
        await using var query = store.QuerySession();
        card = await query.LoadAsync<IncidentCard>(id, ct);
        return card is null
            ? (null, new("command.unknown-incident", words.Say("chat.error.command.unknown-incident", "There is no incident #{0} that you may see.", id)))
            : (card, null);
    }

    async Task<UnitRosterEntry?> UnitOf(Actor actor, CancellationToken ct)
    {
        if (!actor.Has(Role.FieldUnit)) return null;
        await using var query = store.QuerySession();
        return await query.SignedInAs(actor.Login, ct);
    }

    async Task<UnitRosterEntry?> UnitCalled(string callSign, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.Called(callSign, ct);
    }

    ChatOutcome Reported(CommandOutcome outcome, IncidentCard card, ChatLine chat) => outcome switch
    {
        CommandOutcome.Done => Done(card, chat),
        CommandOutcome.Refused r => new ChatOutcome.Refused(r.Refusal.Code, refusals.Refusal(r.Refusal)),
        CommandOutcome.Forbidden f => new ChatOutcome.Refused(f.Denial.Code, f.Denial.Message),
        CommandOutcome.Invalid i => new ChatOutcome.Refused("command.invalid", string.Join(" ", i.Errors.Select(refusals.Field))),
        CommandOutcome.NotFound => new ChatOutcome.Refused("command.unknown-incident",
            words.Say("chat.error.command.unknown-incident", "There is no incident #{0} that you may see.", card.Number)),
        CommandOutcome.Conflict c => new ChatOutcome.Refused("command.conflict", refusals.Conflict(c)),
        _ => throw new InvalidOperationException(outcome.ToString()),
    };

    ChatOutcome Reported(UnitOutcome outcome, IncidentCard card, string callSign, ChatLine chat) => outcome switch
    {
        UnitOutcome.Done => Done(card, chat),
        UnitOutcome.Refused r => new ChatOutcome.Refused(r.Refusal.Code, refusals.Refusal(r.Refusal)),
        UnitOutcome.Forbidden f => new ChatOutcome.Refused(f.Denial.Code, f.Denial.Message),
        UnitOutcome.NotFound => new ChatOutcome.Refused("command.unknown-unit", words.Say("chat.error.command.unknown-unit", "There is no unit {0}.", callSign)),
        UnitOutcome.Invalid i => new ChatOutcome.Refused("command.invalid", string.Join(" ", i.Errors.Select(refusals.Field))),
        _ => throw new InvalidOperationException(outcome.ToString()),
    };

    /// <summary>The sender reads what the incident's channel now says.</summary>
    ChatOutcome.Done Done(IncidentCard card, ChatLine chat) =>
        new(chat.Result is { } result ? words.Result(result) : words.Say("chat.done", "Done: #{0}.", card.Number), Domain.Chat.Channels.Incident(card.Id).Key);

    ChatOutcome Help(string? topic)
    {
        if (topic is not null)
        {
            return SlashCommands.All.FirstOrDefault(h => h.Name == topic) is { } one
                ? new ChatOutcome.Answered($"{one.Usage}\n{Summary(one)}")
                : new ChatOutcome.Refused("command.unknown", words.Say("chat.error.help.unknown", "There is no command /{0}. Type /help for the list.", topic));
        }
        var all = new StringBuilder(words.Say("chat.help.intro", "Commands (inside an incident's channel the incident is implied; elsewhere add #number):"));
        foreach (var h in SlashCommands.All) all.Append('\n').Append(h.Usage).Append(" — ").Append(Summary(h));
        return new ChatOutcome.Answered(all.ToString());
    }

    string Summary(CommandHelp help) => words.Say($"chat.help.{help.Name}", help.Summary);

    async Task<string> Who(ChannelContext context, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        var members = (await query.Query<UserAccount>().Where(u => !u.Disabled).ToListAsync(ct))
            .Where(u => context.IsMember(u.ToActor())).OrderBy(u => u.Name, StringComparer.Ordinal).ToList();
        var shown = members.Take(60).Select(u => $"{u.Name} (@{u.Id})");
        return words.Say("chat.who", "In this channel ({0}): {1}", members.Count, string.Join(", ", shown) + (members.Count > 60 ? " …" : ""));
    }

    string IncidentStatus(IncidentCard card)
    {
        var at = card.CentrePath.Length == 0 ? "" : $" ({directory.PlaceName(card.CentrePath)})";
        var text = new StringBuilder($"#{card.Number} {words.Category(card.Category)} · {words.State(card.State)} · {words.Level(card.Level)}{at}");
        if (card.LeadDepartment is { } lead) text.Append(" · ").Append(words.Say("chat.status.lead", "lead: {0}", words.Department(lead)));
        if (card.Assisting.Count > 0)
            text.Append(" · ").Append(words.Say("chat.status.assisting", "assisting: {0}", string.Join(", ", card.Assisting.Select(words.Department))));
        if (card.AcknowledgedBy.Count > 0)
            text.Append(" · ").Append(words.Say("chat.status.acknowledged", "acknowledged by: {0}", string.Join(", ", card.AcknowledgedBy.Select(words.Department))));
        foreach (var unit in card.Units)
            text.Append('\n').Append($"  {unit.CallSign} · {words.UnitStatus(unit.Status)} · {city.ToLocal(unit.Since):HH:mm}{(unit.Overdue ? " ⚑" : "")}");
        if (card.DeadlineDue is { } due)
            text.Append('\n').Append(words.Say("chat.status.deadline", "deadline: {0:HH:mm}", city.ToLocal(due)));
        if (card.Supervision is { } supervision)
            text.Append('\n').Append(words.Say("chat.status.supervised", "supervised: {0}", supervision));
        return text.ToString();
    }

    async Task<ChatOutcome> UnitStatusOf(Actor actor, string callSign, CancellationToken ct)
    {
        if (await UnitCalled(callSign, ct) is not { } line || !AccessRules.MayRead(actor, line.Scope()))
            return new ChatOutcome.Refused("command.unknown-unit", words.Say("chat.error.command.unknown-unit", "There is no unit {0}.", callSign));
        var unit = positions.Overlay(line);
        var now = clock.GetUtcNow();
        var text = new StringBuilder($"{unit.CallSign} · {words.Department(unit.Department)} · {words.UnitStatus(unit.Status)} · {city.ToLocal(unit.StatusSince):HH:mm}");
        if (unit.IncidentNumber is { } number) text.Append(" · #").Append(number);
        if (unit.PositionAt is { } seen)
            text.Append(" · ").Append(words.Say("chat.status.position", "position {0} min old", (int)(now - seen).TotalMinutes));
        return new ChatOutcome.Answered(text.ToString());
    }

    /// <summary>
    /// <c>/units near</c>: the drawer's recommendation in the drawer's words — numbered as its keys number them (the first
    /// nine units this reader can send), distances in 米/公里, the same stale and far warnings — and remembered for
    /// <c>/assign 1</c> (<see cref="ChatProposals"/>).
    /// </summary>
    async Task<string> Near(Actor actor, ChannelContext context, IncidentCard card, string? capability, CancellationToken ct)
    {
        switch (await recommendations.For(actor, card.Id, capability, ct: ct))
        {
            case RecommendationResult.Ranked { Recommendation: var r, Card: var current } when r.Proposed.Count > 0:
                var rows = Components.Units.UnitProposals.Rows(r, current, actor);
                proposals.Remember(actor.Login, context.Channel.Key, card.Id, rows);
                var unitWords = words.Units;
                var now = clock.GetUtcNow();
                var text = new StringBuilder(words.Say("chat.near.intro", "Proposed units for #{0}, nearest first:", card.Number));
                if (current.LeadDepartment is null)
                    text.Append('\n').Append(words.Say("units.unassigned", "Assign the incident to a department first; then its units can be sent."));
                foreach (var row in rows.Where((row, i) => row.Key is not null || i < SlashCommands.MaxProposal))
                {
                    var p = row.Proposed;
                    text.Append('\n').Append(words.Say("chat.near.line", "{0}. {1} · {2} · {3} · position {4} old",
                        row.Key?.ToString(CultureInfo.InvariantCulture) ?? "–", p.Unit.CallSign, words.Department(p.Unit.Department),
                        unitWords.Distance(p.DistanceMeters), unitWords.Age(p.PositionAge)));
                    if (unitWords.Caution(Components.Units.UnitProposals.Caution(p, now, recommendations.CautionAfter)) is { } caution)
                        text.Append(" ⚠ ").Append(caution);
                    if (row.Block == Components.Units.SendBlock.NotInvolved)
                        text.Append(" · ").Append(words.Say("units.not-involved", "{0} does not work on this incident", words.Department(p.Unit.Department)));
                    else if (row.Block is not null && current.LeadDepartment is not null)
                        text.Append(" · ").Append(words.Say("chat.near.not-yours", "not yours to send"));
                }
                if (rows.Any(row => row.Key is not null))
                    text.Append('\n').Append(words.Say("chat.near.hint", "/assign 1 sends number 1 (for the next {0} minutes).",
                        (int)ChatProposals.Lifetime.TotalMinutes));
                return text.ToString();
            case RecommendationResult.Ranked { Recommendation: var r }:
                return words.Say("chat.near.none", "No unit can be proposed for #{0}: {1}", card.Number,
                    string.Join("; ", r.LeftOut.Take(5).Select(l => $"{l.Unit.CallSign} ({words.Units.LeftOut(l, capability)})")));
            case RecommendationResult.NoLocation:
                return words.Say("chat.near.no-location", "#{0} has no coordinates yet: locate it first.", card.Number);
            default:
                return words.Say("chat.error.command.unknown-incident", "There is no incident #{0} that you may see.", card.Number);
        }
    }

    /// <summary>
    /// <c>/assign 1</c>: the unit numbered 1 in the list <c>/units near</c> last answered to this person, in this channel,
    /// for this incident, sent through the same command path as the drawer's key — and held by the drawer's guard: the
    /// same number again within its hold sends nothing; another number in that moment wants the unit named.
    /// </summary>
    async Task<ChatOutcome> SendProposed(Actor actor, ChannelContext context, IncidentCard card, AssignProposedCommand command, ChatLine chat,
        CancellationToken ct)
    {
        var usage = SlashCommands.HelpFor(command).Usage;
        ChatOutcome.Refused Refuse(string code, string fallback, params object?[] args) =>
            new(code, words.Say($"chat.error.{code}", fallback, args), usage);

        if (proposals.Last(actor.Login, context.Channel.Key, card.Id) is not { } list)
            return Refuse("command.assign.no-list", "No list of proposed units for #{0} from the last {1} minutes: ask /units near first.",
                card.Number, (int)ChatProposals.Lifetime.TotalMinutes);
        if (list.Numbered(command.Number) is not { } row)
            return Refuse("command.assign.no-number", "The list /units near gave you for #{0} has no unit numbered {1} that you can send.",
                card.Number, command.Number);

        ChatOutcome.Refused? Held()
        {
            lock (list.Gate)
            {
                return list.Guard.Press(row) switch
                {
                    Components.Units.UnitKeyDecision.AlreadySent =>
                        Refuse("command.assign.already-sent", "{0} was sent a moment ago: nothing more was sent.", row.Unit.CallSign),
                    Components.Units.UnitKeyDecision.Confirm =>
                        Refuse("command.assign.confirm", "A unit was sent from this list a moment ago. To send {0} as well, name it: /assign {0}",
                            row.Unit.CallSign),
                    _ => null,
                };
            }
        }

        if (Held() is { } held) return held;
        UnitRosterEntry? unit;
        await using (var query = store.QuerySession()) unit = await query.LoadAsync<UnitRosterEntry>(row.Unit.Id, ct);
        if (unit is not { Status: UnitStatus.Available })
            return Refuse("command.assign.not-free", "{0} is no longer free ({1}): ask /units near again.", row.Unit.CallSign,
                words.UnitStatus(unit?.Status ?? UnitStatus.OffDuty));
        lock (list.Gate)
        {
            // Checked again under the lock: two lines typed at once, one passes.
            if (Held() is { } again) return again;
            list.Guard.Sending(row, list.Rows);
        }
        var outcome = await units.Typed(actor, row.Unit.Id, new DispatchUnit(card.Id, card.Number, ""), chat, ct);
        if (outcome is not UnitOutcome.Done)
            lock (list.Gate) list.Guard.NotSent(row);
        return Reported(outcome, card, row.Unit.CallSign, chat);
    }
}
