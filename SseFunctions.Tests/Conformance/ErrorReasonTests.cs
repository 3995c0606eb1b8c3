using Azure.Messaging.ServiceBus;
using SseFunctions.LocalServiceBus;
using SseFunctions.LocalServiceBus.Security;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

/// <summary>The broker's errors as the .NET SDK surfaces them: the exception type and <see cref="ServiceBusException.Reason"/>.</summary>
public sealed class ErrorReasonTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task A_wrong_SAS_key_is_refused_as_unauthorized_for_senders_and_receivers()
    {
        var wrongKey = broker.ConnectionString.Replace(LocalServiceBusOptions.DevelopmentKey, "bm90IHRoZSBrZXk=", StringComparison.Ordinal);
        await using var client = broker.CreateClient(wrongKey);
        await using var sender = client.CreateSender(Topic);

        var send = () => sender.SendMessageAsync(SessionMessage(NewSessionId(), "x"));
        var accept = () => client.AcceptSessionAsync(Topic, Subscription, NewSessionId());

        // The .NET SDK maps amqp:unauthorized-access to UnauthorizedAccessException (the JS SDK: code UnauthorizedAccess).
        (await send.Should().ThrowAsync<UnauthorizedAccessException>()).Which.Message.Should().NotContain("bm90IHRoZSBrZXk=");
        await accept.Should().ThrowAsync<UnauthorizedAccessException>();
    }

    [Fact]
    public async Task A_SAS_token_for_another_namespace_is_refused_as_unauthorized_and_one_for_this_broker_is_not()
    {
        string ConnectionStringWith(string resource) =>
            $"Endpoint=sb://localhost:{broker.Host.Port};SharedAccessSignature=" +
            SharedAccessSignature.CreateToken(resource, "RootManageSharedAccessKey", LocalServiceBusOptions.DevelopmentKey, DateTimeOffset.UtcNow.AddHours(1)) +
            ";UseDevelopmentEmulator=true;";
        await using var elsewhere = broker.CreateClient(ConnectionStringWith("sb://othernamespace.servicebus.windows.net/token-streams"));
        await using var here = broker.CreateClient(ConnectionStringWith("sb://localhost/token-streams"));
        await using var refused = elsewhere.CreateSender(Topic);
        await using var accepted = here.CreateSender(Topic);

        var send = () => refused.SendMessageAsync(SessionMessage(NewSessionId(), "x"));

        await send.Should().ThrowAsync<UnauthorizedAccessException>("the token is signed with the key, but for another namespace");
        await accepted.SendMessageAsync(SessionMessage(NewSessionId(), "x"));
    }

    [Fact]
    public async Task A_broker_started_with_its_own_key_takes_that_key_and_not_the_development_key()
    {
        const string OwnKey = "b3duIGtleSBmb3IgdGhpcyBicm9rZXIgb25seQ==";
        await using var keyed = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, Key = OwnKey });
        keyed.ConnectionString.Should().Contain($"SharedAccessKey={OwnKey};");
        await using var withKey = broker.CreateClient(keyed.ConnectionString);
        await using var withDevelopmentKey = broker.CreateClient(keyed.ConnectionString.Replace(OwnKey, LocalServiceBusOptions.DevelopmentKey, StringComparison.Ordinal));
        await using var sender = withKey.CreateSender(Topic);
        await using var refused = withDevelopmentKey.CreateSender(Topic);

        await sender.SendMessageAsync(SessionMessage(NewSessionId(), "with the broker's key"));
        var send = () => refused.SendMessageAsync(SessionMessage(NewSessionId(), "with the development key"));

        await send.Should().ThrowAsync<UnauthorizedAccessException>();
        keyed.ActiveMessageCount(Path(Topic, Subscription)).Should().Be(1);
    }

    [Fact]
    public async Task An_unknown_topic_or_subscription_is_MessagingEntityNotFound()
    {
        await using var client = broker.CreateClient();
        await using var sender = client.CreateSender("no-such-topic");
        await using var receiver = client.CreateReceiver(Topic, "no-such-subscription");

        await ExpectReasonAsync(() => sender.SendMessageAsync(new ServiceBusMessage("x")), ServiceBusFailureReason.MessagingEntityNotFound);
        await ExpectReasonAsync(() => receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(1)), ServiceBusFailureReason.MessagingEntityNotFound);
        await ExpectReasonAsync(() => client.AcceptNextSessionAsync("no-such-topic", Subscription), ServiceBusFailureReason.MessagingEntityNotFound);
    }

    [Fact]
    public async Task A_message_over_the_maximum_size_is_MessageSizeExceeded_and_the_sender_goes_on()
    {
        await using var client = broker.CreateClient();
        await using var sender = client.CreateSender(Topic);

        await ExpectReasonAsync(() => sender.SendMessageAsync(SessionMessage(NewSessionId(), new string('x', 300 * 1024))), ServiceBusFailureReason.MessageSizeExceeded);
        await sender.SendMessageAsync(SessionMessage(NewSessionId(), "still works"));
    }

    [Fact]
    public async Task A_session_lock_that_expired_is_SessionLockLost_at_settlement_and_renewal_and_the_message_is_available_again()
    {
        // The sweeper would detach the expired receiver (then the SDK reports it closed); stretched here, so that the checks the
        // broker makes when a message is settled or the lock renewed are what the SDK meets.
        await using var lazyBroker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions
        {
            Port = 0,
            ConfigPath = System.IO.Path.Combine(AppContext.BaseDirectory, "Conformance", "Config.json"),
            LockSweepInterval = TimeSpan.FromHours(1),
        });
        await using var client = broker.CreateClient(lazyBroker.ConnectionString);
        var sessionId = NewSessionId();
        await using (var sender = client.CreateSender(ShortLockTopic))
        {
            await sender.SendMessageAsync(SessionMessage(sessionId, "slow"));
        }

        await using var receiver = await client.AcceptSessionAsync(ShortLockTopic, ShortLockSubscription, sessionId);
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        message!.Body.ToString().Should().Be("slow");
        await Eventually.TrueAsync(() => !lazyBroker.IsSessionLocked(Path(ShortLockTopic, ShortLockSubscription), sessionId), "the 2 s lock expires", TimeSpan.FromSeconds(15));

        await ExpectReasonAsync(() => receiver.CompleteMessageAsync(message), ServiceBusFailureReason.SessionLockLost);
        await ExpectReasonAsync(() => receiver.RenewSessionLockAsync(), ServiceBusFailureReason.SessionLockLost);
        await using var again = await client.AcceptSessionAsync(ShortLockTopic, ShortLockSubscription, sessionId);
        var redelivered = await again.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        redelivered!.Body.ToString().Should().Be("slow");
        redelivered.DeliveryCount.Should().Be(2, "the expired lock counted a delivery");
        await again.CompleteMessageAsync(redelivered);
    }

    [Fact]
    public async Task A_second_accept_of_a_locked_session_is_SessionCannotBeLocked_until_the_first_receiver_closes()
    {
        var sessionId = NewSessionId();
        await using var other = broker.CreateClient(tryTimeout: TimeSpan.FromSeconds(5));
        var first = await broker.Client.AcceptSessionAsync(Topic, Subscription, sessionId);

        await ExpectReasonAsync(() => other.AcceptSessionAsync(Topic, Subscription, sessionId), ServiceBusFailureReason.SessionCannotBeLocked);

        await first.DisposeAsync();
        await using var again = await other.AcceptSessionAsync(Topic, Subscription, sessionId);
        again.SessionId.Should().Be(sessionId, "closing the first receiver releases the lock");
    }

    [Fact]
    public async Task AcceptNextSession_without_a_session_that_has_messages_is_ServiceTimeout_before_the_client_gives_up()
    {
        await using var client = broker.CreateClient(tryTimeout: TimeSpan.FromSeconds(3));
        var started = DateTime.UtcNow;

        await ExpectReasonAsync(() => client.AcceptNextSessionAsync(QuietTopic, QuietSubscription), ServiceBusFailureReason.ServiceTimeout);

        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(15), "answered near the link's 3 s timeout, not the SDK's minute");
    }

    static async Task ExpectReasonAsync(Func<Task> operation, ServiceBusFailureReason reason)
    {
        var thrown = await operation.Should().ThrowAsync<ServiceBusException>();
        thrown.Which.Reason.Should().Be(reason, thrown.Which.Message);
    }
}
