using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Streaming.Sse;

namespace SseFunctions.Streaming.Streams;

/// <summary>
/// One chat message's events on one connection: the preamble, then tokens as they come, heartbeats while none do,
/// and the end (the end marker, a producer's error, a timeout, a shutdown, or the client leaving). A delivery is
/// completed only once its frame has been flushed to the connection; whatever was not is left to the subscription.
/// Every flush has a deadline: one heartbeat interval, or less when the idle timeout or the maximum duration falls due
/// first, so a client that stops reading ends its stream and releases its session.
/// </summary>
internal sealed class ChatMessageStream(
    StreamSubscription subscription,
    StreamConnection connection,
    long lastEventId,
    SseStreamingOptions settings,
    SseMetrics metrics,
    ILogger logger,
    TimeProvider timeProvider)
{
    private const int MaxBatch = 256;
    private readonly List<SessionDelivery> batch = [];
    private long started;
    private long lastToken;
    private long lastWrite;
    private int tokenCount;

    // One timer and one registration for the stream's life, not one per wait: either wakes the waiting stream to look
    // again (a heartbeat, idle or maximum-duration deadline; the connection cancelled).
    private readonly ITimer wakeUp = timeProvider.CreateTimer(static state => ((StreamSubscription)state!).Wake(), subscription, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <returns>How the stream ended (<see cref="StreamOutcome"/>).</returns>
    public async Task<string> RunAsync()
    {
        metrics.StreamOpened();
        Log.StreamOpened(logger, lastEventId);
        var outcome = StreamOutcome.Error;
        var cancelled = connection.Token.UnsafeRegister(static state => ((StreamSubscription)state!).Wake(), subscription);
        try
        {
            outcome = await StreamAsync().ConfigureAwait(false);
            return outcome;
        }
        catch (Exception exception)
        {
            // Not the client and not Service Bus: a fault of the service's own. Whatever was half written must not reach
            // the client; nothing unsent was completed, so a reconnect loses nothing.
            Log.StreamError(logger, exception);
            connection.Abort();
            throw;
        }
        finally
        {
            cancelled.Unregister();
            wakeUp.Dispose();
            metrics.StreamClosed(outcome);
            Log.StreamEnded(logger, outcome, tokenCount);
        }
    }

    private async Task<string> StreamAsync()
    {
        var output = connection.Output;
        started = lastToken = lastWrite = timeProvider.GetTimestamp();
        SseFrames.WritePreamble(output, settings.ClientRetry);
        if (await FlushAsync().ConfigureAwait(false) is { } notFlushed)
        {
            return notFlushed;
        }

        while (true)
        {
            var now = timeProvider.GetTimestamp();
            var untilIdle = settings.IdleTimeout - timeProvider.GetElapsedTime(lastToken, now);
            var untilEnd = settings.MaxStreamDuration - timeProvider.GetElapsedTime(started, now);
            if (untilEnd <= TimeSpan.Zero)
            {
                return await EndWithErrorAsync(StreamOutcome.MaxDuration, $"The stream reached its maximum duration of {settings.MaxStreamDuration.TotalSeconds:0.#} seconds.").ConfigureAwait(false);
            }

            if (untilIdle <= TimeSpan.Zero)
            {
                return await EndWithErrorAsync(StreamOutcome.IdleTimeout, $"No token arrived for {settings.IdleTimeout.TotalSeconds:0.#} seconds.").ConfigureAwait(false);
            }

            var untilHeartbeat = settings.HeartbeatInterval - timeProvider.GetElapsedTime(lastWrite, now);
            if (untilHeartbeat <= TimeSpan.Zero)
            {
                SseFrames.WriteHeartbeat(output);
                if (await FlushAsync().ConfigureAwait(false) is { } heartbeatNotFlushed)
                {
                    return heartbeatNotFlushed;
                }

                continue;
            }

            // The waiter first, then the timer and the cancellation check: a wake-up that comes between them is not lost.
            var woken = subscription.WaitAsync();
            wakeUp.Change(Min(untilHeartbeat, Min(untilIdle, untilEnd)), Timeout.InfiniteTimeSpan);
            if (!connection.Token.IsCancellationRequested)
            {
                await woken.ConfigureAwait(false);
            }

            if (connection.Token.IsCancellationRequested)
            {
                return await EndCancelledAsync().ConfigureAwait(false);
            }

            batch.Clear();
            try
            {
                subscription.Take(batch, MaxBatch);
            }
            catch (SessionStreamException exception)
            {
                Log.StreamFailed(logger, exception.Message, exception.InnerException);
                return await EndWithErrorAsync(StreamOutcome.Failed, exception.Message, exception.CanRetry).ConfigureAwait(false);
            }

            if (batch.Count == 0)
            {
                // Woken by a deadline: the loop's head writes the heartbeat or ends the stream.
                continue;
            }

            if (await WriteBatchAsync().ConfigureAwait(false) is { } ended)
            {
                return ended;
            }
        }
    }

    /// <summary>Writes the batch's frames, flushes them, then completes the batch; returns the outcome when it ended the stream.</summary>
    private async ValueTask<string?> WriteBatchAsync()
    {
        var output = connection.Output;
        var written = 0;
        string? ended = null;
        var sentBefore = lastEventId;
        foreach (var delivery in batch)
        {
            var content = delivery.Content;
            if (content.Kind == TokenStreamMessageKind.Token)
            {
                // Sent before (Last-Event-ID, or a redelivery after a lost lock): completed, not sent again.
                if (delivery.SequenceNumber > lastEventId)
                {
                    SseFrames.WriteToken(output, delivery.SequenceNumber, content.Text!);
                    lastEventId = delivery.SequenceNumber;
                    written++;
                }

                continue;
            }

            if (content.Kind == TokenStreamMessageKind.EndOfStream)
            {
                SseFrames.WriteEnd(output);
                ended = StreamOutcome.End;
            }
            else
            {
                SseFrames.WriteError(output, content.Text!);
                ended = StreamOutcome.ProducerError;
            }

            break;
        }

        if (await FlushAsync().ConfigureAwait(false) is { } notFlushed)
        {
            return notFlushed;
        }

        if (written > 0)
        {
            lastToken = lastWrite;
            tokenCount += written;
            metrics.TokensSent(written);
            var flushed = timeProvider.GetUtcNow();
            foreach (var delivery in batch)
            {
                if (delivery.Content.Kind == TokenStreamMessageKind.Token && delivery.SequenceNumber > sentBefore)
                {
                    metrics.TokenDelivered(delivery.Message.EnqueuedTime, flushed);
                }
            }
        }

        subscription.Complete(batch);
        return ended;
    }

    private async ValueTask<string> EndWithErrorAsync(string outcome, string message, bool retry = false)
    {
        SseFrames.WriteError(connection.Output, message, retry);
        return await FlushAsync().ConfigureAwait(false) ?? outcome;
    }

    /// <summary>The stream's token was cancelled while it waited: the client left, a deadline passed, or the host is stopping.</summary>
    private async ValueTask<string> EndCancelledAsync()
    {
        var outcome = connection.CancelledOutcome;
        if (outcome == StreamOutcome.Shutdown)
        {
            Log.StreamShutDown(logger);
            SseFrames.WriteError(connection.Output, "The service is restarting. Reconnect to go on where this stream stopped.", retry: true);
            await connection.FlushOrAbortAsync().ConfigureAwait(false);
        }
        else if (outcome != StreamOutcome.Disconnected)
        {
            connection.Abort();
        }

        return outcome;
    }

    /// <summary>Flushes under the write deadline; null when the frames reached the connection, otherwise the outcome.</summary>
    private async ValueTask<string?> FlushAsync()
    {
        var now = timeProvider.GetTimestamp();
        var deadline = settings.HeartbeatInterval;
        var atDeadline = StreamOutcome.WriteTimeout;
        var untilIdle = settings.IdleTimeout - timeProvider.GetElapsedTime(lastToken, now);
        if (untilIdle > TimeSpan.Zero && untilIdle < deadline)
        {
            (deadline, atDeadline) = (untilIdle, StreamOutcome.IdleTimeout);
        }

        var untilEnd = settings.MaxStreamDuration - timeProvider.GetElapsedTime(started, now);
        if (untilEnd > TimeSpan.Zero && untilEnd < deadline)
        {
            (deadline, atDeadline) = (untilEnd, StreamOutcome.MaxDuration);
        }

        var notFlushed = await connection.FlushAsync(deadline, atDeadline).ConfigureAwait(false);
        if (notFlushed is null)
        {
            lastWrite = timeProvider.GetTimestamp();
        }
        else if (notFlushed != StreamOutcome.Disconnected && notFlushed != StreamOutcome.Shutdown)
        {
            Log.StreamWriteTimedOut(logger, deadline.TotalSeconds, notFlushed);
        }

        return notFlushed;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
