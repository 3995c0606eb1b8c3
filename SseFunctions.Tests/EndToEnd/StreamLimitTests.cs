using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>SSE_MAX_STREAMS and SSE_MAX_SESSIONS: 503 with Retry-After beyond them, before Service Bus is touched,
/// and room again once a stream ends.</summary>
public class StreamLimitTests
{
    [Fact]
    public async Task Beyond_the_stream_limit_a_stream_gets_503_with_retry_after_until_one_ends()
    {
        await using var server = await StreamingServer.StartAsync(new() { ["SSE_MAX_STREAMS"] = "2" });
        var (s1, m1) = StreamingTests.NewIds();
        var (s2, m2) = StreamingTests.NewIds();
        var (s3, m3) = StreamingTests.NewIds();
        await server.Publisher.SendTokensAsync(s3, m3, "waiting");
        await using var first = await server.ConnectAsync(s1, m1);
        await using var second = await server.ConnectAsync(s2, m2);

        using (var refused = await server.Http.GetAsync($"/api/stream/{s3}/{m3}"))
        {
            await ShouldBeRefusedAsync(refused);
        }

        server.Broker.IsSessionLocked(StreamingServer.Subscription, s3).Should().BeFalse("the refused stream never reached Service Bus");
        server.Broker.ActiveMessageCount(StreamingServer.Subscription).Should().Be(1);

        await server.Publisher.SendEndAsync(s1, m1);
        (await first.ReadToEndAsync()).Select(e => e.Data).Should().Equal("__END__");
        await server.Publisher.SendEndAsync(s3, m3);
        await using var third = await ConnectWhenAdmittedAsync(server, s3, m3);
        (await third.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"waiting\"}", "__END__");
    }

    [Fact]
    public async Task Beyond_the_session_limit_a_new_session_gets_503_but_another_stream_of_a_held_session_does_not()
    {
        await using var server = await StreamingServer.StartAsync(new() { ["SSE_MAX_SESSIONS"] = "1" });
        var (s1, m1) = StreamingTests.NewIds();
        var m2 = Guid.NewGuid().ToString();
        var (s2, m3) = StreamingTests.NewIds();
        await using var first = await server.ConnectAsync(s1, m1);
        await Eventually.TrueAsync(() => server.Broker.IsSessionLocked(StreamingServer.Subscription, s1));
        await using var sameSession = await server.ConnectAsync(s1, m2);
        sameSession.Response.StatusCode.Should().Be(HttpStatusCode.OK, "it shares the receiver already held");

        using (var refused = await server.Http.GetAsync($"/api/stream/{s2}/{m3}"))
        {
            await ShouldBeRefusedAsync(refused);
        }

        server.Broker.IsSessionLocked(StreamingServer.Subscription, s2).Should().BeFalse();

        await server.Publisher.SendEndAsync(s1, m1);
        await server.Publisher.SendEndAsync(s1, m2);
        (await first.ReadToEndAsync()).Select(e => e.Data).Should().Equal("__END__");
        (await sameSession.ReadToEndAsync()).Select(e => e.Data).Should().Equal("__END__");
        await server.Publisher.SendEndAsync(s2, m3);
        await using var admitted = await ConnectWhenAdmittedAsync(server, s2, m3);
        (await admitted.ReadToEndAsync()).Select(e => e.Data).Should().Equal("__END__");
    }

    [Fact]
    public async Task The_limits_and_the_refusals_are_in_the_metrics()
    {
        await using var server = await StreamingServer.StartAsync(new() { ["SSE_MAX_STREAMS"] = "1", ["SSE_MAX_SESSIONS"] = "7" });
        var gauges = new ConcurrentDictionary<string, int>();
        var refusals = new ConcurrentQueue<string?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SseMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, server.App.Services.GetRequiredService<IMeterFactory>()))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => gauges[instrument.Name] = value);
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            if (instrument.Name == "sse.streams.limited")
            {
                refusals.Enqueue(tags.ToArray().Single(t => t.Key == "limit").Value as string);
            }
        });
        listener.Start();
        var (s1, m1) = StreamingTests.NewIds();
        await using var first = await server.ConnectAsync(s1, m1);

        using (var refused = await server.Http.GetAsync($"/api/stream/{Guid.NewGuid()}/{Guid.NewGuid()}"))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        }

        listener.RecordObservableInstruments();
        gauges.Should().Contain("sse.streams.limit", 1).And.Contain("sse.sessions.limit", 7);
        refusals.Should().Equal("streams");
    }

    private static async Task ShouldBeRefusedAsync(HttpResponseMessage response)
    {
        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(5));
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().Contain("Try again");
    }

    /// <summary>What a client told to retry does: tries again until the instance has room (here without waiting
    /// the five seconds; the room comes when the ended stream has been counted out).</summary>
    private static async Task<SseConnection> ConnectWhenAdmittedAsync(StreamingServer server, string session, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var attempt = await server.ConnectAsync(session, message);
            if (attempt.Response.StatusCode == HttpStatusCode.OK)
            {
                return attempt;
            }

            attempt.Response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            await attempt.DisposeAsync();
            DateTime.UtcNow.Should().BeBefore(deadline, "the ended stream makes room");
            await Task.Delay(20);
        }
    }
}
