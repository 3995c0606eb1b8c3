using System.Text.Json;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.ServiceBus;
using static SseFunctions.Tests.ServiceBus.LocalBusTestContext;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>The AMQP client against an in-process LocalServiceBus.</summary>
public class ServiceBusClientTests
{
    [Fact]
    public async Task Sent_messages_are_received_with_every_property_and_completed()
    {
        await using var t = await StartAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-2);
        await using (var sender = t.Client.CreateSender(Topic))
        {
            sender.EntityPath.Should().Be(Topic);
            var message = new ServiceBusMessage(BinaryData.FromBytes([0, 1, 2, 255]))
            {
                SessionId = "s-props",
                MessageId = "id-1",
                ContentType = "application/octet-stream",
                Subject = "subject-1",
                CorrelationId = "corr-1",
                TimeToLive = TimeSpan.FromMinutes(5),
            };
            message.ApplicationProperties["text"] = "hello";
            message.ApplicationProperties["number"] = 42;
            message.ApplicationProperties["long"] = 1L << 40;
            message.ApplicationProperties["flag"] = true;
            await sender.SendMessageAsync(message);
            await sender.SendMessagesAsync([Token("s-props", "a"), Token("s-props", "b")]);
        }

        t.Bus.ActiveMessageCount(EntityPath).Should().Be(3);
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-props");
        receiver.SessionId.Should().Be("s-props");
        receiver.EntityPath.Should().Be(EntityPath);
        receiver.SessionLockedUntil.Should().BeAfter(DateTimeOffset.UtcNow.AddSeconds(30));
        receiver.IsClosed.Should().BeFalse();
        t.Bus.IsSessionLocked(EntityPath, "s-props").Should().BeTrue();

        var messages = await ReceiveAsync(receiver, 3);

        messages.Should().HaveCount(3);
        var first = messages[0];
        first.Body.ToArray().Should().Equal(0, 1, 2, 255);
        first.SessionId.Should().Be("s-props");
        first.MessageId.Should().Be("id-1");
        first.ContentType.Should().Be("application/octet-stream");
        first.Subject.Should().Be("subject-1");
        first.CorrelationId.Should().Be("corr-1");
        first.DeliveryCount.Should().Be(1);
        first.EnqueuedTime.Should().BeAfter(before).And.BeBefore(DateTimeOffset.UtcNow.AddSeconds(2));
        Guid.TryParse(first.LockToken, out _).Should().BeTrue();
        first.LockedUntil.Should().BeAfter(DateTimeOffset.UtcNow);
        first.ApplicationProperties.Should().Contain(new Dictionary<string, object> { ["text"] = "hello", ["number"] = 42, ["long"] = 1L << 40, ["flag"] = true });
        messages.Select(m => m.SequenceNumber).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        messages[0].SequenceNumber.Should().BePositive();
        messages.Select(m => m.LockToken).Should().OnlyHaveUniqueItems();
        JsonDocument.Parse(messages[1].Body.ToString()).RootElement.GetProperty("token").GetString().Should().Be("a");
        messages[2].ContentType.Should().Be("application/json");

        foreach (var message in messages)
        {
            await receiver.CompleteMessageAsync(message);
        }

