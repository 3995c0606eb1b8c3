using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Diagnostics;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// The settlements of one session pump that are on their way to Service Bus. The SDK waits for the broker's outcome of
/// every settlement, so they run here, concurrently and off the path that receives and writes the next events; the
/// pump waits for them before it closes its receiver. A settlement that fails is logged: its message comes back after
/// the session is accepted again and is deduplicated by sequence number.
/// </summary>
internal sealed class SessionSettlements(ILogger logger)
{
    private readonly object gate = new();
    private int inFlight;
    private TaskCompletionSource? idle;

    /// <summary>Completes the deliveries of <paramref name="batch"/>, all at once.</summary>
    public void Complete(IReadOnlyList<SessionDelivery> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        Interlocked.Increment(ref inFlight);
        _ = batch.Count == 1 ? CompleteOneAsync(batch[0].Receiver, batch[0].Message, tracked: true) : CompleteAllAsync([.. batch]);
    }

    /// <summary>Completes a message that no stream wants (another chat message's, with none waiting here).</summary>
    public void Complete(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message)
    {
        Interlocked.Increment(ref inFlight);
        _ = CompleteOneAsync(receiver, message, tracked: true);
    }

    public void DeadLetter(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, string reason, string description)
    {
        Interlocked.Increment(ref inFlight);
        _ = DeadLetterAsync(receiver, message, reason, description);
    }

    /// <summary>Completes when no settlement is on its way.</summary>
    public async Task WhenIdleAsync()
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (Volatile.Read(ref inFlight) == 0)
                {
                    return;
                }

                idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = idle.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref inFlight) == 0)
        {
            TaskCompletionSource? toWake;
            lock (gate)
            {
                toWake = idle;
                idle = null;
            }

            toWake?.TrySetResult();
        }
    }

    private async Task CompleteAllAsync(SessionDelivery[] batch)
    {
        try
        {
            var settlements = new Task[batch.Length];
            for (var i = 0; i < batch.Length; i++)
            {
                settlements[i] = CompleteOneAsync(batch[i].Receiver, batch[i].Message, tracked: false);
            }

            await Task.WhenAll(settlements).ConfigureAwait(false);
        }
        finally
        {
            Release();
        }
    }

    private async Task CompleteOneAsync(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, bool tracked)
    {
        try
        {
            await receiver.CompleteMessageAsync(message, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsSettlementFailure(exception))
        {
            Log.SettlementFailed(logger, message.SequenceNumber, exception);
        }
        finally
        {
            if (tracked)
            {
                Release();
            }
        }
    }

    private async Task DeadLetterAsync(ServiceBusSessionReceiver receiver, ServiceBusReceivedMessage message, string reason, string description)
    {
        try
        {
            await receiver.DeadLetterMessageAsync(message, reason, description, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsSettlementFailure(exception))
        {
            Log.SettlementFailed(logger, message.SequenceNumber, exception);
        }
        finally
        {
            Release();
        }
    }

    // A receiver that Service Bus closed throws ObjectDisposedException; a lost lock or link, ServiceBusException; an
    // aborted connection, OperationCanceledException.
    private static bool IsSettlementFailure(Exception exception) =>
        exception is ServiceBusException or ObjectDisposedException or InvalidOperationException or OperationCanceledException or UnauthorizedAccessException;
}
