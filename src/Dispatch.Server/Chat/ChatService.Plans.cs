using System.Text;
using Dispatch.Domain.Access;
using Dispatch.Domain.Plans;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Chat;

public sealed partial class ChatService
{
    /// <summary>
    /// <c>/plan</c> alone: the plans that match the incident (the rule of GET /api/plans?incident=), each with its code so the
    /// dispatcher can type <c>/plan &lt;code&gt; &lt;reason&gt;</c>; the one running, if any. To the sender only, and only to
    /// those the plan library is for (dispatchers and leaders, as the API).
    /// </summary>
    async Task<ChatOutcome> PlansFor(Actor actor, IncidentCard card, CancellationToken ct)
    {
        if (!actor.Grants.Any(g => g.Role is Role.Dispatcher or Role.Leader))
            return new ChatOutcome.Refused("access.denied",
                words.Say("chat.error.plans.denied", "Only dispatchers and leaders use contingency plans."));
        if (await readers.For(actor).Detail(card.Id, ct: ct) is not IncidentRead.Shown { Detail: var d })
            return new ChatOutcome.Refused("command.unknown-incident",
                words.Say("chat.error.command.unknown-incident", "There is no incident #{0} that you may see.", card.Number));

        // One plan runs at a time: while it does, that is the answer.
        if (d.Plan is { Running: true } running)
            return new ChatOutcome.Answered(words.Say("chat.plans.running", "Running on #{0}: {1} {2} (version {3}); /standdown <reason> ends it.",
                d.Number, running.Level.Numeral(), running.Title, running.Version));
        var matching = plans.Matching(d.Category, d.Urgency, d.Description, d.Scope().Path);
        if (matching.Count == 0) return new ChatOutcome.Answered(words.Say("chat.plans.none", "No plan matches #{0}.", d.Number));
        var text = new StringBuilder(words.Say("chat.plans.intro", "Plans for #{0} (/plan <code> <reason> activates one):", d.Number));
        foreach (var p in matching)
            text.Append('\n').Append(words.Say("chat.plans.line", "{0} — {1} {2} · {3} · {4} tasks",
                p.Code, p.Level.Numeral(), p.Name, words.Say($"level.{p.CommandLevel}", p.CommandLevel.ToString()), p.Tasks.Count));
        return new ChatOutcome.Answered(text.ToString());
    }
}
