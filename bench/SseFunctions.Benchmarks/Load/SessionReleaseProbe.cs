using System.Diagnostics;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// Times how long a session stays locked after its browser leaves: a stream receives a token (so the service holds the
/// session), the client drops the connection, and a receiver of the benchmark's own tries to accept the session every
/// few milliseconds until the broker grants it.
/// </summary>
public sealed class SessionReleaseProbe(HttpClient http, Uri baseAddress, ServiceBusClient bus, ServiceBusSender sender, string topicName, string subscriptionName)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Stopwatch ticks from the disconnect until the session was accepted elsewhere.</summary>
    public async Task<long> MeasureAsync(StreamAddress address, CancellationToken cancellationToken)
    {
        await using var stream = new SseStreamClient(http, baseAddress, address);
        if (!await stream.OpenAsync(cancellationToken))
        {
            throw new InvalidOperationException($"The release probe's stream did not open: {stream.Failure}");
        }

        stream.StartReading(cancellationToken);
        await sender.SendMessageAsync(TokenMessages.Token(address, TokenStamp.Now()), cancellationToken);
        await stream.FirstToken.WaitAsync(Deadline, cancellationToken);
        if (stream.TokensReceived == 0)
        {
            throw new InvalidOperationException($"The release probe's stream got no token: {stream.Failure}");
        }

        var options = new ServiceBusSessionReceiverOptions();
        await EnsureHeldElsewhereAsync(address, options, cancellationToken);
        stream.Disconnect();
        var disconnectedAt = Stopwatch.GetTimestamp();
        while (true)
        {
            try
            {
                var receiver = await bus.AcceptSessionAsync(topicName, subscriptionName, address.SessionId, options, cancellationToken);
                var releasedAfter = Stopwatch.GetTimestamp() - disconnectedAt;
                await receiver.DisposeAsync();
                await stream.Reading;
                return releasedAfter;
            }
            catch (ServiceBusException exception) when (exception.Reason == ServiceBusFailureReason.SessionCannotBeLocked)
            {
                if (Stopwatch.GetElapsedTime(disconnectedAt) > Deadline)
                {
                    throw new TimeoutException($"Session {address.SessionId} was still locked {Deadline.TotalSeconds:0} s after its client left.");
                }

                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }

    /// <summary>Before the disconnect, the session must be locked by the service: otherwise there is nothing to time.</summary>
    private async Task EnsureHeldElsewhereAsync(StreamAddress address, ServiceBusSessionReceiverOptions options, CancellationToken cancellationToken)
    {
        try
        {
            var receiver = await bus.AcceptSessionAsync(topicName, subscriptionName, address.SessionId, options, cancellationToken);
            await receiver.DisposeAsync();
        }
        catch (ServiceBusException exception) when (exception.Reason == ServiceBusFailureReason.SessionCannotBeLocked)
        {
            return;
        }

        throw new InvalidOperationException($"Session {address.SessionId} was not held by the service while its stream was open.");
    }
}
