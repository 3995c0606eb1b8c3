using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.BaselineRelay;

/// <summary>
/// One request, done the way the original FastAPI service did it: the response starts at once, then the request opens
/// its own session receiver, receives one message at a time, completes (and skips) other chat messages' tokens, and
/// for each of its own writes <c>data: {"token": ...}</c>, flushes and completes it. No hub, no batching, no ids.
/// </summary>
public sealed class NaiveStreamHandler(ServiceBusClient client, string topicName, string subscriptionName, ILogger<NaiveStreamHandler> logger)
{
    private static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(30);

    public async Task HandleAsync(HttpContext context, string sessionId, string chatMessageId)
    {
        var cancellationToken = context.RequestAborted;
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            // Starlette's StreamingResponse sends the status and headers before the generator's first item.
            await response.StartAsync(cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            await using var receiver = await client.AcceptSessionAsync(topicName, subscriptionName, sessionId, cancellationToken: cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                var message = await receiver.ReceiveMessageAsync(ReceiveWait, cancellationToken);
                if (message is null)
                {
                    continue;
                }

                using var body = JsonDocument.Parse(message.Body.ToMemory());
                var root = body.RootElement;
                if (!root.TryGetProperty("chatMessageId", out var id) || id.GetString() != chatMessageId)
                {
                    await receiver.CompleteMessageAsync(message, cancellationToken);
                    continue;
                }

                if (root.TryGetProperty("end_of_stream", out var end) && end.ValueKind == JsonValueKind.True)
                {
                    await WriteEventAsync(response, "__END__", cancellationToken);
                    await receiver.CompleteMessageAsync(message, cancellationToken);
                    return;
                }

                var token = root.TryGetProperty("token", out var text) ? text.GetString() : string.Empty;
                await WriteEventAsync(response, JsonSerializer.Serialize(new TokenFrame(token ?? string.Empty), FrameJson.Options), cancellationToken);
                await receiver.CompleteMessageAsync(message, cancellationToken);
            }
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client left.
        }
        catch (Exception exception) when (exception is ServiceBusException or JsonException or InvalidOperationException)
        {
            logger.LogWarning(exception, "Baseline stream {SessionId}/{ChatMessageId} failed", sessionId, chatMessageId);
            await TryWriteErrorAsync(response, exception.Message);
        }
    }

    private static async Task TryWriteErrorAsync(HttpResponse response, string message)
    {
        try
        {
            await WriteEventAsync(response, JsonSerializer.Serialize(new ErrorFrame(message), FrameJson.Options), CancellationToken.None);
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or InvalidOperationException)
        {
            // The connection is already gone.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private sealed record TokenFrame(string Token);

    private sealed record ErrorFrame(string Error);
}
