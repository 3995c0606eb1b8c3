using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Tests.Engine.Fakes;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.Engine;

/// <summary>The hub's routing rules, over an in-memory receiver.</summary>
public sealed class SessionHubTests : IAsyncDisposable
{
    private readonly FakeServiceBusClient client = new();
    private readonly SseMetrics metrics = new(new TestMeterFactory());
    private readonly LogCapture logs = new();
    private readonly ILoggerFactory loggerFactory;
    private readonly SessionHub hub;

    public SessionHubTests()
    {
        loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs));
        hub = new SessionHub(client.AsOnlyConnection(), Options.Create(new SseStreamingOptions()), metrics, loggerFactory, TimeProvider.System);
    }

    [Fact]
    public async Task Routes_each_chat_message_to_its_own_stream_in_order()
    {
        await using var first = await hub.SubscribeAsync("s", "m1", default);
        await using var second = await hub.SubscribeAsync("s", "m2", default);
        var receiver = client.ReceiverOf("s");
        client.AcceptCount.Should().Be(1, "streams of one session share one receiver");

        receiver.Deliver(1, Messages.Token("m1", "a"));
        receiver.Deliver(2, Messages.Token("m2", "b"));
        receiver.Deliver(3, Messages.Token("m1", "c"));

        (await first.TakeAsync(2)).Select(d => d.Content.Text).Should().Equal("a", "c");
        (await second.TakeAsync(1)).Select(d => d.Content.Text).Should().Equal("b");
    }

    [Fact]
    public async Task A_newer_stream_takes_over_and_replays_what_was_not_completed()
    {
        var old = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Messages.Token("m", "a"));
        receiver.Deliver(2, Messages.Token("m", "b"));
        var taken = await old.TakeAsync(2);
        old.Complete(taken[..1]);
        await Eventually.TrueAsync(() => receiver.Completed.Count == 1);

        await using var newer = await hub.SubscribeAsync("s", "m", default);

        var act = () => old.Take([], 10);
        act.Should().Throw<SessionStreamException>().WithMessage("*newer connection*").Which.CanRetry.Should().BeFalse();
        (await newer.TakeAsync(1)).Select(d => d.SequenceNumber).Should().Equal(2);
        old.Complete(taken[1..]);
        receiver.Completed.Should().Equal([1], "the old stream may not settle what it no longer owns");
        await old.DisposeAsync();
        receiver.Closed.Should().BeFalse("the newer stream still holds the session");
    }

    [Fact]
    public async Task A_takeover_racing_the_first_accept_leaves_the_first_stream_a_takeover_not_a_failure()
    {
        client.AcceptGate = new TaskCompletionSource();
        var first = hub.SubscribeAsync("s", "m", default);
        using var reconnectLeaves = new CancellationTokenSource();
        var reconnect = hub.SubscribeAsync("s", "m", reconnectLeaves.Token);

        // The reconnect's client gives up before the session is accepted: it leaves, and the first stream is no owner.
        await reconnectLeaves.CancelAsync();
        await reconnect.Invoking(t => t).Should().ThrowAsync<OperationCanceledException>();
        client.AcceptGate.SetResult();

        await using var subscription = await first;
        var take = () => subscription.Take([], 10);
        take.Should().Throw<SessionStreamException>().WithMessage("*newer connection*", "the first stream ends with the takeover's error frame");
    }

    [Fact]
    public async Task A_leaving_stream_completes_only_what_it_sent_and_the_rest_returns_with_the_receiver()
    {
        var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        for (var i = 1; i <= 5; i++)
        {
            receiver.Deliver(i, Messages.Token("m", $"t{i}"));
        }

        stream.Complete(await stream.TakeAsync(2));
        (await stream.TakeAsync(1)).Single().SequenceNumber.Should().Be(3, "taken, but never flushed");
        await stream.DisposeAsync();

        await Eventually.TrueAsync(() => receiver.Closed);
        receiver.Completed.Should().Equal([1, 2], "only what was flushed is completed; 3, 4 and 5 stay in the subscription");
    }

    [Fact]
    public async Task Dead_letters_malformed_messages_and_goes_on()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");

        receiver.Deliver(1, "{not json");
        receiver.Deliver(2, """{"chatMessageId": "m", "token": "\ud83d"}""");
        receiver.Deliver(3, BinaryData.FromBytes([0xFF, 0xFE, 0x00]));
        receiver.Deliver(4, Messages.Token("m", "ok"));

        (await stream.TakeAsync(1)).Single().Content.Text.Should().Be("ok");
        await Eventually.TrueAsync(() => receiver.DeadLettered.Count == 3);
        receiver.DeadLettered.Should().Equal(1, 2, 3);
    }

    [Fact]
    public async Task The_last_stream_to_leave_closes_the_receiver_and_a_new_one_reopens_it()
    {
        var stream = await hub.SubscribeAsync("s", "m", default);
        var first = client.ReceiverOf("s");

        await stream.DisposeAsync();
        await Eventually.TrueAsync(() => first.Closed && hub.ActiveSessionCount == 0);

        await using var again = await hub.SubscribeAsync("s", "m", default);
        client.ReceiverOf("s").Should().NotBeSameAs(first);
    }

    [Fact]
    public async Task The_pump_logs_under_its_own_session_scope_not_the_first_requests_scope_or_trace()
    {
        using var request = new Activity("first request").Start();
        using (loggerFactory.CreateLogger("Request").BeginScope(new Dictionary<string, object?> { ["chatMessageId"] = "m", ["requestScope"] = "first" }))
        {
            await using var stream = await hub.SubscribeAsync("s", "m", default);
            await Eventually.TrueAsync(() => logs.Lines.Any(l => l.Contains("Session accepted")));
        }

        client.AcceptActivity.Should().BeNull("the pump serves every stream of the session: it does not run in the first one's trace");
        logs.Lines.Single(l => l.Contains("Session accepted")).Should().Contain("{sessionId=s}").And.NotContain("requestScope").And.NotContain("chatMessageId");
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        metrics.Dispose();
        loggerFactory.Dispose();
    }
}
