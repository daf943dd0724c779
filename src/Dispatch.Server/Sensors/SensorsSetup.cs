using Dispatch.Domain.Sensors;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;

namespace Dispatch.Server.Sensors;

public static class SensorsSetup
{
    /// <summary>The registry (devices as inline snapshots, their key hashes, the alarm spots), the telemetry tables, the service and the silence watch.</summary>
    public static WebApplicationBuilder AddSensors(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureMarten(opts =>
        {
            opts.Projections.Add(new DeviceAggregation(), ProjectionLifecycle.Inline);
            opts.Schema.For<DeviceKey>();
            opts.Schema.For<SensorSpot>();
            opts.Storage.ExtendedSchemaObjects.AddRange(SensorTables.Tables());
        });
        builder.Services.AddSingleton<DeviceService>();
        builder.Services.AddSingleton<SilenceWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SilenceWatch>());
        return builder;
    }
}

/// <summary>The device snapshot (inline), through the domain's own fold.</summary>
public sealed class DeviceAggregation : SingleStreamProjection<Device, Guid>
{
    public DeviceAggregation() => IncludeType<IDeviceEvent>();

    public override Device? Evolve(Device? snapshot, Guid id, IEvent e) =>
        snapshot is null && e.Data is not DeviceRegistered ? null : Device.Evolve(snapshot, e.Data);
}
