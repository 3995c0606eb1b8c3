using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Access;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Limits;
using SseFunctions.Streaming.Messages;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Streaming.Sse;

namespace SseFunctions.Streaming.Http;

/// <summary><c>GET /api/stream/{sessionId}/{chatMessageId}</c>: one chat message's tokens as Server-Sent Events.</summary>
public sealed class SseStreamHandler(SessionHub hub, CorsPolicy cors, StreamAccessGate access, StreamLimiter limits, IOptions<SseStreamingOptions> options, SseMetrics metrics, ILogger<SseStreamHandler> logger, TimeProvider timeProvider)
{
    private const int MaxBatch = 256;
    private readonly SseStreamingOptions settings = options.Value;

    public async Task HandleAsync(HttpContext context, string sessionId, string chatMessageId)
    {
        var request = context.Request;
        if (HttpMethods.IsOptions(request.Method))
        {
            cors.AnswerPreflight(context);
            return;
        }

        if (!cors.Apply(context))
        {
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status403Forbidden, "This origin is not allowed by CORS_ORIGINS.").ConfigureAwait(false);
            return;
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            context.Response.Headers.Allow = "GET, OPTIONS";
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "Use GET.").ConfigureAwait(false);
            return;
        }

        if ((StreamIds.Validate(nameof(sessionId), sessionId) ?? StreamIds.Validate(nameof(chatMessageId), chatMessageId)) is { } invalid)
        {
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest, invalid).ConfigureAwait(false);
            return;
        }

        using var scope = logger.BeginScope(new StreamLogScope(sessionId, chatMessageId));
        if (!await access.AuthorizeAsync(context, sessionId, chatMessageId).ConfigureAwait(false))
        {
            return;
        }

        using var admission = await limits.TryAdmitAsync(context, sessionId).ConfigureAwait(false);
        if (admission is null)
        {
            return;
        }

        var cancellationToken = context.RequestAborted;
        StreamSubscription subscription;
        try
        {
            subscription = await hub.SubscribeAsync(sessionId, chatMessageId, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            var reason = ServiceBusFailures.Describe(exception);
            Log.ServiceBusUnavailable(logger, reason, exception);
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"Service Bus is unavailable ({reason}). Try again later.").ConfigureAwait(false);
            return;
        }

        await using (subscription.ConfigureAwait(false))
        {
            await StreamAsync(context, subscription, ReadLastEventId(request), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StreamAsync(HttpContext context, StreamSubscription subscription, long lastEventId, CancellationToken cancellationToken)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var output = response.BodyWriter;
        var started = timeProvider.GetTimestamp();
        var lastToken = started;
        var lastWrite = started;
        var tokenCount = 0;
        var outcome = "disconnected";
        var batch = new List<SessionDelivery>();
        metrics.StreamOpened();
        Log.StreamOpened(logger, lastEventId);
        try
        {
            SseFrames.WritePreamble(output, settings.ClientRetry);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            while (true)
            {
                var now = timeProvider.GetTimestamp();
                var untilIdle = settings.IdleTimeout - timeProvider.GetElapsedTime(lastToken, now);
                var untilEnd = settings.MaxStreamDuration - timeProvider.GetElapsedTime(started, now);
                if (untilIdle <= TimeSpan.Zero || untilEnd <= TimeSpan.Zero)
                {
                    outcome = untilEnd <= TimeSpan.Zero ? "max-duration" : "idle-timeout";
                    SseFrames.WriteError(output, untilEnd <= TimeSpan.Zero
                        ? $"The stream reached its maximum duration of {settings.MaxStreamDuration.TotalSeconds:0.#} seconds."
                        : $"No token arrived for {settings.IdleTimeout.TotalSeconds:0.#} seconds.");
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                var untilHeartbeat = settings.HeartbeatInterval - timeProvider.GetElapsedTime(lastWrite, now);
                if (untilHeartbeat <= TimeSpan.Zero)
                {
                    SseFrames.WriteHeartbeat(output);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    lastWrite = timeProvider.GetTimestamp();
                    continue;
                }

                var wait = Min(untilHeartbeat, Min(untilIdle, untilEnd));
                if (!await subscription.WaitAsync(wait, cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                batch.Clear();
                try
                {
                    subscription.Take(batch, MaxBatch);
                }
                catch (SessionStreamException exception)
                {
                    outcome = "failed";
                    Log.StreamFailed(logger, exception.Message, exception.InnerException);
                    SseFrames.WriteError(output, exception.Message);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }

                var written = 0;
                var ended = false;
                var sentBefore = lastEventId;
                foreach (var delivery in batch)
                {
                    var content = delivery.Content;
                    if (content.Kind == TokenStreamMessageKind.Token)
                    {
                        if (delivery.SequenceNumber > lastEventId)
                        {
                            SseFrames.WriteToken(output, delivery.SequenceNumber, content.Text!);
                            lastEventId = delivery.SequenceNumber;
                            written++;
                        }

                        continue;
                    }

                    ended = true;
                    outcome = content.Kind == TokenStreamMessageKind.EndOfStream ? "end" : "producer-error";
                    if (content.Kind == TokenStreamMessageKind.EndOfStream)
                    {
                        SseFrames.WriteEnd(output);
                    }
                    else
                    {
                        SseFrames.WriteError(output, content.Text!);
                    }

                    break;
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                var flushed = timeProvider.GetUtcNow();
                lastWrite = timeProvider.GetTimestamp();
                if (written > 0)
                {
                    lastToken = lastWrite;
                    tokenCount += written;
                    metrics.TokensSent(written);
                    foreach (var delivery in batch)
                    {
                        if (delivery.Content.Kind == TokenStreamMessageKind.Token && delivery.SequenceNumber > sentBefore)
                        {
                            metrics.TokenDelivered(delivery.Message.EnqueuedTime, flushed);
                        }
                    }
                }

                subscription.Complete(batch);
                if (ended)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "disconnected";
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested)
        {
            outcome = "disconnected";
        }
        finally
        {
            metrics.StreamClosed(outcome);
            Log.StreamEnded(logger, outcome, tokenCount);
        }
    }

    private static long ReadLastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
