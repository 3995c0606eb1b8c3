using Azure.Messaging.ServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

/// <summary>Queues and topics without sessions.</summary>
public sealed class QueueTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task Sends_peeks_receives_and_completes()
    {
        await broker.SendAsync(Queue, new ServiceBusMessage("q1") { MessageId = "m1" }, new ServiceBusMessage("q2") { MessageId = "m2" });
        await using var receiver = broker.Client.CreateReceiver(Queue);

        (await receiver.PeekMessagesAsync(5)).Select(m => m.Body.ToString()).Should().Equal("q1", "q2");
        var received = await ReceiveAsync(receiver, 2);

        received.Select(m => m.MessageId).Should().Equal("m1", "m2");
        received.Should().OnlyContain(m => m.LockedUntil > DateTimeOffset.UtcNow, "peek-lock messages carry their lock expiry");
        foreach (var message in received)
        {
            await receiver.CompleteMessageAsync(message);
        }

        (await receiver.PeekMessagesAsync(5)).Should().BeEmpty();
    }

    [Fact]
    public async Task A_topic_fans_each_message_out_to_every_subscription()
    {
        await broker.SendAsync(FanOutTopic, new ServiceBusMessage("to all") { MessageId = "fan-1" });

        foreach (var subscription in new[] { "audit", "billing" })
        {
            await using var receiver = broker.Client.CreateReceiver(FanOutTopic, subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
            (await ReceiveAsync(receiver, 1)).Single().MessageId.Should().Be("fan-1", $"{subscription} got its copy");
        }
    }

    [Fact]
    public async Task RenewMessageLock_extends_a_peek_lock()
    {
        await broker.SendAsync(Queue, new ServiceBusMessage("long job"));
        await using var receiver = broker.Client.CreateReceiver(Queue);
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        var before = message!.LockedUntil;
        await Task.Delay(1100);

        await receiver.RenewMessageLockAsync(message);

        message.LockedUntil.Should().BeAfter(before);
        await receiver.CompleteMessageAsync(message);
    }

    [Fact]
    public async Task A_message_abandoned_MaxDeliveryCount_times_moves_to_the_dead_letter_queue()
    {
        // plain-queue: MaxDeliveryCount 3.
        await broker.SendAsync(Queue, new ServiceBusMessage("never works") { MessageId = "poison" });
        await using (var receiver = broker.Client.CreateReceiver(Queue))
        {
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
                message!.MessageId.Should().Be("poison");
                message.DeliveryCount.Should().Be(attempt);
                await receiver.AbandonMessageAsync(message);
            }

            (await receiver.ReceiveMessageAsync(TimeSpan.FromMilliseconds(500))).Should().BeNull();
        }

        await using var deadLetters = broker.Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter, ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var deadLettered = (await ReceiveAsync(deadLetters, 1)).Single();
        deadLettered.MessageId.Should().Be("poison");
        deadLettered.DeadLetterReason.Should().Be("MaxDeliveryCountExceeded");
    }
}
