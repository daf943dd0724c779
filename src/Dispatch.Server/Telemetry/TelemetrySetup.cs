using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Dispatch.Server.Telemetry;

/// <summary>
/// Metrics and traces (issue 16; docs/operations.md lists every instrument and what to alert on). Metrics always, read by
/// Prometheus at <c>/metrics</c> (not public: <see cref="MetricsAccess"/>). Traces and the OTLP exporter only when an
/// endpoint is configured (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>Dispatch:Telemetry:Otlp</c>): off, nothing listens
/// to the "Dispatch" and Npgsql activity sources and a command pays nothing for them.
/// </summary>
public static class TelemetrySetup
{
    public const string Section = "Dispatch:Telemetry";
    public const string ServiceName = "dispatch";
    public const string MetricsPath = "/metrics";

    /// <summary>The framework's and libraries' meters we publish (each documented in docs/operations.md).</summary>
    static readonly string[] Meters =
    [
        DispatchMetrics.Name,
        "Microsoft.AspNetCore.Hosting",                     // http.server.request.duration, active requests
        "Microsoft.AspNetCore.Server.Kestrel",              // connections, upgraded (WebSocket) connections
        "Microsoft.AspNetCore.Http.Connections",            // SignalR: signalr.server.active_connections, connection duration
        "Microsoft.AspNetCore.Components.Server.Circuits",  // Blazor: aspnetcore.components.circuit.active / .connected / .duration
        "Microsoft.AspNetCore.RateLimiting",                // requests refused by the rate limiter
        "Microsoft.AspNetCore.Diagnostics",                 // unhandled exceptions
        "Marten",                                           // the daemon: marten.{projection}.gap, .processed
    ];

    public static WebApplicationBuilder AddTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var section = configuration.GetSection(Section);
        // The node in the resource (service.instance.id): set it to the node's name in a cluster; by default host and process.
        var instance = section["Instance"] is { Length: > 0 } named ? named : $"{Environment.MachineName}-{Environment.ProcessId}";
        var otlp = section["Otlp"];
        var otlpFromEnvironment = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        var tracing = !string.IsNullOrWhiteSpace(otlp) || !string.IsNullOrWhiteSpace(otlpFromEnvironment);

        builder.Services.AddSingleton(MetricsAccess.From(configuration));
        builder.Services.AddSingleton<NodeGauges>();
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceInstanceId: instance, autoGenerateServiceInstanceId: false))
            .WithMetrics(metrics => metrics
                .AddMeter(Meters)
                .AddRuntimeInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());
        if (!tracing) return builder;

        var ratio = section.GetValue("TraceSampleRatio", 1.0);
        if (ratio is < 0 or > 1 || double.IsNaN(ratio))
            throw new InvalidOperationException($"{Section}:TraceSampleRatio must be between 0 and 1 (is {ratio}).");
        telemetry.WithTracing(traces => traces
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(ratio)))
            .AddSource(CommandTrace.Name)
            // The scrape itself is not worth a trace every 15 s.
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments(MetricsPath))
            .AddNpgsql());
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            if (!Uri.TryCreate(otlp, UriKind.Absolute, out var endpoint))
                throw new InvalidOperationException($"{Section}:Otlp must be an absolute URL such as http://collector:4317 (is '{otlp}').");
            var protocol = section["OtlpProtocol"] switch
            {
                null or "" or "grpc" => OtlpExportProtocol.Grpc,
                "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
                var other => throw new InvalidOperationException($"{Section}:OtlpProtocol must be grpc or http/protobuf (is '{other}')."),
            };
            telemetry.UseOtlpExporter(protocol, endpoint);
        }
        else telemetry.UseOtlpExporter(); // OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL, _HEADERS as the OpenTelemetry spec says
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> for Prometheus, refused (403) to whoever <see cref="MetricsAccess"/> does not allow, and outside the
    /// rate limits (a scraper must never be throttled into a gap).
    /// </summary>
    public static WebApplication MapTelemetry(this WebApplication app)
    {
        // Created now so its gauges exist from the first scrape.
        app.Services.GetRequiredService<NodeGauges>();
        var access = app.Services.GetRequiredService<MetricsAccess>();
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (http, next) =>
            {
                if (access.Allows(http)) await next(http);
                else http.Response.StatusCode = StatusCodes.Status403Forbidden;
            }), optionsName: null)
            .DisableRateLimiting()
            .AllowAnonymous();
        return app;
    }
}
