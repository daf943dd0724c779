using Dispatch.Domain.Command;
using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Operations;

/// <summary>Marks the events of an operation's own stream.</summary>
public interface IOperationEvent
{
    Guid OperationId { get; }
    string By { get; }
    DateTimeOffset At { get; }
}

/// <summary>
/// A leader declared an operation: everything it is, as declared (the units to pre-position included, and the public
/// warning's words when it issued one).
/// </summary>
public sealed record OperationDeclared(
    Guid OperationId, string Name, OperationArea Area, DateTimeOffset From, DateTimeOffset Until, string Desk,
    OperationRouting Routing, OperationDeadlines Deadlines, IReadOnlyList<Preposition> Units, string By, DateTimeOffset At,
    PlanWarning? Warning = null) : IOperationEvent;

/// <summary>Ended by hand before its until-time. Incidents already in it keep their tag and their deadlines.</summary>
public sealed record OperationEnded(Guid OperationId, string Reason, string By, DateTimeOffset At) : IOperationEvent;

/// <summary>
/// On the incident's stream, at intake: the report fell inside an operation in force, which routed it (the
/// <see cref="IncidentRouted"/> beside it names the operation's rule) and whose deadlines it gets when assigned.
/// </summary>
public sealed record IncidentInOperation(Guid IncidentId, Guid OperationId, string Name, string Desk, Deadlines Deadlines, string By, DateTimeOffset At)
    : IIncidentEvent;
