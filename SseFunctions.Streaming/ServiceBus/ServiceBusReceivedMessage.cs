namespace SseFunctions.Streaming.ServiceBus;

/// <summary>A message received under a peek-lock (or received and deleted). Create one in tests with <see cref="ServiceBusModelFactory"/>.</summary>
public class ServiceBusReceivedMessage
{
    internal ServiceBusReceivedMessage() { }

    public BinaryData Body { get; internal init; } = BinaryData.Empty;

    public string? MessageId { get; internal init; }

    public string? SessionId { get; internal init; }

    public string? ContentType { get; internal init; }

    public string? Subject { get; internal init; }

    public string? CorrelationId { get; internal init; }

    public long SequenceNumber { get; internal init; }

    public DateTimeOffset EnqueuedTime { get; internal init; }

    /// <summary>How many times this message was delivered, this time included (AMQP delivery-count + 1).</summary>
    public int DeliveryCount { get; internal init; }

    /// <summary>The delivery tag as a GUID string; empty in receive-and-delete mode.</summary>
    public string LockToken { get; internal init; } = string.Empty;

    public DateTimeOffset LockedUntil { get; internal init; }

    public string? DeadLetterReason { get; internal init; }

    public string? DeadLetterErrorDescription { get; internal init; }

    public IReadOnlyDictionary<string, object> ApplicationProperties { get; internal init; } = new Dictionary<string, object>();

    /// <summary>The AMQP delivery to settle (default for messages built by <see cref="ServiceBusModelFactory"/>).</summary>
    internal global::Amqp.MessageDelivery Delivery { get; init; }

    /// <summary>The receiver link that delivered the message: only it can settle the message.</summary>
    internal object? ReceivedBy { get; init; }
}
