using Dispatch.Domain.Incidents;
using Dispatch.Domain.Plans;

namespace Dispatch.Domain.Operations;

/// <summary>
/// Declare an operation. The fields are as typed (nullable): <see cref="OperationDecider.Validate"/> names each one at fault.
/// What needs the jurisdiction tree or the roster (paths, the desk, units) is checked by the server before the decider.
/// A <see cref="Warning"/> (CAP's words, as a plan's) is issued to the public with the declaration.
/// </summary>
public sealed record DeclareOperation(
    Guid OperationId, string? Name, OperationArea? Area, DateTimeOffset? From, DateTimeOffset? Until, string? Desk,
    OperationRouting? Routing, OperationDeadlines? Deadlines, IReadOnlyList<Preposition>? Units, string By, PlanWarning? Warning = null);

public sealed record EndOperation(string Reason, string By);
