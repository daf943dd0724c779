using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Incidents;

namespace Dispatch.Server.Supervision;

/// <summary>
/// The drawer's supervision and callback steps (<see cref="Components.Dispatching.IncidentActionMenu"/> adds them):
/// answer a waiting supervision while open; for a resolved incident whose caller has not been reached, record a call
/// that did not reach them and, after enough of those, close as "caller not reached" (the drawer checks the number).
/// </summary>
public static class SupervisionMenu
{
    public static IEnumerable<string> For(IncidentDetail d)
    {
        if (d.Follow.Waiting && d.State is not (IncidentState.Closed or IncidentState.Cancelled or IncidentState.Merged)) yield return "answer";
        if (d is { State: IncidentState.Resolved, CallbackRecorded: false } && !string.IsNullOrEmpty(d.CallerPhone))
        {
            yield return "callback-attempt";
            if (d.Follow.CallbackAttempts > 0) yield return "close-unreached";
        }
    }

    /// <summary>The access rules' action for the drawer's supervision steps; null for the others.</summary>
    public static IncidentAction? ActionOf(string action) => action switch
    {
        "answer" => IncidentAction.AnswerSupervision,
        "callback-attempt" => IncidentAction.Callback,
        "close-unreached" => IncidentAction.Close,
        _ => null,
    };
}
