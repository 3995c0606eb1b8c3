using System.Diagnostics;
using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// The floor under any SSE service: a session receiver in the load generator itself, on the same client and broker,
/// that takes each token the moment the broker delivers it (prefetch, batches, one completion each). Its latency is
/// publisher + broker + client; a service's latency above it is what the service adds.
/// </summary>
public sealed class DirectSessionConsumer(ServiceBusClient bus, string topicName, string subscriptionName, StreamAddress address) : TokenStream(address)
{
    private const int BatchSize = 64;
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
                new ServiceBusSessionReceiverOptions { PrefetchCount = BatchSize },
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
        try
        {
            while (!HasEnded)
            {
                var messages = await receiver.ReceiveMessagesAsync(BatchSize, ReceiveWait, stop.Token);
                var receivedAt = Stopwatch.GetTimestamp();
                foreach (var message in messages)
                {
                    Record(receivedAt, message.Body.ToMemory().Span);
                    await receiver.CompleteMessageAsync(message, stop.Token);
                }
            }
        }
        catch (Exception exception) when (exception is ServiceBusException or OperationCanceledException or ObjectDisposedException)
        {
            SetFailure(disconnect.IsCancellationRequested ? "disconnected by the client"
                : cancellationToken.IsCancellationRequested ? "not ended in time"
                : "receiver lost: " + exception.Message);
        }
        finally
        {
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
