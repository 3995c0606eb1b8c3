using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Xunit.Abstractions;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

/// <summary>
/// A stream sends heartbeats between short receives. A session receiver of the .NET SDK drains the link after every receive
/// that returns fewer messages than it asked for and waits for the broker's flow frame, also when the link has no credit
/// left (a prefetch window smaller than the ask, used up); a broker that does not answer that drain stalls the loop for the
/// SDK's operation timeout (60 s). Lateness is measured and reported, not asserted tightly: this machine is shared.
/// </summary>
public sealed class HeartbeatPatternTests(ConformanceBroker broker, ITestOutputHelper output) : IClassFixture<ConformanceBroker>
{
    const int Sessions = 20;
    const int MessagesPerSession = 48;
    const int BurstSize = 6;
    static readonly TimeSpan ShortReceive = TimeSpan.FromMilliseconds(50);

    // Far below the SDK's 60 s operation timeout that a stall waits for, far above what a loaded machine adds.
    static readonly TimeSpan NoStall = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_receive_that_asks_for_more_than_a_used_up_prefetch_window_returns_without_waiting_for_the_drain_timeout()
    {
        var sessionId = NewSessionId();
        await broker.SendAsync(Topic, Enumerable.Range(1, 8).Select(n => SessionMessage(sessionId, $"m{n}")).ToArray());
        await using var client = broker.CreateClient(tryTimeout: TimeSpan.FromSeconds(30));
        await using var receiver = await client.AcceptSessionAsync(Topic, Subscription, sessionId, new ServiceBusSessionReceiverOptions { PrefetchCount = 5 });
        await Eventually.TrueAsync(() => broker.Host.LockedMessageCount(Path(Topic, Subscription)) == 5, "the prefetch window is used up");

        var clock = Stopwatch.StartNew();
        var first = await receiver.ReceiveMessagesAsync(20, TimeSpan.FromSeconds(5));
        var firstTook = clock.Elapsed;
        var rest = await ReceiveAsync(receiver, 8 - first.Count);

        output.WriteLine($"first receive: {first.Count} messages in {firstTook.TotalMilliseconds:F0} ms; the rest in {(clock.Elapsed - firstTook).TotalMilliseconds:F0} ms");
        first.Concat(rest).Select(m => m.Body.ToString()).Should().Equal(Enumerable.Range(1, 8).Select(n => $"m{n}"));
        clock.Elapsed.Should().BeLessThan(NoStall, "the drain at zero credit is answered at once");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public async Task Many_sessions_looping_short_receives_get_every_message_once_and_no_receive_stalls(int prefetchCount)
    {
        var sessionIds = Enumerable.Range(0, Sessions).Select(_ => NewSessionId()).ToArray();
        var clock = Stopwatch.StartNew();
        var sentAt = new ConcurrentDictionary<string, TimeSpan>();
        var lateness = new ConcurrentBag<TimeSpan>();
        var receivers = new List<ServiceBusSessionReceiver>();
        foreach (var sessionId in sessionIds)
        {
            receivers.Add(await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId,
                new ServiceBusSessionReceiverOptions { PrefetchCount = prefetchCount }));
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var loops = receivers.Select(receiver => Task.Run(async () =>
        {
            var received = new List<string>();
            var longest = TimeSpan.Zero;
            while (received.Count < MessagesPerSession)
            {
                timeout.Token.ThrowIfCancellationRequested();
                var started = clock.Elapsed;
                var batch = await receiver.ReceiveMessagesAsync(MessagesPerSession, ShortReceive, timeout.Token);
                var took = clock.Elapsed - started;
                longest = took > longest ? took : longest;
                foreach (var message in batch)
                {
                    var body = message.Body.ToString();
                    lateness.Add(clock.Elapsed - sentAt[body]);
                    message.DeliveryCount.Should().Be(1, "a message released between receives was never delivered");
                    received.Add(body);
                    await receiver.CompleteMessageAsync(message, timeout.Token);
                }
            }

            return (Received: received, LongestReceive: longest);
        })).ToList();

        // Bursts larger than the prefetch window, so that the window is used up before a receive returns short.
        await using (var sender = broker.Client.CreateSender(Topic))
        {
            for (var n = 0; n < MessagesPerSession; n += BurstSize)
            {
                foreach (var sessionId in sessionIds)
                {
                    using var batch = await sender.CreateMessageBatchAsync(timeout.Token);
                    for (var i = n; i < n + BurstSize; i++)
                    {
                        var body = $"{sessionId}/{i}";
                        sentAt[body] = clock.Elapsed;
                        batch.TryAddMessage(SessionMessage(sessionId, body)).Should().BeTrue();
                    }

                    await sender.SendMessagesAsync(batch, timeout.Token);
                }

                await Task.Delay(100, timeout.Token);
            }
        }

        var results = await Task.WhenAll(loops);
        foreach (var receiver in receivers)
        {
            await receiver.DisposeAsync();
        }

        var longestReceive = results.Max(r => r.LongestReceive);
        var sorted = lateness.OrderBy(l => l).ToList();
        output.WriteLine($"prefetch {prefetchCount}: {sorted.Count} messages; lateness p50 {sorted[sorted.Count / 2].TotalMilliseconds:F0} ms, " +
            $"max {sorted[^1].TotalMilliseconds:F0} ms; longest receive {longestReceive.TotalMilliseconds:F0} ms (asked for {ShortReceive.TotalMilliseconds} ms)");
        for (var i = 0; i < Sessions; i++)
        {
            results[i].Received.Should().Equal(Enumerable.Range(0, MessagesPerSession).Select(n => $"{sessionIds[i]}/{n}"), "every message, in order");
        }

        longestReceive.Should().BeLessThan(NoStall, "a drain at zero credit is answered at once");
        sorted[^1].Should().BeLessThan(NoStall);
    }
}
