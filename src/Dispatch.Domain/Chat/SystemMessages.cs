using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Units;

namespace Dispatch.Domain.Chat;

/// <summary>A message the platform posts, and where.</summary>
public sealed record SystemPost(Channel Channel, ChatResult Result, Guid IncidentId);

/// <summary>
/// What the platform says in chat when something happens to an incident that people must not miss, pure: escalations and
/// delegations, missed deadlines, overdue units and plan tasks, returns and supervision flags go to the incident's channel and to the
/// channel of the centre that now commands it (so the district hears of what the town escalated to it).
/// </summary>
public static class SystemMessages
{
    /// <param name="after">The incident once <paramref name="events"/> are applied.</param>
    public static IReadOnlyList<SystemPost> For(Incident after, IEnumerable<object> events)
    {
        var posts = new List<SystemPost>();
        var centre = Channels.NodeOrNone(IncidentScope.Of(after).Centre);
        void Post(string code, bool toCentre, params string[] args)
        {
            var result = new ChatResult(code, [after.Number, .. args]);
            posts.Add(new(Channels.Incident(after.Id), result, after.Id));
            if (toCentre && centre is not null) posts.Add(new(centre, result, after.Id));
        }

        foreach (var e in events)
        {
            switch (e)
            {
                case IncidentEscalated x:
                    Post(x.Automatic ? "system.escalated-automatically" : "system.escalated", true, x.From.ToString(), x.To.ToString(), x.Reason, x.By);
                    break;
                case IncidentDelegated x:
                    Post("system.delegated", true, x.From.ToString(), x.To.ToString(), x.Reason, x.By);
                    break;
                case IncidentDeadlineMissed x:
                    Post("system.deadline-missed", true, x.Kind.ToString(), x.Due.ToString("O"));
                    break;
                case IncidentUnitOverdue x:
                    Post("system.unit-overdue", false, x.CallSign, x.Status.ToString(), ((int)x.Limit.TotalMinutes).ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case IncidentReturned x:
                    Post("system.returned", true, x.Department, x.Reason, x.By);
                    break;
                case IncidentSupervised x:
                    Post("system.supervised", true, x.Comment, x.By);
                    break;
                // A plan's task out of time: the commanding centre hears, and the task's department in its channel there.
                case Plans.PlanTaskOverdue x:
                    Post("system.plan-task-overdue", true, x.Task, x.Due.ToString("O"));
                    if (after.Plan?.Tasks.FirstOrDefault(t => t.Code == x.Task)?.Department is { } department && centre?.Path is { } path)
                        posts.Add(new(Channels.Department(path, department), new ChatResult("system.plan-task-overdue", [after.Number, x.Task, x.Due.ToString("O")]), after.Id));
                    break;
                case Supervision.SupervisionAnswered x:
                    Post("system.supervision-answered", true, x.Text, x.By);
                    break;
                case Supervision.SupervisionOverdue x:
                    Post("system.supervision-overdue", true, x.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), x.Department ?? "");
                    break;
            }
        }
        return posts;
    }

    /// <summary>
    /// What a command typed in chat did, for its message in the incident's channel: the platform's own words when the
    /// command is one it announces anyway (an escalation), so the channel hears it once.
    /// </summary>
    public static ChatResult ResultOf(IncidentCommand command, Incident after, IEnumerable<object> events) =>
        For(after, events).FirstOrDefault(p => p.Channel.Kind == ChannelKind.Incident)?.Result ?? (command switch
        {
            AcceptIncident => new ChatResult("result.accepted", [after.Number]),
            AssignIncident { Assisting: { Count: > 0 } assisting } c => new ChatResult("result.assigned-with", [after.Number, c.Department, string.Join(", ", assisting)]),
            AssignIncident c => new ChatResult("result.assigned", [after.Number, c.Department]),
            AcknowledgeIncident c => new ChatResult("result.acknowledged", [after.Number, c.Department]),
            NoteProgress c => new ChatResult("result.noted", [after.Number, c.Department, c.Note]),
            ResolveIncident c => new ChatResult("result.resolved", [after.Number, c.Department, c.Resolution]),
            RecordCallback c => new ChatResult("result.callback", [after.Number, c.Satisfaction.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Comment ?? ""]),
            CloseIncident => new ChatResult("result.closed", [after.Number]),
            _ => new ChatResult("result.done", [after.Number]),
        });

    /// <summary>What a unit command typed in chat did (a unit sent, a unit on its way).</summary>
    public static ChatResult ResultOf(UnitCommand command, string callSign, string number) => command switch
    {
        DispatchUnit => new ChatResult("result.unit-sent", [number, callSign]),
        AcceptAndGo => new ChatResult("result.unit-accepted", [number, callSign]),
        _ => new ChatResult("result.unit-moved", [number, callSign]),
    };

}
