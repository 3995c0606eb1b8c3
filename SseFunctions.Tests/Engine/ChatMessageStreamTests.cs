using System.IO.Pipelines;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Streaming.Streams;
using SseFunctions.Tests.Engine.Fakes;

namespace SseFunctions.Tests.Engine;

/// <summary>
/// One stream's life on its connection, written into a <see cref="Pipe"/> whose reader is the client (it reads when the
/// test says; past 4 KB unread a flush waits, as on a socket whose peer does not read), on a fake clock: heartbeats,
/// timeouts and write deadlines to the tick, and what is completed when a flush does not reach the connection.
/// </summary>
public sealed class ChatMessageStreamTests : IAsyncDisposable
{
    private static readonly string Big = new('x', 5000);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);
    private readonly ObservedTimeProvider time = new();
    private readonly DateTimeOffset t0;
    private readonly FakeServiceBusClient client;
    private readonly TestMeterFactory meters = new();
    private readonly SseMetrics metrics;
    private readonly MetricCollector<long> ended;
    private readonly SseStreamingOptions settings = new()
    {
        HeartbeatInterval = TimeSpan.FromSeconds(1),
        IdleTimeout = TimeSpan.FromSeconds(3.5),
        MaxStreamDuration = TimeSpan.FromSeconds(10),

        // Off the whole and half seconds the tests wait for, so that no receive or receiver check is mistaken for a stream's timer.
        ReceiveWait = TimeSpan.FromSeconds(41.3),
        ReceiverCheckInterval = TimeSpan.FromMilliseconds(370),
    };

    private readonly SessionHub hub;
    private readonly Pipe pipe = new(new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, useSynchronizationContext: false));
    private readonly PipeSseReader reader;
    private readonly CancellationTokenSource clientLeaves = new();
    private readonly CancellationTokenSource hostStops = new();
    private StreamSubscription? subscription;
    private StreamConnection? connection;
    private volatile bool aborted;

    public ChatMessageStreamTests()
    {
        t0 = time.GetUtcNow();
        client = new FakeServiceBusClient(time) { LockDuration = TimeSpan.FromHours(1) };
        metrics = new SseMetrics(meters);
        ended = new MetricCollector<long>(meters, SseMetrics.MeterName, "sse.streams.ended");
        hub = new SessionHub(client.AsOnlyConnection(), Options.Create(settings), metrics, NullLoggerFactory.Instance, time);
        reader = new PipeSseReader(pipe.Reader);
    }

    private FakeSessionReceiver Receiver => client.ReceiverOf("s");

    [Fact]
    public async Task Heartbeats_fall_due_one_interval_after_the_last_write_and_the_idle_timeout_ends_the_stream_to_the_tick()
    {
        var run = await StartAsync();
        (await reader.ReadFrameAsync()).Should().Be(": connected\nretry: 3000");

        for (var second = 1; second <= 3; second++)
        {
            await time.WaitForTimerAsync(t0 + TimeSpan.FromSeconds(second), "the stream waits until its next heartbeat");
            time.SetUtcNow(t0 + TimeSpan.FromSeconds(second) - TimeSpan.FromTicks(1));
            await Task.Delay(20);
            reader.HasFrame().Should().BeFalse("no heartbeat before its time");
            time.SetUtcNow(t0 + TimeSpan.FromSeconds(second));
            (await reader.ReadFrameAsync()).Should().Be(": keep-alive");
        }

        await time.AdvanceToTimerAsync(t0, TimeSpan.FromSeconds(3.5), "the idle timeout falls due before the next heartbeat");

        (await reader.ReadFrameAsync()).Should().Be("""data: {"error":"No token arrived for 3.5 seconds."}""");
        (await run).Should().Be(StreamOutcome.IdleTimeout);
        Outcomes().Should().Equal(StreamOutcome.IdleTimeout);
    }

    [Fact]
    public async Task The_maximum_duration_ends_the_stream_to_the_tick_even_while_tokens_keep_it_from_idling()
    {
        settings.MaxStreamDuration = TimeSpan.FromSeconds(2.5);
        var run = await StartAsync();
        reader.Drain();
        for (var at = 0.5; at < 2.5; at += 0.5)
        {
            time.SetUtcNow(t0 + TimeSpan.FromSeconds(at));
            Receiver.Deliver((long)(at * 10), Messages.Token("m", $"at {at}"));
            (await reader.ReadFrameAsync()).Should().EndWith($$"""{"token":"at {{at}}"}""");
        }

        await time.AdvanceToTimerAsync(t0, TimeSpan.FromSeconds(2.5));

        (await reader.ReadFrameAsync()).Should().Be("""data: {"error":"The stream reached its maximum duration of 2.5 seconds."}""");
        (await run).Should().Be(StreamOutcome.MaxDuration);
    }

    [Fact]
    public async Task A_batch_is_completed_only_once_its_flush_reached_the_connection()
    {
        var run = await StartAsync();
        reader.Drain();
        time.SetUtcNow(t0 + TimeSpan.FromSeconds(0.5));

        Receiver.Deliver(1, Messages.Token("m", Big));
        await time.WaitForTimerAsync(t0 + TimeSpan.FromSeconds(1.5), "the flush waits for the client, under its deadline");
        await Task.Delay(20);
        Volatile.Read(ref Receiver.SettlementsStarted).Should().Be(0, "the event has not reached the connection yet");

        (await reader.ReadFrameAsync()).Should().Contain(Big);
        await Eventually.TrueAsync(() => Receiver.Completed.Count == 1, "completed once the flush went through");
        clientLeaves.Cancel();
        (await run).Should().Be(StreamOutcome.Disconnected);
    }

    [Theory]
    [InlineData("reader completed")]
    [InlineData("flush cancelled")]
    [InlineData("flush threw")]
    public async Task A_flush_that_did_not_reach_the_connection_ends_the_stream_as_disconnected_and_completes_nothing(string failure)
    {
        var output = new FaultyPipeWriter(pipe.Writer);
        var run = await StartAsync(output);
        reader.Drain();
        switch (failure)
        {
            case "reader completed":
                // What Kestrel's writer does after the connection was aborted: FlushResult.IsCompleted, no exception.
                await pipe.Reader.CompleteAsync();
                Receiver.Deliver(1, Messages.Token("m", "lost"));
                break;
            case "flush cancelled":
                time.SetUtcNow(t0 + TimeSpan.FromSeconds(0.5));
                Receiver.Deliver(1, Messages.Token("m", Big));
                await time.WaitForTimerAsync(t0 + TimeSpan.FromSeconds(1.5), "the flush waits");
                pipe.Writer.CancelPendingFlush();
                break;
            default:
                output.FlushFailure = new IOException("Connection reset by peer");
                Receiver.Deliver(1, Messages.Token("m", "lost"));
                break;
        }

        (await run).Should().Be(StreamOutcome.Disconnected);
        aborted.Should().BeTrue();
        await LeaveAsync();
        await Eventually.TrueAsync(() => Receiver.Closed);
        Receiver.Completed.Should().BeEmpty("nothing is completed after a flush that did not reach the client");
        Outcomes().Should().Equal(StreamOutcome.Disconnected);
    }

    [Fact]
    public async Task A_client_that_does_not_read_for_a_heartbeat_interval_ends_its_stream_and_the_session_is_released()
    {
        var run = await StartAsync();
        reader.Drain();
        time.SetUtcNow(t0 + TimeSpan.FromSeconds(0.5));
        Receiver.Deliver(1, Messages.Token("m", Big));
        Receiver.Deliver(2, Messages.Token("m", "unsent"));
        await time.WaitForTimerAsync(t0 + TimeSpan.FromSeconds(1.5), "the write deadline: one heartbeat interval");

        time.SetUtcNow(t0 + TimeSpan.FromSeconds(1.5) - TimeSpan.FromTicks(1));
        await Task.Delay(20);
        run.IsCompleted.Should().BeFalse();
        time.SetUtcNow(t0 + TimeSpan.FromSeconds(1.5));

        (await run).Should().Be(StreamOutcome.WriteTimeout);
        aborted.Should().BeTrue("the frame the client never took must not be flushed later");
        await LeaveAsync();
        await Eventually.TrueAsync(() => Receiver.Closed, "the session is released");
        Receiver.Completed.Should().BeEmpty("neither token reached the client: both stay in the subscription");
    }

    [Fact]
    public async Task The_maximum_duration_falls_due_while_a_write_waits()
    {
        settings.MaxStreamDuration = TimeSpan.FromSeconds(2.5);
        var run = await StartAsync();
        reader.Drain();
        await time.AdvanceToTimerAsync(t0, TimeSpan.FromSeconds(1), "the first heartbeat");
        await time.WaitForTimerAsync(t0 + TimeSpan.FromSeconds(2), "the second heartbeat");
        time.SetUtcNow(t0 + TimeSpan.FromSeconds(1.8));
        Receiver.Deliver(1, Messages.Token("m", Big));

        await time.AdvanceToTimerAsync(t0, TimeSpan.FromSeconds(2.5), "the write's deadline is the stream's end, before a heartbeat interval has passed");

        (await run).Should().Be(StreamOutcome.MaxDuration);
        aborted.Should().BeTrue();
    }

    [Fact]
    public async Task A_client_that_leaves_while_an_event_is_written_ends_the_stream_without_waiting_for_a_deadline()
    {
        var output = new FaultyPipeWriter(pipe.Writer);
        var run = await StartAsync(output);
        reader.Drain();
        output.AfterFlush = clientLeaves.Cancel;

        Receiver.Deliver(1, Messages.Token("m", "sent"));

        (await run).Should().Be(StreamOutcome.Disconnected, "the stream was not waiting when its connection was cancelled, and must notice before it waits");
        time.GetUtcNow().Should().Be(t0, "no timer was needed to notice");
        await Eventually.TrueAsync(() => Receiver.Completed.Count == 1, "the event reached the connection before the client left");
    }

    [Fact]
    public async Task Shutdown_ends_a_waiting_stream_at_once_with_an_error_frame_the_client_can_retry_on()
    {
        var run = await StartAsync();
        reader.Drain();
        Receiver.Deliver(1, Messages.Token("m", "sent"));
        (await reader.ReadFrameAsync()).Should().Be("id: 1\ndata: {\"token\":\"sent\"}");
        await Eventually.TrueAsync(() => Receiver.Completed.Count == 1);

        await hostStops.CancelAsync();

        (await reader.ReadFrameAsync()).Should().Be("""data: {"error":"The service is restarting. Reconnect to go on where this stream stopped.","retry":true}""");
        (await run).Should().Be(StreamOutcome.Shutdown);
        aborted.Should().BeFalse("the frame went out: the response ends normally");
        await LeaveAsync();
        await Eventually.TrueAsync(() => Receiver.Closed, "the receiver is closed as soon as the stream ends");
    }

    [Fact]
    public async Task Shutdown_aborts_a_stream_whose_write_waits_and_completes_nothing_unsent()
    {
        var run = await StartAsync();
        reader.Drain();
        time.SetUtcNow(t0 + TimeSpan.FromSeconds(0.5));
        Receiver.Deliver(1, Messages.Token("m", Big));
        await time.WaitForTimerAsync(t0 + TimeSpan.FromSeconds(1.5), "the flush waits");

        await hostStops.CancelAsync();

        (await run).Should().Be(StreamOutcome.Shutdown);
        aborted.Should().BeTrue();
        await LeaveAsync();
        await Eventually.TrueAsync(() => Receiver.Closed);
        Receiver.Completed.Should().BeEmpty();
    }

    [Fact]
    public async Task An_exception_of_the_services_own_is_its_own_outcome_not_a_disconnect()
    {
        var output = new FaultyPipeWriter(pipe.Writer);
        var run = await StartAsync(output);
        reader.Drain();
        output.BufferFailure = new InvalidOperationException("a bug");

        Receiver.Deliver(1, Messages.Token("m", "t"));

        await run.Invoking(r => r).Should().ThrowAsync<InvalidOperationException>();
        aborted.Should().BeTrue();
        Outcomes().Should().Equal(StreamOutcome.Error);
    }

    [Fact]
    public async Task Tokens_at_or_below_Last_Event_ID_are_completed_without_being_sent_again()
    {
        var run = await StartAsync(lastEventId: 2);
        reader.Drain();

        Receiver.Deliver(1, Messages.Token("m", "one"));
        Receiver.Deliver(2, Messages.Token("m", "two"));
        Receiver.Deliver(3, Messages.Token("m", "three"));
        Receiver.Deliver(4, Messages.End("m"));

        var frames = new List<string>();
        while (frames.Count == 0 || frames[^1] != "data: __END__")
        {
            frames.Add(await reader.ReadFrameAsync());
        }

        frames.Should().Equal("id: 3\ndata: {\"token\":\"three\"}", "data: __END__");
        (await run).Should().Be(StreamOutcome.End);
        await Eventually.TrueAsync(() => Receiver.Completed.Count == 4);
    }

    [Fact]
    public async Task A_newer_connection_ends_this_one_with_an_error_frame_that_is_not_retried()
    {
        var run = await StartAsync();
        reader.Drain();

        await using var newer = await hub.SubscribeAsync("s", "m", default);

        (await reader.ReadFrameAsync()).Should().Be("""data: {"error":"A newer connection for this chat message took the stream over."}""");
        (await run).Should().Be(StreamOutcome.Failed);
    }

    public async ValueTask DisposeAsync()
    {
        await LeaveAsync();
        await hub.DisposeAsync();
        ended.Dispose();
        metrics.Dispose();
        meters.Dispose();
        clientLeaves.Dispose();
        hostStops.Dispose();
    }

    private async Task<Task<string>> StartAsync(PipeWriter? output = null, long lastEventId = -1)
    {
        subscription = await hub.SubscribeAsync("s", "m", default);
        connection = new StreamConnection(output ?? pipe.Writer, () => aborted = true, clientLeaves.Token, hostStops.Token, time);
        var stream = new ChatMessageStream(subscription, connection, lastEventId, settings, metrics, NullLogger.Instance, time);
        // A guard on the wall clock, not a timing assertion: a stream that never ends fails its test instead of hanging the suite.
        return stream.RunAsync().WaitAsync(HangGuard);
    }

    /// <summary>What the handler does when the stream ends: leaves the session and lets go of the connection.</summary>
    private async Task LeaveAsync()
    {
        if (subscription is not null)
        {
            await subscription.DisposeAsync();
        }

        connection?.Dispose();
    }

    private IEnumerable<string?> Outcomes() => ended.GetMeasurementSnapshot().Select(m => m.Tags["outcome"] as string);
}
