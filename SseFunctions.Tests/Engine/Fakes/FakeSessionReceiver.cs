using System.Threading.Channels;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>
/// An in-memory session receiver that behaves as the SDK's does where the engine depends on it: a receive waits for a
/// message, its wait or its token; once Service Bus has closed the receiver every call throws
/// <see cref="ObjectDisposedException"/> but a receive already waiting is not woken; settlements and renewals are
/// recorded and can be held back or made to fail.
/// </summary>
public sealed class FakeSessionReceiver(string sessionId, TimeProvider timeProvider, TimeSpan lockDuration) : ServiceBusSessionReceiver
{
    private readonly Channel<ServiceBusReceivedMessage> incoming = Channel.CreateUnbounded<ServiceBusReceivedMessage>();
    private DateTimeOffset lockedUntil = timeProvider.GetUtcNow() + lockDuration;
    private volatile bool closedByService;
    private volatile bool disposed;

    public List<long> Completed { get; } = [];

    public List<long> DeadLettered { get; } = [];

    public int Renewals { get; private set; }

    public int SettlementsStarted;

    /// <summary>While set, settlements wait for it (the broker's outcome has not arrived yet).</summary>
    public TaskCompletionSource? SettlementGate { get; set; }

    /// <summary>When set, the next renewals fail with it.</summary>
    public Exception? RenewalFailure { get; set; }

    public bool Closed => disposed;

    public override string SessionId => sessionId;

    public override string EntityPath => "token-streams/Subscriptions/sse-service-token-streams";

    public override bool IsClosed => disposed || closedByService;

    public override DateTimeOffset SessionLockedUntil => lockedUntil;

    /// <summary>Messages delivered to the receiver that no receive has taken yet (what Service Bus and the prefetch still hold).</summary>
    public int NotYetReceived => incoming.Reader.Count;

    public void Deliver(long sequenceNumber, string body) => Deliver(sequenceNumber, BinaryData.FromString(body));

    public void Deliver(long sequenceNumber, BinaryData body) =>
        incoming.Writer.TryWrite(ServiceBusModelFactory.ServiceBusReceivedMessage(body, sessionId: sessionId, sequenceNumber: sequenceNumber, lockTokenGuid: Guid.NewGuid()));

    /// <summary>What the SDK does when the service detaches the session link: closed for good, a waiting receive not woken.</summary>
    public void CloseByService() => closedByService = true;

    public override async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        using var timeout = new CancellationTokenSource(maxWaitTime ?? TimeSpan.FromMinutes(1), timeProvider);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            await incoming.Reader.WaitToReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return [];
        }

        var batch = new List<ServiceBusReceivedMessage>();
        while (batch.Count < maxMessages && incoming.Reader.TryRead(out var message))
        {
            batch.Add(message);
        }

        return batch;
    }

    public override async Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        Interlocked.Increment(ref SettlementsStarted);
        if (SettlementGate is { } gate)
        {
            await gate.Task;
        }

        ThrowIfClosed();
        lock (Completed)
        {
            Completed.Add(message.SequenceNumber);
        }
    }

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        lock (DeadLettered)
        {
            DeadLettered.Add(message.SequenceNumber);
        }

        return Task.CompletedTask;
    }

    public override Task RenewSessionLockAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfClosed();
        Renewals++;
        if (RenewalFailure is { } failure)
        {
            return Task.FromException(failure);
        }

        lockedUntil = timeProvider.GetUtcNow() + lockDuration;
        return Task.CompletedTask;
    }

    public override Task CloseAsync(CancellationToken cancellationToken = default)
    {
        disposed = true;
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        disposed = true;
        return ValueTask.CompletedTask;
    }

    private void ThrowIfClosed() => ObjectDisposedException.ThrowIf(IsClosed, this);
}
