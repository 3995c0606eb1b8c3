using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Tests.Engine.Fakes;

namespace SseFunctions.Tests.Engine;

/// <summary>The hub's routing rules, over an in-memory receiver.</summary>
public sealed class SessionHubTests : IAsyncDisposable
{
    private readonly FakeServiceBusClient client = new();
    private readonly SseMetrics metrics = new(new TestMeterFactory());
    private readonly SessionHub hub;

    public SessionHubTests() =>
        hub = new SessionHub(client, Options.Create(new SseStreamingOptions()), metrics, NullLoggerFactory.Instance, TimeProvider.System);

    [Fact]
    public async Task Routes_each_chat_message_to_its_own_stream_in_order()
    {
        await using var first = await hub.SubscribeAsync("s", "m1", default);
        await using var second = await hub.SubscribeAsync("s", "m2", default);
        var receiver = client.ReceiverOf("s");
        client.AcceptCount.Should().Be(1, "streams of one session share one receiver");

        receiver.Deliver(1, Token("m1", "a"));
        receiver.Deliver(2, Token("m2", "b"));
        receiver.Deliver(3, Token("m1", "c"));

        (await TakeAsync(first, 2)).Select(d => d.Content.Text).Should().Equal("a", "c");
        (await TakeAsync(second, 1)).Select(d => d.Content.Text).Should().Equal("b");
    }

    [Fact]
    public async Task A_newer_stream_takes_over_and_replays_what_was_not_completed()
    {
        var old = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        receiver.Deliver(1, Token("m", "a"));
        receiver.Deliver(2, Token("m", "b"));
        var taken = await TakeAsync(old, 2);
        old.Complete(taken[..1]);
        await Eventually.TrueAsync(() => receiver.Completed.Count == 1);

        await using var newer = await hub.SubscribeAsync("s", "m", default);

        var act = () => old.Take([], 10);
        act.Should().Throw<SessionStreamException>().WithMessage("*newer connection*");
        (await TakeAsync(newer, 1)).Select(d => d.SequenceNumber).Should().Equal(2);
        old.Complete(taken[1..]);
        receiver.Completed.Should().Equal([1], "the old stream may not settle what it no longer owns");
        await old.DisposeAsync();
        receiver.Closed.Should().BeFalse("the newer stream still holds the session");
    }

    [Fact]
    public async Task Drops_another_chat_messages_token_only_while_a_stream_still_waits()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");

        receiver.Deliver(1, Token("other", "x"));
        receiver.Deliver(2, End("m"));
        receiver.Deliver(3, Token("next", "y"));
        var end = await TakeAsync(stream, 1);

        end.Single().Content.Kind.Should().Be(TokenStreamMessageKind.EndOfStream);
        await Eventually.TrueAsync(() => receiver.Completed.Contains(1));
        await Task.Delay(100);
        receiver.Completed.Should().Equal([1], "after the end marker nothing else is consumed");
    }

    [Fact]
    public async Task Dead_letters_malformed_messages_and_goes_on()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");

        receiver.Deliver(1, "{not json");
        receiver.Deliver(2, Token("m", "ok"));

        (await TakeAsync(stream, 1)).Single().Content.Text.Should().Be("ok");
        receiver.DeadLettered.Should().Equal(1);
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

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        metrics.Dispose();
    }

    private static string Token(string chatMessageId, string token) => $$"""{"chatMessageId":"{{chatMessageId}}","token":"{{token}}"}""";

    private static string End(string chatMessageId) => $$"""{"chatMessageId":"{{chatMessageId}}","end_of_stream":true}""";

    private static async Task<List<SessionDelivery>> TakeAsync(StreamSubscription subscription, int count)
    {
        var batch = new List<SessionDelivery>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (batch.Count < count && DateTime.UtcNow < deadline)
        {
            await subscription.WaitAsync(TimeSpan.FromMilliseconds(200), default);
            subscription.Take(batch, count - batch.Count);
        }

        batch.Should().HaveCount(count);
        return batch;
    }
}
