using Azure.Core.Amqp;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Holds one Service Bus session for the streams of that session on this instance: accepts it (waiting while another
/// receiver holds the lock), renews its lock, receives in order, hands each message to its route (waiting while a
/// route is full), and accepts it again after a lost lock or connection. It closes, releasing the session, when its
/// last stream leaves.
/// </summary>
internal sealed class SessionPump
{
    private const string MalformedReason = "MalformedTokenMessage";
    private static readonly TimeSpan MaxLockRetryDelay = TimeSpan.FromSeconds(2);

    private readonly ServiceBusClientLease lease;
    private readonly SseStreamingOptions options;
    private readonly SseMetrics metrics;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly ReceiverClosureWatch closureWatch;
    private readonly SessionSettlements settlements;
    private readonly SessionRouteTable table;
    private readonly Action<SessionPump> onClosed;
    private readonly Task previousPump;
    private readonly CancellationTokenSource closing = new();
    private readonly TaskCompletionSource firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task run = Task.CompletedTask;

    public SessionPump(string sessionId, ServiceBusClientLease lease, SseStreamingOptions options, SseMetrics metrics, ILogger logger, TimeProvider timeProvider, ReceiverClosureWatch closureWatch, Task previousPump, Action<SessionPump> onClosed)
    {
        SessionId = sessionId;
        this.lease = lease;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        this.timeProvider = timeProvider;
        this.closureWatch = closureWatch;
        this.previousPump = previousPump;
        this.onClosed = onClosed;
        settlements = new SessionSettlements(logger);
        table = new SessionRouteTable(options.StreamBufferLimit, options.PendingMessageTimeout, timeProvider, Drop);
    }

    public string SessionId { get; }

    /// <summary>Done when the pump has closed its receiver for good.</summary>
    public Task Completion => run;

    /// <summary>Completes when the first accept attempt settles: accepted, locked elsewhere (the pump keeps trying), or
    /// every stream left; faults when Service Bus could not be reached or refused the receiver.</summary>
    public Task FirstAttempt => firstAttempt.Task;

    public void Start()
    {
        // The pump outlives the request that started it and serves every stream of the session: it runs under its own
        // log scope and trace, not under the first request's (whose ExecutionContext would otherwise flow into it).
        using (ExecutionContext.SuppressFlow())
        {
            run = Task.Run(RunAsync);
        }
    }

    /// <summary>Registers a stream; null when the pump is already closing (the hub then starts a new one).</summary>
    public StreamSubscription? TryJoin(string chatMessageId) => table.TryJoin(this, chatMessageId);

    public void Leave(StreamSubscription subscription, ChatMessageRoute route)
    {
        if (table.Leave(subscription, route))
        {
            closing.Cancel();
        }
    }

    /// <summary>Starts completing deliveries whose events were flushed; returns at once.</summary>
    public void Complete(IReadOnlyList<SessionDelivery> batch) => settlements.Complete(batch);

    private async Task RunAsync()
    {
        using var scope = logger.BeginScope(new SessionLogScope(SessionId));
        try
        {
            await previousPump.ConfigureAwait(false);
            await PumpAsync(closing.Token).ConfigureAwait(false);

            // Every stream left, the first accept perhaps still on its way: nobody waits for it any more.
            firstAttempt.TrySetResult();
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            firstAttempt.TrySetResult();
        }
        catch (Exception exception)
        {
            table.Close();
            if (!firstAttempt.TrySetException(exception))
            {
                Log.SessionFailed(logger, exception.Message, exception);
                table.FailAll(exception);
            }
        }
        finally
        {
            table.Dispose();
            lease.Dispose();
            onClosed(this);
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var lockRetry = 0;
        var recovery = new RecoveryBudget(options.SessionRecoveryTimeout, timeProvider);
        while (true)
        {
            ServiceBusSessionReceiver receiver;
            try
            {
                receiver = await AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceBusException exception) when (exception.Reason == ServiceBusFailureReason.SessionCannotBeLocked)
            {
                firstAttempt.TrySetResult();
                var delay = Backoff.Delay(TimeSpan.FromMilliseconds(100), MaxLockRetryDelay, lockRetry++);
                Log.SessionLockedElsewhere(logger, delay);
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (Exception exception) when (firstAttempt.Task.IsCompleted && !cancellationToken.IsCancellationRequested && ServiceBusFailures.IsRecoverable(exception))
            {
                recovery.Failed();
                await WaitToRecoverAsync(ServiceBusFailures.AsSessionLoss(exception, null), recovery, cancellationToken).ConfigureAwait(false);
                continue;
            }

            firstAttempt.TrySetResult();
            lockRetry = 0;
            recovery.Accepted();
            metrics.SessionOpened();
            Log.SessionAccepted(logger, receiver.SessionLockedUntil);
            if (await HoldAsync(receiver, cancellationToken).ConfigureAwait(false) is not { } lost)
            {
                return;
            }

            recovery.Lost();
            await WaitToRecoverAsync(lost, recovery, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ServiceBusSessionReceiver> AcceptAsync(CancellationToken closingToken)
    {
        // Every attempt has a deadline: the SDK's own retries could otherwise outlast the recovery timeout.
        using var attemptTimeout = new CancellationTokenSource(options.ConnectTimeout, timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(closingToken, attemptTimeout.Token);
        try
        {
            return await lease.Client.AcceptSessionAsync(
                options.TopicName,
                options.SubscriptionName,
                SessionId,
                new ServiceBusSessionReceiverOptions { PrefetchCount = options.PrefetchCount, ReceiveMode = ServiceBusReceiveMode.PeekLock },
                attempt.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (attemptTimeout.IsCancellationRequested && !closingToken.IsCancellationRequested)
        {
            throw new ServiceBusException(
                $"Accepting the session took longer than {options.ConnectTimeout.TotalSeconds:0.#} s.",
                ServiceBusFailureReason.ServiceTimeout);
        }
    }

    /// <summary>Receives until the receiver is lost (returned: why) or the last stream leaves (returns null, after the
    /// settlements on their way have finished and the receiver is closed).</summary>
    private async Task<ServiceBusException?> HoldAsync(ServiceBusSessionReceiver receiver, CancellationToken closingToken)
    {
        using var held = CancellationTokenSource.CreateLinkedTokenSource(closingToken);
        var renewal = SessionLockRenewal.RunAsync(receiver, held, timeProvider, logger);
        Exception? failure = null;
        ServiceBusException? loss = null;
        try
        {
            using (closureWatch.Watch(receiver, held))
            {
                await ReceiveAsync(receiver, held.Token).ConfigureAwait(false);
            }

            if (held.IsCancellationRequested && !closingToken.IsCancellationRequested)
            {
                // Cancelled by the closure watch or the lock renewal: the receiver is lost.
                failure = new OperationCanceledException(held.Token);
            }
        }
        catch (Exception exception) when (!closingToken.IsCancellationRequested && (exception is OperationCanceledException || ServiceBusFailures.IsRecoverable(exception)))
        {
            failure = exception;
        }
        catch (OperationCanceledException) when (closingToken.IsCancellationRequested)
        {
            // Released while waiting for room in a route: the finally below closes the receiver.
        }
        finally
        {
            await held.CancelAsync().ConfigureAwait(false);
            failure = await renewal.ConfigureAwait(false) ?? failure;
            loss = ServiceBusFailures.AsSessionLoss(failure, receiver);
            if (closingToken.IsCancellationRequested)
            {
                // What the last streams flushed is being completed on this receiver's link: let it finish first.
                await settlements.WhenIdleAsync().WaitAsync(options.SettlementDrainTimeout, timeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
            else
            {
                table.ForgetAllDeliveries();
            }

            metrics.SessionClosed();
            await CloseQuietlyAsync(receiver).ConfigureAwait(false);
            if (closingToken.IsCancellationRequested)
            {
                Log.SessionReleased(logger);
            }
        }

        return closingToken.IsCancellationRequested ? null : loss;
    }

    /// <summary>Returns when Service Bus has closed the receiver or a receive was cancelled; throws when a receive fails.</summary>
    private async Task ReceiveAsync(ServiceBusSessionReceiver receiver, CancellationToken cancellationToken)
    {
        while (true)
        {
            // One message per receive: the SDK returns a receive of one as soon as a message is there, where a larger
            // receive waits 20 ms for more and then drains the link, a round trip before the messages are handed over.
            // Messages that arrive meanwhile wait in the prefetch buffer, from which the next receive returns at once.
            var receiving = receiver.ReceiveMessagesAsync(1, options.ReceiveWait, cancellationToken);

            // A cancelled receive (the last stream left, or the receiver is lost) ends the loop without an exception
            // thrown through the pump's frames, once per session.
            await ((Task)receiving).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (receiving.IsCanceled && cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var messages = await receiving.ConfigureAwait(false);
            if (messages.Count == 0)
            {
                if (receiver.IsClosed)
                {
                    return;
                }

                continue;
            }

            if (Dispatch(receiver, messages[0]) is { } route)
            {
                route.Wake();

                // Back-pressure: while this chat message's stream has not caught up (its route full), nothing more is
                // taken from the session (the rest stays in Service Bus and the SDK's prefetch).
                await route.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Routes, holds, drops or dead-letters one message; returns the route it went to, if any. Nothing a
    /// message contains can end the session: whatever cannot be read is dead-lettered with the reason.</summary>
    private ChatMessageRoute? Dispatch(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message)
    {
        try
        {
            var bodyType = message.GetRawAmqpMessage().Body.BodyType;
            if (bodyType != AmqpMessageBodyType.Data)
            {
                DeadLetter(receiver, message, $"The body is an AMQP {bodyType.ToString().ToLowerInvariant()} section, not data: publish the JSON as bytes.");
                return null;
            }

            if (!TokenStreamMessageParser.TryParse(message.Body.ToMemory().Span, out var content, out var problem))
            {
                DeadLetter(receiver, message, problem!);
                return null;
            }

            var delivery = new SessionDelivery(message, content!, receiver);
            if (!table.TryRoute(delivery, out var route))
            {
                Drop([delivery]);
            }

            return route;
        }
        catch (Exception exception)
        {
            Log.MessageUnreadable(logger, message.SequenceNumber, exception);
            DeadLetter(receiver, message, $"The message could not be read: {exception.Message}");
            return null;
        }
    }

    private void DeadLetter(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, string description)
    {
        Log.MessageDeadLettered(logger, message.SequenceNumber, description);
        metrics.MessageDeadLettered();
        settlements.DeadLetter(receiver, message, MalformedReason, description);
    }

    /// <summary>Completes deliveries that no stream took in time, as the original service did at once.</summary>
    private void Drop(IReadOnlyList<SessionDelivery> deliveries)
    {
        foreach (var delivery in deliveries)
        {
            Log.MessageDropped(logger, delivery.SequenceNumber, delivery.Content.ChatMessageId);
            metrics.MessageDropped();
        }

        settlements.Complete(deliveries);
    }

    private async Task WaitToRecoverAsync(ServiceBusException exception, RecoveryBudget recovery, CancellationToken cancellationToken)
    {
        if (recovery.IsExhausted)
        {
            throw new ServiceBusException(
                $"The session could not be recovered within {recovery.Timeout.TotalSeconds:0.#} s: {exception.Message}",
                exception.Reason,
                exception.EntityPath,
                exception);
        }

        var delay = recovery.NextDelay();
        Log.SessionRecovering(logger, exception.Reason, delay, exception);
        await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
    }

    private async Task CloseQuietlyAsync(ServiceBusSessionReceiver receiver)
    {
        try
        {
            await receiver.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            Log.CloseFailed(logger, exception);
        }
    }
}
