using Azure.Messaging.ServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

public sealed class SendTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task A_message_sent_without_a_message_id_gets_one_from_the_broker_and_a_given_one_is_kept()
    {
        await using (var sender = broker.Client.CreateSender(Queue))
        {
            using var batch = await sender.CreateMessageBatchAsync();
            batch.TryAddMessage(new ServiceBusMessage("batched without id")).Should().BeTrue();
            batch.TryAddMessage(new ServiceBusMessage("batched with id") { MessageId = "given-id" }).Should().BeTrue();
            await sender.SendMessageAsync(new ServiceBusMessage("single without id"));
            await sender.SendMessagesAsync(batch);
        }

        await using var receiver = broker.Client.CreateReceiver(Queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var received = await ReceiveAsync(receiver, 3);

        received.Select(m => m.Body.ToString()).Should().Equal("single without id", "batched without id", "batched with id");
        received[0].MessageId.Should().NotBeNullOrEmpty();
        received[1].MessageId.Should().NotBeNullOrEmpty();
        received[0].MessageId.Should().NotBe(received[1].MessageId, "each message gets its own id");
        received[2].MessageId.Should().Be("given-id");
    }

    [Fact]
    public async Task A_topic_message_without_a_message_id_has_the_same_assigned_id_in_every_subscription()
    {
        await broker.SendAsync(FanOutTopic, new ServiceBusMessage("to all"));
        var ids = new List<string>();
        foreach (var subscription in new[] { "audit", "billing" })
        {
            await using var receiver = broker.Client.CreateReceiver(FanOutTopic, subscription, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
            ids.Add((await ReceiveAsync(receiver, 1)).Single().MessageId);
        }

        ids[0].Should().NotBeNullOrEmpty();
        ids[1].Should().Be(ids[0]);
    }
}