        await Eventually.TrueAsync(() => t.Bus.LockedMessageCount(EntityPath) == 0, "completed messages leave the subscription");
        t.Bus.ActiveMessageCount(EntityPath).Should().Be(0);
        (await receiver.ReceiveMessagesAsync(10, TimeSpan.FromMilliseconds(200))).Should().BeEmpty();
    }

    [Fact]
    public async Task A_session_locked_by_one_receiver_cannot_be_accepted_by_another_until_it_is_closed()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-lock", 1);
        var first = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-lock");
        await using var otherClient = t.NewClient();

        var second = () => otherClient.AcceptSessionAsync(Topic, Subscription, "s-lock");

        var error = (await second.Should().ThrowAsync<ServiceBusException>()).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.SessionCannotBeLocked);
        error.IsTransient.Should().BeFalse();
        error.EntityPath.Should().Be(EntityPath);
        error.Message.Should().Contain(EntityPath).And.Contain("session-cannot-be-locked");

        var closing = Task.Run(async () => await first.DisposeAsync());
        await closing.WaitAsync(TimeSpan.FromSeconds(2));
        first.IsClosed.Should().BeTrue();
        await Eventually.TrueAsync(() => !t.Bus.IsSessionLocked(EntityPath, "s-lock"), "closing the receiver releases the session lock at once", TimeSpan.FromSeconds(1));
        await using var again = await otherClient.AcceptSessionAsync(Topic, Subscription, "s-lock");
        (await ReceiveAsync(again, 1)).Should().ContainSingle();
    }

    [Fact]
    public async Task Accept_next_session_finds_a_session_with_messages_and_times_out_when_there_is_none()
    {
        await using var t = await StartAsync();
        await using var client = t.NewClient(TimeSpan.FromSeconds(2));
        await t.SendAsync("s-next", 2);

        await using (var receiver = await client.AcceptNextSessionAsync(Topic, Subscription))
        {
            receiver.SessionId.Should().Be("s-next");
            var messages = await ReceiveAsync(receiver, 2);
            messages.Should().HaveCount(2).And.OnlyContain(m => m.SessionId == "s-next");
            foreach (var m in messages)
            {
                await receiver.CompleteMessageAsync(m);
            }
        }

        var started = DateTime.UtcNow;
        var none = () => client.AcceptNextSessionAsync(Topic, Subscription);
        (await none.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.ServiceTimeout);
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Abandoned_message_is_redelivered_with_delivery_count_2()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-abandon", 1);
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-abandon");

        var first = (await ReceiveAsync(receiver, 1)).Single();
        first.DeliveryCount.Should().Be(1);
        await receiver.AbandonMessageAsync(first);
        var again = (await ReceiveAsync(receiver, 1)).Single();

        again.MessageId.Should().Be(first.MessageId);
        again.SequenceNumber.Should().Be(first.SequenceNumber);
        again.DeliveryCount.Should().Be(2);
        await receiver.CompleteMessageAsync(again);
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 0, "the redelivered message was completed");
    }

    [Fact]
    public async Task Dead_lettered_message_goes_to_the_dead_letter_queue()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-dlq", 2);
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-dlq");
        var messages = await ReceiveAsync(receiver, 2);

        await receiver.DeadLetterMessageAsync(messages[0], "MalformedMessage", "not JSON");
        await receiver.CompleteMessageAsync(messages[1]);

        await Eventually.TrueAsync(() => t.Bus.DeadLetterMessageCount(EntityPath) == 1, "the message is dead-lettered");
        await Eventually.TrueAsync(() => t.Bus.LockedMessageCount(EntityPath) == 0, "nothing stays locked");
        t.Bus.ActiveMessageCount(EntityPath).Should().Be(0);
    }

    [Fact]
    public async Task Closing_with_unsettled_and_buffered_messages_loses_nothing()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-close", 5);
        var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-close", new ServiceBusSessionReceiverOptions { PrefetchCount = 10 });
        var received = await ReceiveAsync(receiver, 2);
        received.Should().HaveCount(2);
        await Eventually.TrueAsync(() => receiver.BufferedCount == 3, "prefetch buffers the other three");
        t.Bus.LockedMessageCount(EntityPath).Should().Be(5);

        await receiver.CloseAsync();

        receiver.IsClosed.Should().BeTrue();
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) == 5, "unsettled and buffered messages return to the subscription");
        t.Bus.IsSessionLocked(EntityPath, "s-close").Should().BeFalse();
        var settle = () => receiver.CompleteMessageAsync(received[0]);
        await settle.Should().ThrowAsync<ObjectDisposedException>();
        var receive = () => receiver.ReceiveMessagesAsync(1);
        await receive.Should().ThrowAsync<ObjectDisposedException>();

        await using var again = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-close");
        var all = await ReceiveAsync(again, 5);
        all.Select(m => m.SequenceNumber).Should().BeEquivalentTo(received.Select(m => m.SequenceNumber).Concat(all.Skip(2).Select(m => m.SequenceNumber)));
        all.Should().HaveCount(5);
        all.Take(2).Select(m => m.DeliveryCount).Should().OnlyContain(c => c >= 1);
    }

    [Fact]
    public async Task Receive_returns_empty_after_max_wait_and_cancellation_loses_no_message()
    {
        await using var t = await StartAsync();
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-cancel");

        var started = DateTime.UtcNow;
        (await receiver.ReceiveMessagesAsync(5, TimeSpan.FromMilliseconds(300))).Should().BeEmpty();
        (DateTime.UtcNow - started).Should().BeGreaterThan(TimeSpan.FromMilliseconds(250)).And.BeLessThan(TimeSpan.FromSeconds(2));

        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            var cancelled = () => receiver.ReceiveMessagesAsync(5, TimeSpan.FromSeconds(30), cts.Token);
            await cancelled.Should().ThrowAsync<OperationCanceledException>();
        }

        // a message that arrives after a cancelled receive (which had opened credit) is kept for the next call
        await t.SendAsync("s-cancel", 1);
        await Eventually.TrueAsync(() => receiver.BufferedCount == 1, "the credit of the cancelled call brings the message in");
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(2));
        message.Should().NotBeNull();
        await receiver.CompleteMessageAsync(message!);
    }

    [Fact]
    public async Task Session_lock_renewal_and_session_state_round_trip_on_management()
    {
        await using var t = await StartAsync();
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-mgmt", new ServiceBusSessionReceiverOptions { AutoRenewSessionLock = false });
        var before = receiver.SessionLockedUntil;
        await Task.Delay(50);

        await receiver.RenewSessionLockAsync();

        receiver.SessionLockedUntil.Should().BeAfter(before);
        (await receiver.GetSessionStateAsync()).Should().BeNull();
        await receiver.SetSessionStateAsync(BinaryData.FromString("state-1"));
        (await receiver.GetSessionStateAsync())!.ToString().Should().Be("state-1");
        await receiver.SetSessionStateAsync(null);
        (await receiver.GetSessionStateAsync()).Should().BeNull();
    }

    [Fact]
    public async Task Auto_renewal_keeps_a_short_lock_session_past_its_lock_duration()
    {
        const string config = """
        {"UserConfig":{"Namespaces":[{"Name":"sbemulatorns","Queues":[],"Topics":[{"Name":"short-lock","Properties":{},
          "Subscriptions":[{"Name":"sessions","Properties":{"RequiresSession":true,"LockDuration":"PT2S","MaxDeliveryCount":10}}]}]}]}}
        """;
        await using var t = await StartAsync(config);
        const string path = "short-lock/Subscriptions/sessions";
        await using (var sender = t.Client.CreateSender("short-lock"))
        {
            await sender.SendMessagesAsync([Token("s-renew", "a"), Token("s-renew", "b")]);
        }

        await using var renewed = await t.Client.AcceptSessionAsync("short-lock", "sessions", "s-renew");
        await using var unrenewed = await t.Client.AcceptSessionAsync("short-lock", "sessions", "s-other", new ServiceBusSessionReceiverOptions { AutoRenewSessionLock = false });
        var firstLock = renewed.SessionLockedUntil;
        firstLock.Should().BeBefore(DateTimeOffset.UtcNow.AddSeconds(3));
        var first = (await ReceiveAsync(renewed, 1)).Single();

        await Task.Delay(TimeSpan.FromSeconds(4.5));

        renewed.IsClosed.Should().BeFalse();
        renewed.SessionLockedUntil.Should().BeAfter(firstLock.AddSeconds(1));
        t.Bus.IsSessionLocked(path, "s-renew").Should().BeTrue();
        await renewed.CompleteMessageAsync(first);
        var second = (await ReceiveAsync(renewed, 1)).Single();
        await renewed.CompleteMessageAsync(second);
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(path) + t.Bus.LockedMessageCount(path) == 0, "both were completed under the renewed lock");

        // without renewal the broker takes the session back: the receiver reports SessionLockLost
        var lost = () => unrenewed.ReceiveMessagesAsync(1, TimeSpan.FromSeconds(1));
        (await lost.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.SessionLockLost);
        unrenewed.IsClosed.Should().BeTrue();
    }

    [Fact]
    public async Task Receive_and_delete_mode_removes_messages_on_delivery()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-rad", 3);
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-rad", new ServiceBusSessionReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });

        var messages = await ReceiveAsync(receiver, 3);

        messages.Should().HaveCount(3);
        messages.Should().OnlyContain(m => m.LockToken.Length == 0);
        var complete = () => receiver.CompleteMessageAsync(messages[0]);
        await complete.Should().ThrowAsync<InvalidOperationException>();
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 0, "receive-and-delete removes them");
    }

    [Fact]
    public async Task A_wrong_key_is_unauthorized_and_the_key_is_not_in_the_error()
    {
        await using var t = await StartAsync();
        var wrong = t.Bus.ConnectionString.Replace(LocalServiceBusOptions.DevelopmentKey, "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=");
        await using var client = new ServiceBusClient(wrong, t.Options());

        var accept = () => client.AcceptSessionAsync(Topic, Subscription, "s-auth");
        var error = (await accept.Should().ThrowAsync<ServiceBusException>()).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.Unauthorized);
        error.ToString().Should().NotContain("V3JvbmdLZXlX").And.NotContain("sig=");

        await using var sender = client.CreateSender(Topic);
        var send = () => sender.SendMessageAsync(Token("s-auth", "x"));
        (await send.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.Unauthorized);
        t.Logs.AllText.Should().NotContain("V3JvbmdLZXlX");
    }

    [Fact]
    public async Task Unknown_entities_are_reported_as_not_found()
    {
        await using var t = await StartAsync();
        var accept = () => t.Client.AcceptSessionAsync("no-such-topic", Subscription, "s");
        (await accept.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.MessagingEntityNotFound);

        await using var sender = t.Client.CreateSender("no-such-topic");
        var send = () => sender.SendMessageAsync(Token("s", "x"));
        (await send.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.MessagingEntityNotFound);
    }

    [Fact]
    public async Task Many_session_receivers_share_one_connection_and_a_pool_of_sessions()
    {
        await using var t = await StartAsync();
        const int sessions = 300;
        await using (var sender = t.Client.CreateSender(Topic))
        {
            await sender.SendMessagesAsync(Enumerable.Range(0, sessions).Select(i => Token("s-many-" + i, "x")));
        }

        var receivers = await Task.WhenAll(Enumerable.Range(0, sessions).Select(i => t.Client.AcceptSessionAsync(Topic, Subscription, "s-many-" + i)));
        try
        {
            var connection = t.Client.Scope.CurrentConnection!;
            connection.Generation.Should().Be(1);
            connection.Sessions.SessionCount.Should().BeInRange(2, 4, "256 links per AMQP session");
            connection.GetPutTokenCount(t.Client.Scope.GetAudience(EntityPath)).Should().Be(1, "concurrent accepts share one put-token (and one refresh timer) per audience");
            var received = await Task.WhenAll(receivers.Select(r => ReceiveAsync(r, 1)));
            received.Should().OnlyContain(list => list.Count == 1);
            await Task.WhenAll(receivers.Select((r, i) => r.CompleteMessageAsync(received[i][0])));
        }
        finally
        {
            await Task.WhenAll(receivers.Select(r => r.CloseAsync()));
        }

        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 0, "all completed");
    }

    [Fact]
    public async Task A_rejected_send_is_reported_with_the_mapped_reason_and_the_batch_rest_is_kept()
    {
        await using var t = await StartAsync();
        await using var sender = t.Client.CreateSender(Topic);
        var tooLarge = new ServiceBusMessage(new BinaryData(new byte[300 * 1024])) { SessionId = "s-big" };

        var send = () => sender.SendMessagesAsync([Token("s-big", "ok"), tooLarge]);

        var error = (await send.Should().ThrowAsync<ServiceBusException>()).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.MessageSizeExceeded);
        error.EntityPath.Should().Be(Topic);
        t.Bus.ActiveMessageCount(EntityPath).Should().Be(1, "the accepted message of the batch stays sent");
        await sender.SendMessageAsync(Token("s-big", "after"));
        t.Bus.ActiveMessageCount(EntityPath).Should().Be(2, "the sender link survives a rejected message");
    }
}
