using System.Diagnostics;
using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// The floor under any SSE service: a session receiver in the load generator itself, on the same SDK and broker,
/// that takes each token the moment the broker delivers it: prefetch, a receive of one message at a time (the SDK
/// returns it at once; a larger receive waits 20 ms for more, then drains the link) and completions sent concurrently,
/// off the receive path. Its latency is publisher + broker + SDK; a service's latency above it is what the service adds.
/// </summary>
public sealed class DirectSessionConsumer(ServiceBusClient bus, string topicName, string subscriptionName, StreamAddress address) : TokenStream(address)
{
    private const int Prefetch = 64;
    private static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource disconnect = new();
    private ServiceBusSessionReceiver? receiver;

    public override async Task<bool> OpenAsync(CancellationToken cancellationToken)
    {
        OpenStartedAt = Stopwatch.GetTimestamp();
        try
        {
            receiver = await bus.AcceptSessionAsync(
                topicName,
                subscriptionName,
                Address.SessionId,
                new ServiceBusSessionReceiverOptions { PrefetchCount = Prefetch },
                cancellationToken);
            OpenedAt = Stopwatch.GetTimestamp();
            return true;
        }
        catch (ServiceBusException exception)
        {
            SetFailure($"accept failed: {exception.Reason}");
            return false;
        }
    }

    public override void Disconnect()
    {
        try
        {
            disconnect.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed: already disconnected.
        }
    }

    protected override async ValueTask DisposeCoreAsync()
    {
        // Closed by the read loop when it ran; here when it never started.
        if (receiver is not null)
        {
            await receiver.DisposeAsync();
            receiver = null;
        }

        disconnect.Dispose();
    }

    protected override async Task ReadToEndAsync(CancellationToken cancellationToken)
    {
        if (receiver is null)
        {
            return;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disconnect.Token);
        var settlements = new List<Task>();
        try
        {
            while (!HasEnded)
            {
                var messages = await receiver.ReceiveMessagesAsync(1, ReceiveWait, stop.Token);
                var receivedAt = Stopwatch.GetTimestamp();
                foreach (var message in messages)
                {
                    Record(receivedAt, message.Body.ToMemory().Span);
                    settlements.Add(receiver.CompleteMessageAsync(message, CancellationToken.None));
                }
            }

            await Task.WhenAll(settlements);
        }
        catch (Exception exception) when (exception is ServiceBusException or OperationCanceledException or ObjectDisposedException)
        {
            SetFailure(disconnect.IsCancellationRequested ? "disconnected by the client"
                : cancellationToken.IsCancellationRequested ? "not ended in time"
                : "receiver lost: " + exception.Message);
        }
        finally
        {
            await Task.WhenAll(settlements).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await receiver.DisposeAsync();
            receiver = null;
        }
    }

    private void Record(long receivedAt, ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1)
            {
                continue;
            }

            if (reader.ValueTextEquals("token"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                RecordToken(receivedAt, reader.ValueIsEscaped ? [] : reader.ValueSpan);
                return;
            }

            if (reader.ValueTextEquals("end_of_stream"u8))
            {
                RecordEnd(receivedAt);
                return;
            }
        }
    }
}
