using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Access;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Limits;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Streaming.Streams;

namespace SseFunctions.Streaming.Http;

/// <summary><c>GET /api/stream/{sessionId}/{chatMessageId}</c>: one chat message's tokens as Server-Sent Events.</summary>
public sealed class SseStreamHandler(SessionHub hub, CorsPolicy cors, StreamAccessGate access, StreamLimiter limits, IOptions<SseStreamingOptions> options, SseMetrics metrics, ILogger<SseStreamHandler> logger, TimeProvider timeProvider, IHostApplicationLifetime lifetime)
{
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

        var stopping = lifetime.ApplicationStopping;
        if (stopping.IsCancellationRequested)
        {
            await RefuseWhileStoppingAsync(context).ConfigureAwait(false);
            return;
        }

        using var connection = new StreamConnection(context.Response.BodyWriter, context.Abort, context.RequestAborted, stopping, timeProvider);
        StreamSubscription subscription;
        try
        {
            subscription = await hub.SubscribeAsync(sessionId, chatMessageId, connection.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (connection.Token.IsCancellationRequested)
        {
            if (connection.IsStopping && !context.RequestAborted.IsCancellationRequested)
            {
                await RefuseWhileStoppingAsync(context).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception exception)
        {
            var reason = ServiceBusFailures.Describe(exception);
            Log.ServiceBusUnavailable(logger, reason, exception);
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, $"Service Bus is unavailable ({reason}). Try again later.").ConfigureAwait(false);
            return;
        }

        await using (subscription.ConfigureAwait(false))
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            var stream = new ChatMessageStream(subscription, connection, ReadLastEventId(request), settings, metrics, logger, timeProvider);
            await stream.RunAsync().ConfigureAwait(false);
        }
    }

    private static async Task RefuseWhileStoppingAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = ((int)StreamLimiter.RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        await JsonResponses.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "The service is shutting down. Try again shortly.").ConfigureAwait(false);
    }

    private static long ReadLastEventId(HttpRequest request) =>
        long.TryParse(request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : -1;
}
