using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Diagnostics;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Keeps a session locked while its receiver is held. The SDK renews nothing for a plain session receiver (only its
/// processor does), so this renews when half of the lock's remaining time has passed. A renewal that fails is a lost
/// lock: it cancels the holder's token and is returned, and the pump accepts the session again.
/// </summary>
internal static class SessionLockRenewal
{
    private static readonly TimeSpan MinDelay = TimeSpan.FromMilliseconds(100);

    // Service Bus locks last at most 5 minutes: a lock time far ahead means the clocks disagree, not a long lock.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(2.5);

    /// <returns>null when <paramref name="held"/> was cancelled by its holder; otherwise the renewal's failure.</returns>
    public static async Task<Exception?> RunAsync(ServiceBusSessionReceiver receiver, CancellationTokenSource held, TimeProvider timeProvider, ILogger logger)
    {
        var cancellationToken = held.Token;
        try
        {
            while (true)
            {
                var remaining = receiver.SessionLockedUntil - timeProvider.GetUtcNow();
                var delay = Math.Clamp((remaining / 2).Ticks, MinDelay.Ticks, MaxDelay.Ticks);
                await Task.Delay(TimeSpan.FromTicks(delay), timeProvider, cancellationToken).ConfigureAwait(false);
                await receiver.RenewSessionLockAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception exception)
        {
            Log.SessionLockRenewalFailed(logger, exception);
            await held.CancelAsync().ConfigureAwait(false);
            return exception;
        }
    }
}
