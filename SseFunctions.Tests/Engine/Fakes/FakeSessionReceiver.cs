using System.Threading.Channels;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>An in-memory session receiver that records settlements.</summary>
public sealed class FakeSessionReceiver(string sessionId) : ServiceBusSessionReceiver
{
    private readonly Channel<ServiceBusReceivedMessage> incoming = Channel.CreateUnbounded<ServiceBusReceivedMessage>();

    public List<long> Completed { get; } = [];

    public List<long> DeadLettered { get; } = [];

    public bool Closed { get; private set; }

    public override string SessionId => sessionId;

    public override bool IsClosed => Closed;

    public override DateTimeOffset SessionLockedUntil => DateTimeOffset.UtcNow.AddMinutes(1);

    public void Deliver(long sequenceNumber, string body) =>
        incoming.Writer.TryWrite(ServiceBusModelFactory.ServiceBusReceivedMessage(BinaryData.FromString(body), sessionId: sessionId, sequenceNumber: sequenceNumber));

    public override async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        await incoming.Reader.WaitToReadAsync(cancellationToken);
        var batch = new List<ServiceBusReceivedMessage>();
        while (batch.Count < maxMessages && incoming.Reader.TryRead(out var message))
        {
            batch.Add(message);
        }

        return batch;
    }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        lock (Completed)
        {
            Completed.Add(message.SequenceNumber);
        }

        return Task.CompletedTask;
    }

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        lock (DeadLettered)
        {
            DeadLettered.Add(message.SequenceNumber);
        }

        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        Closed = true;
        return ValueTask.CompletedTask;
    }
}
