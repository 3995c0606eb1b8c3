using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Tests.Engine.Fakes;

namespace SseFunctions.Tests.Engine;

/// <summary>Messages of a chat message whose stream is not (or no longer) here: held for SSE_PENDING_MESSAGE_SECONDS,
/// then completed and dropped; on a fake clock, to the tick.</summary>
public sealed class HeldMessagesTests : IAsyncDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(30);
    private readonly ObservedTimeProvider time = new();
    private readonly FakeServiceBusClient client;
    private readonly TestMeterFactory meters = new();
    private readonly SseMetrics metrics;
    private readonly MetricCollector<long> dropped;
    // Receives and receiver checks due at odd times, so that no test mistakes their timers for the hold's.
    private readonly SseStreamingOptions options = new() { PendingMessageTimeout = Window, ReceiveWait = TimeSpan.FromSeconds(41.3), ReceiverCheckInterval = TimeSpan.FromMilliseconds(370) };
    private readonly SessionHub hub;

    public HeldMessagesTests()
    {
        client = new FakeServiceBusClient(time) { LockDuration = TimeSpan.FromHours(1) };
        metrics = new SseMetrics(meters);
        dropped = new MetricCollector<long>(meters, SseMetrics.MeterName, "sse.messages.dropped");
        hub = new SessionHub(client.AsOnlyConnection(), Options.Create(options), metrics, NullLoggerFactory.Instance, time);
    }

    [Fact]
    public async Task A_chat_message_whose_stream_joins_within_the_window_gets_every_token_held_for_it()
    {
        await using var open = await hub.SubscribeAsync("s", "first", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Messages.Token("late", "a"));
        receiver.Deliver(2, Messages.Token("late", "b"));
        var heldAt = time.GetUtcNow();
        await time.WaitForTimerAsync(heldAt + Window, "the hold's deadline");

        time.Advance(Window - TimeSpan.FromTicks(1));
        await using var late = await hub.SubscribeAsync("s", "late", default);
        receiver.Deliver(3, Messages.Token("late", "c"));

        (await late.TakeAsync(3)).Select(d => d.Content.Text).Should().Equal("a", "b", "c");
        time.Advance(Window);
        receiver.Completed.Should().BeEmpty("nothing it holds for a stream that came is dropped");
        dropped.GetMeasurementSnapshot().Should().BeEmpty();
    }

    [Fact]
    public async Task Held_tokens_are_completed_and_counted_as_dropped_when_the_window_ends_and_later_ones_at_once()
    {
        await using var open = await hub.SubscribeAsync("s", "first", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Messages.Token("never", "a"));
        receiver.Deliver(2, Messages.Token("never", "b"));
        var heldAt = time.GetUtcNow();
        await time.WaitForTimerAsync(heldAt + Window);

        time.Advance(Window - TimeSpan.FromTicks(1));
        await Task.Delay(20);
        receiver.Completed.Should().BeEmpty("the window is not over yet");
        time.Advance(TimeSpan.FromTicks(1));
        await Eventually.TrueAsync(() => receiver.Completed.Count == 2);

        receiver.Deliver(3, Messages.Token("never", "c"));
        await Eventually.TrueAsync(() => receiver.Completed.Count == 3, "after the window the chat message's tokens are dropped at once");
        receiver.Completed.Should().Equal(1, 2, 3);
        dropped.GetMeasurementSnapshot().Sum(m => m.Value).Should().Be(3);
    }

    [Fact]
    public async Task A_stream_that_joins_the_receiver_later_gets_what_was_held_when_no_stream_waited()
    {
        await using var open = await hub.SubscribeAsync("s", "first", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Messages.Token("first", "x"));
        receiver.Deliver(2, Messages.End("first"));
        var firstEvents = await open.TakeAsync(2);
        open.Complete(firstEvents);

        // The first stream has its end marker but is still connected: the next answer's tokens come before its stream.
        receiver.Deliver(3, Messages.Token("next", "y"));
        receiver.Deliver(4, Messages.End("next"));
        await using var next = await hub.SubscribeAsync("s", "next", default);

        (await next.TakeAsync(2)).Select(d => d.SequenceNumber).Should().Equal(3, 4);
        client.AcceptCount.Should().Be(1, "it joined the same receiver");
    }

    [Fact]
    public async Task A_stream_that_leaves_while_another_holds_the_session_has_its_tokens_kept_for_its_reconnect()
    {
        await using var other = await hub.SubscribeAsync("s", "other", default);
        var leaving = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Messages.Token("m", "a"));
        receiver.Deliver(2, Messages.Token("m", "b"));
        leaving.Complete(await leaving.TakeAsync(1));
        await leaving.DisposeAsync();
        var leftAt = time.GetUtcNow();
        await time.WaitForTimerAsync(leftAt + Window);

        time.Advance(Window - TimeSpan.FromSeconds(1));
        await using var reconnected = await hub.SubscribeAsync("s", "m", default);

        (await reconnected.TakeAsync(1)).Single().SequenceNumber.Should().Be(2);
        receiver.Completed.Should().Equal([1], "what the first connection never sent was held for the reconnect");
    }

    [Fact]
    public async Task With_no_window_another_chat_messages_token_is_dropped_at_once_as_the_seed_did()
    {
        options.PendingMessageTimeout = TimeSpan.Zero;
        await using var open = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");

        receiver.Deliver(1, Messages.Token("other", "x"));
        receiver.Deliver(2, Messages.End("m"));

        (await open.TakeAsync(1)).Single().Content.Kind.Should().Be(TokenStreamMessageKind.EndOfStream);
        await Eventually.TrueAsync(() => receiver.Completed.Contains(1));
    }

    [Fact]
    public async Task A_token_after_the_end_marker_of_its_chat_message_waits_for_a_new_stream_of_it_not_the_ended_one()
    {
        var ended = await hub.SubscribeAsync("s", "m", default);
        await using var keepsSession = await hub.SubscribeAsync("s", "other", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Messages.End("m"));
        receiver.Deliver(2, Messages.Token("m", "stray"));
        (await ended.TakeAsync(1)).Single().Content.Kind.Should().Be(TokenStreamMessageKind.EndOfStream);

        // A reconnect before the end marker was completed takes the ended route over and gets the end marker again.
        await using var takeover = await hub.SubscribeAsync("s", "m", default);
        var replay = await takeover.TakeAsync(1);
        replay.Single().SequenceNumber.Should().Be(1);
        await Task.Delay(20);
        takeover.Take(replay, 10);
        replay.Should().ContainSingle("the stray token belongs to whatever stream of m comes after this one");
        await ended.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        dropped.Dispose();
        metrics.Dispose();
        meters.Dispose();
    }
}
