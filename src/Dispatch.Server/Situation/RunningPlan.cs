using Dispatch.Domain.Plans;

namespace Dispatch.Server.Situation;

/// <summary>The first few incidents with a plan running, and how many there are in all.</summary>
public sealed record RunningPlans(IReadOnlyList<RunningPlan> First, int Total);

/// <summary>
/// A plan running on an incident, as the situation screen shows it: the response level and the plan's name, the incident by
/// number and town, and the tasks done and late of all.
/// </summary>
public sealed record RunningPlan(Guid Id, string Number, string Plan, string Title, ResponseLevel Level, int Done, int Late, int Total,
    string Place, DateTimeOffset Since);
