using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SseFunctions.Streaming.Diagnostics;

namespace SseFunctions.DevServer.Telemetry;

/// <summary>
/// OTLP export when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the exporter reads it and the other standard
/// OTEL_* variables): the engine's meter, ASP.NET Core's request metrics and traces, the Service Bus SDK's traces
/// and the logs. Without it nothing is collected.
/// </summary>
public static class DevServerTelemetry
{
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string ServiceName = "sse-service";

    public static IServiceCollection AddSseDevServerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]))
        {
            services.AddSseDevServerOpenTelemetry().UseOtlpExporter();
        }

        return services;
    }

    /// <summary>What is collected, without an exporter (the tests add an in-memory one).</summary>
    public static IOpenTelemetryBuilder AddSseDevServerOpenTelemetry(this IServiceCollection services)
    {
        AppContext.SetSwitch(TelemetrySources.AzureActivitySourceSwitch, true);
        return services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics.AddMeter(TelemetrySources.Meter).AddAspNetCoreInstrumentation())
            .WithTracing(tracing => tracing.AddSource(TelemetrySources.ServiceBusActivities).AddAspNetCoreInstrumentation())
            .WithLogging();
    }
}
