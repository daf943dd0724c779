namespace Dispatch.Server.Units.Positions;

public static class PositionsSetup
{
    /// <summary>The telemetry path: settings (checked now), the node's latest positions, the writer, the listener, the arrival watch, the edge.</summary>
    public static WebApplicationBuilder AddPositions(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(PositionSettings.From(builder.Configuration));
        builder.Services.AddSingleton<UnitPositions>();
        builder.Services.AddSingleton<ArrivalWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ArrivalWatch>());
        builder.Services.AddSingleton<AreaWatch>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AreaWatch>());
        builder.Services.AddSingleton<PositionWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PositionWriter>());
        builder.Services.AddSingleton<PositionListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<PositionListener>());
        builder.Services.AddSingleton<PositionReports>();
        builder.Services.AddSingleton<UnitTracks>();
        return builder;
    }
}
