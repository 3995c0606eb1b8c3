using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Tests.Engine.Fakes;

namespace SseFunctions.Tests.Engine;

/// <summary>A stream holds at most <see cref="SseStreamingOptions.StreamBufferLimit"/> undelivered messages; beyond that
/// the pump takes nothing more from the session until the stream catches up.</summary>
public sealed class BackPressureTests : IAsyncDisposable
{
    private const int Limit = 4;
    private readonly ObservedTimeProvider time = new();
    private readonly FakeServiceBusClient client;
    private readonly SseMetrics metrics = new(new TestMeterFactory());
    private readonly SseStreamingOptions options = new()
    {
        StreamBufferLimit = Limit,
        PendingMessageTimeout = TimeSpan.FromSeconds(30),
        ReceiveWait = TimeSpan.FromSeconds(41.3),
        ReceiverCheckInterval = TimeSpan.FromMilliseconds(370),
    };
    private readonly SessionHub hub;

    public BackPressureTests()
    {
        client = new FakeServiceBusClient(time) { LockDuration = TimeSpan.FromHours(1) };
        hub = new SessionHub(client.AsOnlyConnection(), Options.Create(options), metrics, NullLoggerFactory.Instance, time);
    }

    [Fact]
    public async Task The_pump_stops_receiving_while_a_stream_holds_its_limit_and_goes_on_as_it_catches_up()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        for (var i = 1; i <= 10; i++)
        {
            receiver.Deliver(i, Messages.Token("m", $"t{i}"));
        }

        await Eventually.TrueAsync(() => receiver.NotYetReceived == 10 - Limit);
        await Task.Delay(50);
        receiver.NotYetReceived.Should().Be(10 - Limit, "the stream has taken nothing: the rest stays with Service Bus");

        var first = await stream.TakeAsync(2);
        await Task.Delay(50);
        receiver.NotYetReceived.Should().Be(10 - Limit, "taken is not delivered: the events have not been flushed yet");
        stream.Complete(first);
        await Eventually.TrueAsync(() => receiver.NotYetReceived == 10 - Limit - 2, "two completed, two more received");

        var rest = new List<SessionDelivery>();
        while (rest.Count < 8)
        {
            var more = await stream.TakeAsync(Math.Min(2, 8 - rest.Count));
            stream.Complete(more);
            rest.AddRange(more);
        }

        rest.Select(d => d.SequenceNumber).Should().Equal(3, 4, 5, 6, 7, 8, 9, 10);
    }

    [Fact]
    public async Task A_full_route_without_a_stream_holds_the_session_back_until_its_window_drops_it()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        for (var i = 1; i <= Limit; i++)
        {
            receiver.Deliver(i, Messages.Token("nobody", $"t{i}"));
        }

        receiver.Deliver(Limit + 1, Messages.Token("m", "mine"));
        var heldAt = time.GetUtcNow();
        await time.WaitForTimerAsync(heldAt + options.PendingMessageTimeout);
        await Eventually.TrueAsync(() => receiver.NotYetReceived == 1);

        time.Advance(options.PendingMessageTimeout);

        (await stream.TakeAsync(1)).Single().Content.Text.Should().Be("mine");
        await Eventually.TrueAsync(() => receiver.Completed.Count == Limit, "the held tokens were dropped");
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        metrics.Dispose();
    }
}
