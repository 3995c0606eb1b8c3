using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Telemetry;

namespace SseFunctions.Tests.Functions;

/// <summary>The Functions app's OpenTelemetry wiring exports the engine's meter (here to the in-memory exporter).</summary>
public class FunctionsTelemetryTests
{
    [Fact]
    public async Task The_engine_meter_reaches_the_exporter()
    {
        var exported = new List<Metric>();
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<SseMetrics>();
        builder.Services.AddSseFunctionsOpenTelemetry().WithMetrics(metrics => metrics.AddInMemoryExporter(exported));
        using var host = builder.Build();
        await host.StartAsync();
        var metrics = host.Services.GetRequiredService<SseMetrics>();

        metrics.StreamOpened();
        metrics.TokensSent(3);
        metrics.TokenDelivered(DateTimeOffset.UtcNow.AddMilliseconds(-5), DateTimeOffset.UtcNow);
        metrics.StreamClosed("end");
        host.Services.GetRequiredService<MeterProvider>().ForceFlush().Should().BeTrue();

        exported.Where(m => m.MeterName == SseMetrics.MeterName).Select(m => m.Name).Should()
            .Contain(["sse.streams.open", "sse.tokens.sent", "sse.token.latency", "sse.streams.ended"]);
        await host.StopAsync();
    }

    [Fact]
    public void Without_a_connection_string_nothing_is_collected()
    {
        var services = new ServiceCollection();

        services.AddSseFunctionsTelemetry(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());

        services.Should().NotContain(d => d.ServiceType == typeof(MeterProvider));
    }
}
