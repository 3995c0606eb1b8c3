using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Tests.Engine.Fakes;

namespace SseFunctions.Tests.Engine;

/// <summary>How the pump holds a session on the SDK's receiver: lock renewal, a receiver closed by Service Bus,
/// settlement, lock contention and recovery, on a fake clock.</summary>
public sealed class SessionPumpTests : IAsyncDisposable
{
    private readonly FakeTimeProvider time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z"));
    private readonly FakeServiceBusClient client;
    private readonly SseMetrics metrics = new(new TestMeterFactory());
    private readonly SseStreamingOptions options = new() { SessionRecoveryTimeout = TimeSpan.FromSeconds(30) };
    private readonly SessionHub hub;

    public SessionPumpTests()
    {
        client = new FakeServiceBusClient(time) { LockDuration = TimeSpan.FromSeconds(10) };
        hub = new SessionHub(client.AsOnlyConnection(), Options.Create(options), metrics, NullLoggerFactory.Instance, time);
    }

    [Fact]
    public async Task Renews_the_session_lock_when_half_of_it_is_left()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");

        await AdvanceAsync(TimeSpan.FromSeconds(4));
        receiver.Renewals.Should().Be(0);
        await AdvanceUntilAsync(() => receiver.Renewals == 1, "the first renewal is due 5 s into a 10 s lock");
        for (var i = 0; i < 5; i++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(3));
            receiver.SessionLockedUntil.Should().BeAfter(time.GetUtcNow(), "the lock never runs out while the stream is open");
        }

        receiver.Renewals.Should().BeGreaterThanOrEqualTo(3);
        client.AcceptCount.Should().Be(1);
    }

    [Fact]
    public async Task A_failed_renewal_is_a_lost_lock_the_session_is_accepted_again_and_what_was_unsettled_comes_again()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var first = client.ReceiverOf("s");
        first.Deliver(1, Messages.Token("m", "a"));
        (await stream.TakeAsync(1)).Single().SequenceNumber.Should().Be(1);
        first.RenewalFailure = new ServiceBusException("lock lost", ServiceBusFailureReason.SessionLockLost);

        await AdvanceUntilAsync(() => client.AcceptCount == 2, "the session is accepted again after the failed renewal");

        first.Closed.Should().BeTrue("the receiver whose lock was lost is closed");
        var second = client.ReceiverOf("s");
        second.Deliver(1, Messages.Token("m", "a"));
        second.Deliver(2, Messages.Token("m", "b"));
        (await stream.TakeAsync(2)).Select(d => d.SequenceNumber).Should().Equal([1, 2], "the stream's handler skips what it already sent by Last-Event-ID");
    }

    [Fact]
    public async Task A_receiver_that_Service_Bus_closed_is_noticed_at_the_next_check_while_a_receive_waits()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var first = client.ReceiverOf("s");

        first.CloseByService();
        await AdvanceUntilAsync(() => client.AcceptCount == 2, "the closed receiver is replaced", limit: options.ReceiverCheckInterval + TimeSpan.FromSeconds(1));

        client.ReceiverOf("s").Deliver(7, Messages.Token("m", "after"));
        (await stream.TakeAsync(1)).Single().Content.Text.Should().Be("after");
    }

    [Fact]
    public async Task Settles_a_batch_concurrently_and_without_holding_up_the_stream()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        var broker = new TaskCompletionSource();
        receiver.SettlementGate = broker;
        receiver.Deliver(1, Messages.Token("m", "a"));
        receiver.Deliver(2, Messages.Token("m", "b"));
        receiver.Deliver(3, Messages.Token("m", "c"));
        var batch = await stream.TakeAsync(3);

        stream.Complete(batch);

        await Eventually.TrueAsync(() => Volatile.Read(ref receiver.SettlementsStarted) == 3, "all three settlements are on their way before any outcome arrived");
        receiver.Completed.Should().BeEmpty();
        broker.SetResult();
        await Eventually.TrueAsync(() => receiver.Completed.Count == 3);
        receiver.Completed.Should().BeEquivalentTo([1L, 2L, 3L]);
    }

    [Fact]
    public async Task The_last_stream_to_leave_lets_its_settlements_finish_before_the_receiver_closes()
    {
        var stream = await hub.SubscribeAsync("s", "m", default);
        var receiver = client.ReceiverOf("s");
        var broker = new TaskCompletionSource();
        receiver.SettlementGate = broker;
        receiver.Deliver(1, Messages.Token("m", "a"));
        stream.Complete(await stream.TakeAsync(1));

        await stream.DisposeAsync();
        await Task.Delay(50);
        receiver.Closed.Should().BeFalse("a completion is still waiting for the broker's outcome");
        broker.SetResult();

        await Eventually.TrueAsync(() => receiver.Closed && hub.ActiveSessionCount == 0);
        receiver.Completed.Should().Equal(1);
    }

    [Fact]
    public async Task A_session_locked_elsewhere_is_retried_with_backoff_until_it_is_free()
    {
        var lockedElsewhere = new ServiceBusException("locked", ServiceBusFailureReason.SessionCannotBeLocked);
        client.FailNextAccepts(lockedElsewhere, lockedElsewhere, lockedElsewhere);

        await using var stream = await hub.SubscribeAsync("s", "m", default);
        client.AcceptCount.Should().Be(1, "the stream starts (and sends heartbeats) while the lock is held elsewhere");

        await AdvanceUntilAsync(() => client.ReceiversOf("s").Count == 1, "the fourth accept gets the lock");
        client.FailedAccepts.Should().Be(3);
        client.ReceiverOf("s").Deliver(1, Messages.Token("m", "free"));
        (await stream.TakeAsync(1)).Single().Content.Text.Should().Be("free");
    }

    [Fact]
    public async Task A_session_that_cannot_be_recovered_in_time_fails_its_streams()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var unreachable = new ServiceBusException("connection refused", ServiceBusFailureReason.ServiceCommunicationProblem);
        client.FailNextAccepts([.. Enumerable.Repeat<Exception>(unreachable, 100)]);

        client.ReceiverOf("s").CloseByService();
        var act = () => stream.Take([], 10);
        await AdvanceUntilAsync(() => { try { act(); return false; } catch (SessionStreamException) { return true; } }, "the stream learns that the session is gone", limit: TimeSpan.FromSeconds(40));

        act.Should().Throw<SessionStreamException>().WithInnerException<ServiceBusException>().WithMessage("*could not be recovered within 30 s*");
    }

    [Fact]
    public async Task A_lost_lock_forgets_what_the_lost_receiver_delivered_so_the_copies_Service_Bus_sends_again_are_the_ones_completed()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var first = client.ReceiverOf("s");
        first.Deliver(1, Messages.Token("m", "a"));
        first.Deliver(2, Messages.End("m"));
        await Eventually.TrueAsync(() => first.NotYetReceived == 0);
        first.RenewalFailure = new ServiceBusException("lock lost", ServiceBusFailureReason.SessionLockLost);
        await AdvanceUntilAsync(() => client.AcceptCount == 2, "the session is accepted again after the failed renewal");

        var second = client.ReceiverOf("s");
        second.Deliver(1, Messages.Token("m", "a"));
        second.Deliver(2, Messages.End("m"));
        var batch = await stream.TakeAsync(2);
        stream.Complete(batch);

        batch.Select(d => d.SequenceNumber).Should().Equal(1, 2);
        await Eventually.TrueAsync(() => second.Completed.Count == 2, "the redelivered copies, whose locks are live, are settled");
        first.Completed.Should().BeEmpty();
    }

    [Fact]
    public async Task A_session_that_is_lost_again_after_every_accept_gives_up_once_its_recovery_has_lasted_the_timeout()
    {
        await using var stream = await hub.SubscribeAsync("s", "m", default);
        var started = time.GetUtcNow();
        client.CloseReceiversOnAccept = true;

        client.ReceiverOf("s").CloseByService();
        var act = () => stream.Take([], 10);
        await AdvanceUntilAsync(() => { try { act(); return false; } catch (SessionStreamException) { return true; } }, "a flapping session gives up", limit: TimeSpan.FromSeconds(60));

        act.Should().Throw<SessionStreamException>().WithInnerException<ServiceBusException>().WithMessage("*could not be recovered within 30 s*");
        client.AcceptCount.Should().BeGreaterThan(3, "it was accepted again and again, and each accept was lost at once");
        (time.GetUtcNow() - started).Should().BeGreaterThanOrEqualTo(options.SessionRecoveryTimeout)
            .And.BeLessThan(options.SessionRecoveryTimeout + TimeSpan.FromSeconds(10), "the budget counts from the first loss, not from the last accept");
    }

    public async ValueTask DisposeAsync()
    {
        time.Advance(TimeSpan.FromMinutes(1));
        await hub.DisposeAsync();
        metrics.Dispose();
    }

    /// <summary>Moves the clock in small steps, letting the pump's continuations run between them.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(50);
        for (var moved = TimeSpan.Zero; moved < by; moved += step)
        {
            time.Advance(step);
            await Task.Delay(1);
        }
    }

    private async Task AdvanceUntilAsync(Func<bool> condition, string because, TimeSpan? limit = null)
    {
        var until = time.GetUtcNow() + (limit ?? TimeSpan.FromSeconds(10));
        while (!condition() && time.GetUtcNow() < until)
        {
            await AdvanceAsync(TimeSpan.FromMilliseconds(50));
        }

        await Eventually.TrueAsync(condition, because, TimeSpan.FromSeconds(5));
    }
}
