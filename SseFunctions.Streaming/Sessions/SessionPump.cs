using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Holds one Service Bus session for the streams of that session on this instance: accepts it (waiting while another
/// receiver holds the lock), renews its lock, receives in order, routes each message to its chat message's stream,
/// and accepts it again after a lost lock or connection. It closes, releasing the session, when its last stream leaves.
/// </summary>
internal sealed class SessionPump
{
    private static readonly TimeSpan MaxLockRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxRecoveryDelay = TimeSpan.FromSeconds(5);

    private readonly ServiceBusClient client;
    private readonly SseStreamingOptions options;
    private readonly SseMetrics metrics;
    private readonly ILogger logger;
    private readonly TimeProvider timeProvider;
    private readonly ReceiverClosureWatch closureWatch;
    private readonly SessionSettlements settlements;
    private readonly Action<SessionPump> onClosed;
    private readonly Task previousPump;
    private readonly object gate = new();
    private readonly Dictionary<string, ChatMessageRoute> routes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource closing = new();
    private readonly TaskCompletionSource firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool isClosing;
    private Task run = Task.CompletedTask;

    public SessionPump(string sessionId, ServiceBusClient client, SseStreamingOptions options, SseMetrics metrics, ILogger logger, TimeProvider timeProvider, ReceiverClosureWatch closureWatch, Task previousPump, Action<SessionPump> onClosed)
    {
        SessionId = sessionId;
        this.client = client;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        this.timeProvider = timeProvider;
        this.closureWatch = closureWatch;
        this.previousPump = previousPump;
        this.onClosed = onClosed;
        settlements = new SessionSettlements(logger);
    }

    public string SessionId { get; }

    /// <summary>Done when the pump has closed its receiver for good.</summary>
    public Task Completion => run;

    /// <summary>Completes when the first accept attempt settles: accepted, or locked elsewhere (the pump keeps trying);
    /// faults when Service Bus could not be reached or refused the receiver.</summary>
    public Task FirstAttempt => firstAttempt.Task;

    public void Start() => run = RunAsync();

    /// <summary>Registers a stream; false when the pump is already closing (the hub then starts a new one).</summary>
    public bool TryJoin(string chatMessageId, out StreamSubscription? subscription)
    {
        lock (gate)
        {
            if (isClosing)
            {
                subscription = null;
                return false;
            }

            if (!routes.TryGetValue(chatMessageId, out var route) || route.IsFinished)
            {
                route = new ChatMessageRoute(chatMessageId);
                routes[chatMessageId] = route;
            }

            subscription = new StreamSubscription(this, route);
            route.Attach(subscription);
            return true;
        }
    }

    public void Leave(StreamSubscription subscription, ChatMessageRoute route)
    {
        lock (gate)
        {
            if (!route.Detach(subscription) || isClosing)
            {
                return;
            }

            if (route.IsFinished && routes.TryGetValue(route.ChatMessageId, out var current) && current == route)
            {
                routes.Remove(route.ChatMessageId);
            }

            if (routes.Values.Any(r => r.HasOwner))
            {
                return;
            }

            isClosing = true;
        }

        closing.Cancel();
    }

    /// <summary>Starts completing deliveries whose events were flushed; returns at once.</summary>
    public void Complete(IReadOnlyList<SessionDelivery> batch) => settlements.Complete(batch);

    private async Task RunAsync()
    {
        await Task.Yield();
        try
        {
            await previousPump.ConfigureAwait(false);
            await PumpAsync(closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (closing.IsCancellationRequested)
        {
            firstAttempt.TrySetCanceled(closing.Token);
        }
        catch (Exception exception)
        {
            lock (gate)
            {
                isClosing = true;
            }

            if (!firstAttempt.TrySetException(exception))
            {
                Log.SessionFailed(logger, exception.Message, exception);
                FailAll(exception);
            }
        }
        finally
        {
            lock (gate)
            {
                isClosing = true;
            }

            onClosed(this);
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        var lockRetry = 0;
        var recoveryRetry = 0;
        long? failingSince = null;
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
                failingSince ??= timeProvider.GetTimestamp();
                await WaitToRecoverAsync(ServiceBusFailures.AsSessionLoss(exception, null), failingSince.Value, recoveryRetry++, cancellationToken).ConfigureAwait(false);
                continue;
            }

            firstAttempt.TrySetResult();
            lockRetry = 0;
            recoveryRetry = 0;
            failingSince = null;
            metrics.SessionOpened();
            Log.SessionAccepted(logger, receiver.SessionLockedUntil);
            var lost = await HoldAsync(receiver, cancellationToken).ConfigureAwait(false);
            failingSince = timeProvider.GetTimestamp();
            await WaitToRecoverAsync(lost, failingSince.Value, recoveryRetry++, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ServiceBusSessionReceiver> AcceptAsync(CancellationToken closingToken)
    {
        // Every attempt has a deadline: the SDK's own retries could otherwise outlast the recovery timeout.
        using var attemptTimeout = new CancellationTokenSource(options.ConnectTimeout, timeProvider);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(closingToken, attemptTimeout.Token);
        try
        {
            return await client.AcceptSessionAsync(
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

    /// <summary>Receives until the receiver is lost (returned: why) or the last stream leaves (throws
    /// <see cref="OperationCanceledException"/>, after the settlements on their way have finished and the receiver is closed).</summary>
    private async Task<ServiceBusException> HoldAsync(ServiceBusSessionReceiver receiver, CancellationToken closingToken)
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
        }
        catch (Exception exception) when (!closingToken.IsCancellationRequested && (exception is OperationCanceledException || ServiceBusFailures.IsRecoverable(exception)))
        {
            failure = exception;
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
                ForgetAllDeliveries();
            }

            metrics.SessionClosed();
            await CloseQuietlyAsync(receiver).ConfigureAwait(false);
            if (closingToken.IsCancellationRequested)
            {
                Log.SessionReleased(logger);
            }
        }

        return loss;
    }

    /// <summary>Returns when Service Bus has closed the receiver; throws when a receive fails or is cancelled.</summary>
    private async Task ReceiveAsync(ServiceBusSessionReceiver receiver, CancellationToken cancellationToken)
    {
        while (true)
        {
            // One message per receive: the SDK returns a receive of one as soon as a message is there, where a larger
            // receive waits 20 ms for more and then drains the link, a round trip before the messages are handed over.
            // Messages that arrive meanwhile wait in the prefetch buffer, from which the next receive returns at once.
            var messages = await receiver.ReceiveMessagesAsync(1, options.ReceiveWait, cancellationToken).ConfigureAwait(false);
            if (messages.Count == 0)
            {
                if (receiver.IsClosed)
                {
                    return;
                }

                continue;
            }

            var message = messages[0];
            if (!TokenStreamMessageParser.TryParse(message.Body.ToMemory().Span, out var content, out var problem))
            {
                Log.MessageDeadLettered(logger, message.SequenceNumber, problem!);
                metrics.MessageDeadLettered();
                settlements.DeadLetter(receiver, message, "MalformedTokenMessage", problem!);
            }
            else if (!TryRoute(new SessionDelivery(message, content!, receiver)))
            {
                Log.MessageDropped(logger, message.SequenceNumber, content!.ChatMessageId);
                metrics.MessageDropped();
                settlements.Complete(receiver, message);
            }
        }
    }

    /// <summary>Hands the delivery to its chat message's stream, or holds it; false when it is to be dropped.</summary>
    private bool TryRoute(SessionDelivery delivery)
    {
        lock (gate)
        {
            if (routes.TryGetValue(delivery.Content.ChatMessageId, out var route) && !route.HasEnded)
            {
                route.Enqueue(delivery);
                return true;
            }

            // Another chat message's token. While a stream of this session is still waiting for its answer, it is
            // dropped as the original service did; once none is, it stays unsettled and returns to Service Bus when
            // the receiver closes, for whichever stream asks for it next.
            foreach (var other in routes.Values)
            {
                if (other.HasOwner && !other.HasEnded)
                {
                    return false;
                }
            }

            return true;
        }
    }

    private async Task WaitToRecoverAsync(ServiceBusException exception, long failingSince, int attempt, CancellationToken cancellationToken)
    {
        if (timeProvider.GetElapsedTime(failingSince) >= options.SessionRecoveryTimeout)
        {
            throw new ServiceBusException(
                $"The session could not be recovered within {options.SessionRecoveryTimeout.TotalSeconds:0.#} s: {exception.Message}",
                exception.Reason,
                exception.EntityPath,
                exception);
        }

        var delay = Backoff.Delay(TimeSpan.FromMilliseconds(200), MaxRecoveryDelay, attempt);
        Log.SessionRecovering(logger, exception.Reason, delay, exception);
        await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
    }

    private void ForgetAllDeliveries()
    {
        lock (gate)
        {
            foreach (var route in routes.Values)
            {
                route.ForgetDeliveries();
            }
        }
    }

    private void FailAll(Exception exception)
    {
        lock (gate)
        {
            foreach (var route in routes.Values)
            {
                route.Fail(exception);
            }
        }
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
