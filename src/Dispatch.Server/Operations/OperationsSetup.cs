using Dispatch.Domain.Operations;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Operations;

public static class OperationsSetup
{
    /// <summary>Operations as inline snapshots (what intake queries), the service, the feed and the node's board of them.</summary>
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Projections.Add(new OperationAggregation(), ProjectionLifecycle.Inline);
            opts.Schema.For<Operation>().Index(o => o.Until);
            opts.Schema.For<Incidents.IncidentCard>().Index(c => c.OperationId!);
        });
        builder.Services.AddSingleton<OperationService>();
        builder.Services.AddSingleton<OperationsInForce>();
        builder.Services.AddSingleton<OperationFeed>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationFeed>());
        builder.Services.AddSingleton<OperationBoard>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OperationBoard>());
        return builder;
    }
}

/// <summary>The operation snapshot (inline), through the domain's own fold.</summary>
public sealed class OperationAggregation : SingleStreamProjection<Operation, Guid>
{
    public OperationAggregation() => IncludeType<IOperationEvent>();

    public override Operation? Evolve(Operation? snapshot, Guid id, IEvent e) =>
        snapshot is null && e.Data is not OperationDeclared ? null : Operation.Evolve(snapshot, e.Data);
}
