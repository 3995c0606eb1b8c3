using Azure.Messaging.ServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

public sealed class SessionReceiverTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task Sends_with_a_session_id_accepts_that_session_receives_in_order_and_completes()
    {
        var sessionId = NewSessionId();
        var messages = Enumerable.Range(1, 5).Select(n => SessionMessage(sessionId, $"m{n}")).ToList();
        var last = SessionMessage(sessionId, "m6");
        last.ApplicationProperties["kind"] = "last";
        messages.Add(last);
        await broker.SendAsync(Topic, [.. messages]);

        await using var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);
        receiver.SessionId.Should().Be(sessionId);
        receiver.SessionLockedUntil.Should().BeAfter(DateTimeOffset.UtcNow);
        var received = await ReceiveAsync(receiver, 6);

        received.Select(m => m.Body.ToString()).Should().Equal("m1", "m2", "m3", "m4", "m5", "m6");
        received.Should().OnlyContain(m => m.SessionId == sessionId && m.DeliveryCount == 1);
        received.Select(m => m.SequenceNumber).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        received.Should().OnlyContain(m => m.EnqueuedTime > DateTimeOffset.UtcNow.AddMinutes(-1));
        received.Select(m => m.LockToken).Should().OnlyHaveUniqueItems();
        received[5].ApplicationProperties["kind"].Should().Be("last");
        foreach (var message in received)
        {
            await receiver.CompleteMessageAsync(message);
        }

        (await receiver.PeekMessagesAsync(10)).Should().BeEmpty("completed messages are gone");
    }

    [Fact]
    public async Task Abandon_redelivers_the_message_with_the_delivery_count_increased_and_the_properties_modified()
    {
        var sessionId = NewSessionId();
        await broker.SendAsync(Topic, SessionMessage(sessionId, "retry me"));
        await using var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);

        var first = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        await receiver.AbandonMessageAsync(first, new Dictionary<string, object> { ["attempt"] = "one" });
        var second = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));

        second!.Body.ToString().Should().Be("retry me");
        second.ApplicationProperties["attempt"].Should().Be("one");
        second.SequenceNumber.Should().Be(first!.SequenceNumber);
        second.DeliveryCount.Should().Be(first.DeliveryCount + 1);
        second.LockToken.Should().NotBe(first.LockToken);
        await receiver.CompleteMessageAsync(second);
    }

    [Fact]
    public async Task DeadLetter_moves_the_message_to_the_dead_letter_queue_with_its_reason_and_description()
    {
        var sessionId = NewSessionId();
        var messageId = "poison-" + sessionId;
        await broker.SendAsync(Topic, new ServiceBusMessage("poison") { SessionId = sessionId, MessageId = messageId });
        await using (var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId))
        {
            var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
            await receiver.DeadLetterMessageAsync(message, "MalformedToken", "not JSON");
        }

        await using var deadLetters = broker.Client.CreateReceiver(Topic, Subscription, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var deadLettered = (await ReceiveAsync(deadLetters, 1)).Single();

        deadLettered.MessageId.Should().Be(messageId);
        deadLettered.Body.ToString().Should().Be("poison");
        deadLettered.DeadLetterReason.Should().Be("MalformedToken");
        deadLettered.DeadLetterErrorDescription.Should().Be("not JSON");
        deadLettered.SessionId.Should().Be(sessionId);
        await deadLetters.CompleteMessageAsync(deadLettered);
    }

    [Fact]
    public async Task RenewSessionLock_moves_the_lock_forward()
    {
        await using var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, NewSessionId());
        var before = receiver.SessionLockedUntil;
        await Task.Delay(1100);

        await receiver.RenewSessionLockAsync();

        receiver.SessionLockedUntil.Should().BeAfter(before);
    }

    [Fact]
    public async Task Session_state_round_trips_and_outlives_the_receiver()
    {
        var sessionId = NewSessionId();
        await using (var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId))
        {
            (await receiver.GetSessionStateAsync()).Should().BeNull("a new session has no state");
            await receiver.SetSessionStateAsync(BinaryData.FromString("""{"lastSequenceNumber":42}"""));
            (await receiver.GetSessionStateAsync()).ToString().Should().Be("""{"lastSequenceNumber":42}""");
        }

        await using var again = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);
        (await again.GetSessionStateAsync()).ToString().Should().Be("""{"lastSequenceNumber":42}""");
        await again.SetSessionStateAsync(null);
        (await again.GetSessionStateAsync()).Should().BeNull();
    }

    [Fact]
    public async Task Peek_pages_through_a_sessions_messages_without_locking_or_removing_them()
    {
        var sessionId = NewSessionId();
        await broker.SendAsync(Topic, SessionMessage(sessionId, "p1"), SessionMessage(sessionId, "p2"), SessionMessage(sessionId, "p3"));
        await using var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);

        (await receiver.PeekMessagesAsync(2)).Select(m => m.Body.ToString()).Should().Equal("p1", "p2");
        (await receiver.PeekMessagesAsync(2)).Select(m => m.Body.ToString()).Should().Equal(["p3"], "peek goes on after the last peeked message");
        var received = await ReceiveAsync(receiver, 3);

        received.Select(m => m.Body.ToString()).Should().Equal("p1", "p2", "p3");
        foreach (var message in received)
        {
            await receiver.CompleteMessageAsync(message);
        }
    }

    [Fact]
    public async Task ReceiveAndDelete_removes_the_messages_as_they_are_received()
    {
        var sessionId = NewSessionId();
        await broker.SendAsync(Topic, SessionMessage(sessionId, "d1"), SessionMessage(sessionId, "d2"));
        await using var receiver = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId,
            new ServiceBusSessionReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        (await ReceiveAsync(receiver, 2)).Select(m => m.Body.ToString()).Should().Equal("d1", "d2");
        (await receiver.PeekMessagesAsync(10)).Should().BeEmpty();
    }
}
