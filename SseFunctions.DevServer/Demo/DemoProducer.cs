using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.DevServer;

/// <summary>
/// Plays the LLM worker for the demo page: publishes an answer token by token, with small delays, in the worker's
/// message format. It owns every reply it starts and awaits them when the host stops.
/// </summary>
public sealed partial class DemoProducer(ServiceBusClient client, IOptions<SseStreamingOptions> options, TimeProvider timeProvider, ILogger<DemoProducer> logger) : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string SessionId, string ChatMessageId), DateTimeOffset> started = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly object gate = new();
    private readonly Dictionary<string, Task> replies = [];
    private readonly Lazy<ServiceBusSender> sender = new(() => client.CreateSender(options.Value.TopicName));

    /// <summary>Delay between two tokens.</summary>
    public TimeSpan TokenDelay { get; set; } = TimeSpan.FromMilliseconds(40);

    public DemoChatStarted Start(DemoChatRequest request)
    {
        var chatMessageId = Guid.NewGuid().ToString();
        ForgetOldAnswers();
        started[(request.SessionId, chatMessageId)] = timeProvider.GetUtcNow();
        lock (gate)
        {
            replies[chatMessageId] = PublishAsync(request.SessionId, chatMessageId, Tokenize(Answer(request.Prompt)), stopping.Token);
        }

        return new DemoChatStarted(request.SessionId, chatMessageId, $"/api/stream/{request.SessionId}/{chatMessageId}");
    }

    /// <summary>True when this producer started the answer <paramref name="chatMessageId"/> of <paramref name="sessionId"/>
    /// within the longest a stream may last: the only answers the demo signs stream tokens for.</summary>
    public bool HasStarted(string sessionId, string chatMessageId) =>
        started.TryGetValue((sessionId, chatMessageId), out var at) && timeProvider.GetUtcNow() - at <= options.Value.MaxStreamDuration;

    /// <summary>The worker's reply to <paramref name="prompt"/>: no model here, so a fixed text that quotes it.</summary>
    public static string Answer(string prompt) =>
        $"You asked: \"{prompt.Trim()}\". This answer is published token by token to the Service Bus topic, " +
        "with your chat session as the Service Bus session, and streamed back to this page as Server-Sent Events. ✨";

    /// <summary>Splits text the way a tokenizer roughly does: words with their leading space.</summary>
    public static IReadOnlyList<string> Tokenize(string text) =>
        WordPattern().Matches(text).Select(match => match.Value).ToArray();

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await stopping.CancelAsync();
        Task[] running;
        lock (gate)
        {
            running = [.. replies.Values];
        }

        await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        if (sender.IsValueCreated)
        {
            await sender.Value.DisposeAsync();
        }

        stopping.Dispose();
    }

    private async Task PublishAsync(string sessionId, string chatMessageId, IReadOnlyList<string> tokens, CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            foreach (var token in tokens)
            {
                await sender.Value.SendMessageAsync(Message(sessionId, new { sessionId, chatMessageId, token }), cancellationToken);
                await Task.Delay(TokenDelay, cancellationToken);
            }

            await sender.Value.SendMessageAsync(Message(sessionId, new { sessionId, chatMessageId, end_of_stream = true }), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            LogPublishFailed(logger, sessionId, chatMessageId, exception);
        }
        finally
        {
            lock (gate)
            {
                replies.Remove(chatMessageId);
            }
        }
    }

    private void ForgetOldAnswers()
    {
        var oldest = timeProvider.GetUtcNow() - options.Value.MaxStreamDuration;
        foreach (var (ids, at) in started)
        {
            if (at < oldest)
            {
                started.TryRemove(ids, out _);
            }
        }
    }

    private static ServiceBusMessage Message(string sessionId, object body) => new(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(body)))
    {
        SessionId = sessionId,
        ContentType = "application/json",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"\s*\S+")]
    private static partial System.Text.RegularExpressions.Regex WordPattern();

    [LoggerMessage(1, LogLevel.Error, "Publishing the demo reply {ChatMessageId} of session {SessionId} failed")]
    private static partial void LogPublishFailed(ILogger logger, string sessionId, string chatMessageId, Exception exception);
}
