using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using SseFunctions.DevServer;
using SseFunctions.DevServer.Telemetry;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>The DevServer's OpenTelemetry wiring (what OTLP gets when OTEL_EXPORTER_OTLP_ENDPOINT is set), seen through the in-memory exporter.</summary>
public class TelemetryExportTests
{
    [Fact]
    public async Task A_streamed_answer_shows_in_the_engine_meter_and_the_request_metrics()
    {
        var exported = new List<Metric>();
        await using var server = await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Services.AddSseDevServerOpenTelemetry().WithMetrics(metrics => metrics.AddInMemoryExporter(exported));
        });
        server.Services.GetRequiredService<DemoProducer>().TokenDelay = TimeSpan.FromMilliseconds(1);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var post = await http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "telemetry", prompt = "count the tokens" });
        var started = (await post.Content.ReadFromJsonAsync<DemoChatStarted>())!;

        using (var response = await http.GetAsync(started.StreamUrl, HttpCompletionOption.ResponseHeadersRead))
        {
            await using var stream = new SseConnection(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
            (await stream.ReadToEndAsync())[^1].Data.Should().Be("__END__");
        }

        await Eventually.TrueAsync(() =>
        {
            server.Services.GetRequiredService<MeterProvider>().ForceFlush();
            return exported.Any(m => m.Name == "sse.streams.ended");
        });
        exported.Where(m => m.MeterName == SseMetrics.MeterName).Select(m => m.Name).Should()
            .Contain(["sse.streams.open", "sse.sessions.open", "sse.tokens.sent", "sse.token.latency", "sse.streams.ended"]);
        exported.Select(m => m.Name).Should().Contain("http.server.request.duration");
    }
}
