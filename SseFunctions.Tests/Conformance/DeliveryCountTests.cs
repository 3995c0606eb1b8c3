using Azure.Messaging.ServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

/// <summary>
/// What counts as a delivery attempt, as Service Bus counts it: an abandon and an expired lock do; a release (the .NET SDK
/// releases messages that reach a link with no receive pending) and closing a receiver do not.
/// </summary>
public sealed class DeliveryCountTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task A_message_that_arrives_after_a_cancelled_receive_is_delivered_for_the_first_time()
    {
        var sessionId = NewSessionId();
        await using var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            var cancelled = () => receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(30), cancel.Token);
            await cancelled.Should().ThrowAsync<OperationCanceledException>();
        }

        await broker.SendAsync(Topic, SessionMessage(sessionId, "after the cancelled receive"));
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));

        message.Should().NotBeNull();
        message!.Body.ToString().Should().Be("after the cancelled receive");
        message.DeliveryCount.Should().Be(1, "a message released by the SDK was never delivered to the application");
        await receiver.CompleteMessageAsync(message);
    }

    [Fact]
    public async Task Messages_that_arrive_after_timed_out_receives_on_a_queue_are_delivered_for_the_first_time()
    {
        await using var receiver = broker.Client.CreateReceiver(Queue);
        for (var i = 0; i < 3; i++)
        {
            (await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(100))).Should().BeNull();
        }

        await broker.SendAsync(Queue, new ServiceBusMessage("late") { MessageId = "late-" + Guid.NewGuid() });
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));

        message.Should().NotBeNull();
        message!.DeliveryCount.Should().Be(1);
        await receiver.CompleteMessageAsync(message);
    }

    [Fact]
    public async Task Prefetched_messages_not_received_come_back_with_their_delivery_count_unchanged_when_the_receiver_closes()
    {
        var sessionId = NewSessionId();
        await broker.SendAsync(Topic, Enumerable.Range(1, 5).Select(n => SessionMessage(sessionId, $"m{n}")).ToArray());
        var subscription = Path(Topic, Subscription);

        await using (var prefetching = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId, new ServiceBusSessionReceiverOptions { PrefetchCount = 10 }))
        {
            var first = await prefetching.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
            first!.Body.ToString().Should().Be("m1");
            await Eventually.TrueAsync(() => broker.Host.LockedMessageCount(subscription) == 5, "the other four are prefetched");
        }

        await Eventually.TrueAsync(() => !broker.Host.IsSessionLocked(subscription, sessionId), "closing releases the session");
        await using var again = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);
        var received = await ReceiveAsync(again, 5);

        received.Select(m => m.Body.ToString()).Should().Equal("m1", "m2", "m3", "m4", "m5");
        received.Should().OnlyContain(m => m.DeliveryCount == 1, "closing a session receiver does not count a delivery, received or prefetched");
        foreach (var message in received)
        {
            await again.CompleteMessageAsync(message);
        }
    }

    [Fact]
    public async Task A_queue_receiver_that_closes_with_a_received_message_unsettled_counts_its_delivery()
    {
        // Unlike a session receiver (above), Service Bus abandons what a closed peek-lock link held.
        var messageId = "unsettled-" + Guid.NewGuid();
        await broker.SendAsync(Queue, new ServiceBusMessage("unsettled") { MessageId = messageId });
        await using (var first = broker.Client.CreateReceiver(Queue))
        {
            (await first.ReceiveMessageAsync(TimeSpan.FromSeconds(10)))!.MessageId.Should().Be(messageId);
        }

        await using var second = broker.Client.CreateReceiver(Queue);
        var again = await second.ReceiveMessageAsync(TimeSpan.FromSeconds(10));

        again!.MessageId.Should().Be(messageId);
        again.DeliveryCount.Should().Be(2);
        await second.CompleteMessageAsync(again);
    }

    [Fact]
    public async Task An_expired_session_lock_counts_a_delivery_of_its_unsettled_messages_and_dead_letters_them_at_the_maximum()
    {
        // short-lock-sessions: lock 2 s, MaxDeliveryCount 2.
        var sessionId = NewSessionId();
        var subscription = Path(ShortLockTopic, ShortLockSubscription);
        await broker.SendAsync(ShortLockTopic, new ServiceBusMessage("slow") { SessionId = sessionId, MessageId = "slow-" + sessionId });

        await using (var first = await broker.Client.AcceptSessionAsync(ShortLockTopic, ShortLockSubscription, sessionId))
        {
            (await first.ReceiveMessageAsync(TimeSpan.FromSeconds(10)))!.DeliveryCount.Should().Be(1);
            await Eventually.TrueAsync(() => first.IsClosed, "the broker detaches a receiver whose session lock expired", TimeSpan.FromSeconds(15));
        }

        await using (var second = await broker.Client.AcceptSessionAsync(ShortLockTopic, ShortLockSubscription, sessionId))
        {
            var redelivered = await second.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
            redelivered!.DeliveryCount.Should().Be(2, "the service counts a delivery when a session lock expires (message-sessions: impact of delivery count)");
            await Eventually.TrueAsync(() => !broker.Host.IsSessionLocked(subscription, sessionId), "the lock expires again", TimeSpan.FromSeconds(15));
        }

        await Eventually.TrueAsync(() => broker.Host.DeadLetterMessageCount(subscription) >= 1, "the second expiry reaches MaxDeliveryCount");
        await using var deadLetters = broker.Client.CreateReceiver(ShortLockTopic, ShortLockSubscription, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var deadLettered = (await ReceiveAsync(deadLetters, 1)).Single(m => m.MessageId == "slow-" + sessionId);
        deadLettered.DeadLetterReason.Should().Be("MaxDeliveryCountExceeded");
        await deadLetters.CompleteMessageAsync(deadLettered);
    }

    [Fact]
    public async Task An_expired_message_lock_counts_a_delivery()
    {
        // short-lock-queue: lock 2 s, MaxDeliveryCount 2.
        var messageId = "expiring-" + Guid.NewGuid();
        await broker.SendAsync(ShortLockQueue, new ServiceBusMessage("expiring") { MessageId = messageId });
        await using var receiver = broker.Client.CreateReceiver(ShortLockQueue);

        var first = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        first!.MessageId.Should().Be(messageId);
        await Eventually.TrueAsync(() => broker.Host.ActiveMessageCount(ShortLockQueue) == 1, "the lock expires", TimeSpan.FromSeconds(15));
        var second = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));

        second!.MessageId.Should().Be(messageId);
        second.DeliveryCount.Should().Be(2);
        var lockLost = () => receiver.CompleteMessageAsync(first);
        (await lockLost.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.MessageLockLost);
        await receiver.CompleteMessageAsync(second);
    }
}
