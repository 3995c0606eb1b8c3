using Azure.Messaging.ServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

public sealed class NextSessionTests(ConformanceBroker broker) : IClassFixture<ConformanceBroker>
{
    [Fact]
    public async Task AcceptNextSession_picks_the_oldest_unlocked_session_with_messages_and_skips_locked_ones()
    {
        var first = NewSessionId();
        var second = NewSessionId();
        await broker.SendAsync(NextSessionTopic, SessionMessage(first, "for the first"));
        await broker.SendAsync(NextSessionTopic, SessionMessage(second, "for the second"));

        await using var a = await broker.Client.AcceptNextSessionAsync(NextSessionTopic, NextSessionSubscription);
        await using var b = await broker.Client.AcceptNextSessionAsync(NextSessionTopic, NextSessionSubscription);

        a.SessionId.Should().Be(first, "the oldest ready session first");
        b.SessionId.Should().Be(second, "a locked session is skipped");
        var message = await b.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        message!.Body.ToString().Should().Be("for the second");
        await b.CompleteMessageAsync(message);
        await a.CompleteMessageAsync(await a.ReceiveMessageAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_waiting_AcceptNextSession_gets_a_session_as_soon_as_a_message_arrives()
    {
        var sessionId = NewSessionId();
        await using var patient = broker.CreateClient(tryTimeout: TimeSpan.FromSeconds(20));
        var accepting = patient.AcceptNextSessionAsync(NextSessionTopic, NextSessionSubscription);
        await Task.Delay(500);
        accepting.IsCompleted.Should().BeFalse("no session has messages yet");

        await broker.SendAsync(NextSessionTopic, SessionMessage(sessionId, "late"));

        await using var receiver = await accepting;
        receiver.SessionId.Should().Be(sessionId);
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5));
        message!.Body.ToString().Should().Be("late");
        await receiver.CompleteMessageAsync(message);
    }

    [Fact]
    public async Task AcceptNextSession_without_messages_is_ServiceTimeout_and_a_later_one_still_works()
    {
        await using var client = broker.CreateClient(tryTimeout: TimeSpan.FromSeconds(2));
        var timedOut = () => client.AcceptNextSessionAsync(QuietTopic, QuietSubscription);
        (await timedOut.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.ServiceTimeout);

        var sessionId = NewSessionId();
        await broker.SendAsync(QuietTopic, SessionMessage(sessionId, "now there is one"));
        await using var receiver = await client.AcceptNextSessionAsync(QuietTopic, QuietSubscription);

        receiver.SessionId.Should().Be(sessionId);
        await receiver.CompleteMessageAsync(await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(5)));
    }
}
