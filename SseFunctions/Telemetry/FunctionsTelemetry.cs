using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SseFunctions.Streaming.Diagnostics;

namespace SseFunctions.Telemetry;

/// <summary>
/// OpenTelemetry as Functions users expect it: the worker's defaults (invocation traces, correlated with the
/// host's), the engine's meter, the Service Bus SDK's traces and the ASP.NET Core request traces, exported to
/// Application Insights when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set. Without it nothing is collected.
/// </summary>
public static class FunctionsTelemetry
{
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static IServiceCollection AddSseFunctionsTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (!string.IsNullOrWhiteSpace(configuration[ApplicationInsightsSetting]))
        {
            services.AddSseFunctionsOpenTelemetry().UseAzureMonitorExporter();
        }

        return services;
    }

    /// <summary>What is collected, without an exporter (the tests add an in-memory one).</summary>
    public static IOpenTelemetryBuilder AddSseFunctionsOpenTelemetry(this IServiceCollection services)
    {
        AppContext.SetSwitch(TelemetrySources.AzureActivitySourceSwitch, true);
        return services.AddOpenTelemetry()
            .UseFunctionsWorkerDefaults()
            .WithMetrics(metrics => metrics.AddMeter(TelemetrySources.Meter))
            .WithTracing(tracing => tracing.AddSource(TelemetrySources.ServiceBusActivities).AddAspNetCoreInstrumentation());
    }
}
