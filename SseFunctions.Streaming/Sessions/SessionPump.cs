using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Holds one Service Bus session for the streams of that session on this instance: accepts it (waiting while another
/// receiver holds the lock), receives in order, routes each message to its chat message's stream, and recovers after
/// a lost lock or connection. It closes, releasing the session, when its last stream leaves.
/// </summary>
internal sealed class SessionPump
{
    private static readonly TimeSpan MaxLockRetryDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxRecoveryDelay = TimeSpan.FromSeconds(5);

    private readonly ServiceBusClient client;
    private readonly SseStreamingOptions options;
    private readonly SseMetrics metrics;
    private readonly ILogger logger;
    private readonly Action<SessionPump> onClosed;
    private readonly Task previousPump;
    private readonly object gate = new();
    private readonly Dictionary<string, ChatMessageRoute> routes = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource closing = new();
    private readonly TaskCompletionSource firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool isClosing;
    private Task run = Task.CompletedTask;

    public SessionPump(string sessionId, ServiceBusClient client, SseStreamingOptions options, SseMetrics metrics, ILogger logger, Task previousPump, Action<SessionPump> onClosed)
    {
        SessionId = sessionId;
        this.client = client;
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
        this.previousPump = previousPump;
        this.onClosed = onClosed;
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

    public async Task CompleteAsync(IReadOnlyList<SessionDelivery> batch, CancellationToken cancellationToken)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var delivery = batch[i];
            try
            {
                await delivery.Receiver.CompleteMessageAsync(delivery.Message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is ServiceBusException or ObjectDisposedException or InvalidOperationException)
            {
                Log.SettlementFailed(logger, delivery.SequenceNumber, exception);
            }
        }
    }

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
        DateTimeOffset? failingSince = null;
        while (true)
        {
            ServiceBusSessionReceiver receiver;
            try
            {
                using var attemptTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (!firstAttempt.Task.IsCompleted)
                {
                    attemptTimeout.CancelAfter(options.ConnectTimeout);
                }

                receiver = await AcceptAsync(attemptTimeout.Token, cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceBusException exception) when (exception.Reason == ServiceBusFailureReason.SessionCannotBeLocked)
            {
                firstAttempt.TrySetResult();
                var delay = Backoff(TimeSpan.FromMilliseconds(100), MaxLockRetryDelay, lockRetry++);
                Log.SessionLockedElsewhere(logger, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (ServiceBusException exception) when (firstAttempt.Task.IsCompleted && IsRecoverable(exception))
            {
                failingSince ??= DateTimeOffset.UtcNow;
                await WaitToRecoverAsync(exception, failingSince.Value, recoveryRetry++, cancellationToken).ConfigureAwait(false);
                continue;
            }

            firstAttempt.TrySetResult();
            lockRetry = 0;
            recoveryRetry = 0;
            failingSince = null;
            metrics.SessionOpened();
            Log.SessionAccepted(logger, receiver.SessionLockedUntil);
            ServiceBusException lost;
            try
            {
                await ReceiveAsync(receiver, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (ServiceBusException exception) when (IsRecoverable(exception) && !cancellationToken.IsCancellationRequested)
            {
                lost = exception;
                ForgetAllDeliveries();
            }
            finally
            {
                metrics.SessionClosed();
                await CloseQuietlyAsync(receiver).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    Log.SessionReleased(logger);
                }
            }

            failingSince = DateTimeOffset.UtcNow;
            await WaitToRecoverAsync(lost, failingSince.Value, recoveryRetry++, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ServiceBusSessionReceiver> AcceptAsync(CancellationToken attemptToken, CancellationToken closingToken)
    {
        try
        {
            return await client.AcceptSessionAsync(
                options.TopicName,
                options.SubscriptionName,
                SessionId,
                new ServiceBusSessionReceiverOptions { PrefetchCount = options.PrefetchCount, AutoRenewSessionLock = true },
                attemptToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (attemptToken.IsCancellationRequested && !closingToken.IsCancellationRequested)
        {
            throw new ServiceBusException(
                $"Accepting the session took longer than {options.ConnectTimeout.TotalSeconds:0.#} s.",
                ServiceBusFailureReason.ServiceTimeout);
        }
    }

    private async Task ReceiveAsync(ServiceBusSessionReceiver receiver, CancellationToken cancellationToken)
    {
        // Each session asks for no more than its prefetch: on a shared connection, a session with a backlog must not
        // hold back the first token of the others.
        var batchSize = Math.Max(1, options.PrefetchCount);
        while (true)
        {
            // No receive timeout: the pump's token ends the wait when the last stream leaves, and a lost link fails it.
            var messages = await receiver.ReceiveMessagesAsync(batchSize, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                switch (Route(receiver, message, out var content, out var problem))
                {
                    case Routing.Malformed:
                        await DeadLetterAsync(receiver, message, problem!, cancellationToken).ConfigureAwait(false);
                        break;
                    case Routing.Dropped:
                        await DropAsync(receiver, message, content!, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
    }

    private Routing Route(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, out TokenStreamMessage? content, out string? problem)
    {
        if (!TokenStreamMessageParser.TryParse(message.Body.ToMemory().Span, out content, out problem))
        {
            return Routing.Malformed;
        }

        lock (gate)
        {
            if (routes.TryGetValue(content!.ChatMessageId, out var route) && !route.HasEnded)
            {
                route.Enqueue(new SessionDelivery(message, content, receiver));
                return Routing.Routed;
            }

            // Another chat message's token. While a stream of this session is still waiting for its answer, it is
            // dropped as the original service did; once none is, it stays unsettled and returns to Service Bus when
            // the receiver closes, for whichever stream asks for it next.
            foreach (var other in routes.Values)
            {
                if (other.HasOwner && !other.HasEnded)
                {
                    return Routing.Dropped;
                }
            }

            return Routing.Held;
        }
    }

    private async Task DeadLetterAsync(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, string problem, CancellationToken cancellationToken)
    {
        Log.MessageDeadLettered(logger, message.SequenceNumber, problem);
        metrics.MessageDeadLettered();
        try
        {
            await receiver.DeadLetterMessageAsync(message, "MalformedTokenMessage", problem, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException exception)
        {
            Log.SettlementFailed(logger, message.SequenceNumber, exception);
        }
    }

    private async Task DropAsync(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, TokenStreamMessage content, CancellationToken cancellationToken)
    {
        Log.MessageDropped(logger, message.SequenceNumber, content.ChatMessageId);
        metrics.MessageDropped();
        try
        {
            await receiver.CompleteMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException exception)
        {
            Log.SettlementFailed(logger, message.SequenceNumber, exception);
        }
    }

    private async Task WaitToRecoverAsync(ServiceBusException exception, DateTimeOffset failingSince, int attempt, CancellationToken cancellationToken)
    {
        if (DateTimeOffset.UtcNow - failingSince >= options.SessionRecoveryTimeout)
        {
            throw new ServiceBusException(
                $"The session could not be recovered within {options.SessionRecoveryTimeout.TotalSeconds:0.#} s: {exception.Message}",
                exception.Reason,
                exception.EntityPath,
                exception);
        }

        var delay = Backoff(TimeSpan.FromMilliseconds(200), MaxRecoveryDelay, attempt);
        Log.SessionRecovering(logger, exception.Reason, delay, exception);
        await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsRecoverable(ServiceBusException exception) =>
        exception.IsTransient || exception.Reason is ServiceBusFailureReason.SessionLockLost or ServiceBusFailureReason.SessionCannotBeLocked;

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

    private static TimeSpan Backoff(TimeSpan initial, TimeSpan max, int attempt)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var jittered = exponential * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, max.TotalMilliseconds));
    }

    private enum Routing
    {
        Routed,
        Held,
        Dropped,
        Malformed,
    }
}
