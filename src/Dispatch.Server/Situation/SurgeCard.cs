using Dispatch.Domain.Warning;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Situation;

/// <summary>
/// The latest surge of one category × town, as the situation screens show it (inline: readable the moment the watch
/// commits it). The stream keeps every surge of the pair, one after another: that is the audit trail.
/// </summary>
public sealed record SurgeCard
{
    public Guid Id { get; init; }
    public string Town { get; init; } = "";
    public string Category { get; init; } = "";
    public bool Active { get; init; }
    public DateTimeOffset DetectedAt { get; init; }
    /// <summary>Reports in the window when it was detected, and the usual count then.</summary>
    public int Count { get; init; }
    public double Usual { get; init; }
    public int Threshold { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    /// <summary>Surges of this pair so far.</summary>
    public int Surges { get; init; }
    public long Version { get; init; }
}

public sealed class SurgeCardProjection : SingleStreamProjection<SurgeCard, Guid>
{
    public override SurgeCard? Evolve(SurgeCard? card, Guid id, IEvent e)
    {
        var next = e.Data switch
        {
            SurgeDetected d => new SurgeCard
            {
                Id = id, Town = d.Town, Category = d.Category, Active = true, DetectedAt = d.At, Count = d.Count, Usual = d.Usual,
                Threshold = d.Threshold, Surges = (card?.Surges ?? 0) + 1,
            },
            SurgeEnded ended when card is not null => card with { Active = false, EndedAt = ended.At },
            _ => card,
        };
        return next is null ? null : next with { Version = e.Version };
    }
}

/// <summary>The pair's state for the rule, folded by the domain's own <see cref="SurgeState.Evolve"/>.</summary>
public sealed class SurgeAggregation : SingleStreamProjection<SurgeState, Guid>
{
    // Inline, only the pair's own events concern it, not every stream a commit touches.
    public SurgeAggregation() => IncludeType<ISurgeEvent>();

    public override SurgeState? Evolve(SurgeState? state, Guid id, IEvent e) => SurgeState.Evolve(state, e.Data);
}
