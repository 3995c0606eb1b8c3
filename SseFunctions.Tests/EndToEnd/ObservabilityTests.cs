using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

public class ObservabilityTests
{
    [Fact]
    public async Task A_stream_records_its_tokens_latency_and_outcome_in_metrics()
    {
        await using var server = await StreamingServer.StartAsync();
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Outcome)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SseMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, server.App.Services.GetRequiredService<IMeterFactory>()))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Outcome(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Outcome(tags))));
        listener.Start();
        var (session, message) = StreamingTests.NewIds();

        await using (var stream = await server.ConnectAsync(session, message))
        {
            await server.Publisher.SendTokensAsync(session, message, "a", "b", "c");
            await server.Publisher.SendEndAsync(session, message);
            await stream.ReadToEndAsync();
        }

        await Eventually.TrueAsync(() => measurements.Any(m => m.Instrument == "sse.streams.ended"));
        measurements.Where(m => m.Instrument == "sse.tokens.sent").Sum(m => m.Value).Should().Be(3);
        measurements.Where(m => m.Instrument == "sse.streams.open").Select(m => m.Value).Should().Equal(1, -1);
        measurements.Single(m => m.Instrument == "sse.streams.ended").Outcome.Should().Be("end");
        measurements.Where(m => m.Instrument == "sse.token.latency").Should().HaveCount(3).And.OnlyContain(m => m.Value >= 0 && m.Value < 10_000);
    }

    [Fact]
    public async Task The_maximum_duration_ends_a_busy_stream_with_an_error_frame()
    {
        await using var server = await StreamingServer.StartAsync(new() { ["SSE_MAX_STREAM_SECONDS"] = "1.5" });
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "only");

        var events = await stream.ReadToEndAsync();

        events.Select(e => e.Data).Should().Equal("{\"token\":\"only\"}", "{\"error\":\"The stream reached its maximum duration of 1.5 seconds.\"}");
    }

    [Theory]
    [InlineData("ERROR", LogLevel.Warning, false)]
    [InlineData("WARNING", LogLevel.Warning, true)]
    [InlineData("DEBUG", LogLevel.Debug, true)]
    public void LOG_LEVEL_sets_the_minimum_level(string setting, LogLevel level, bool enabled)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"] = "chat.servicebus.windows.net",
            ["LOG_LEVEL"] = setting,
            ["Logging:LogLevel:Default"] = null,
        });
        builder.Services.AddSseStreaming(builder.Configuration);
        using var host = builder.Build();

        host.Services.GetRequiredService<ILogger<ObservabilityTests>>().IsEnabled(level).Should().Be(enabled);
    }

    private static string? Outcome(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == "outcome")
            {
                return tag.Value as string;
            }
        }

        return null;
    }
}
