namespace SseFunctions.Streaming.ServiceBus;

/// <summary>Builds received messages for tests of code that consumes them.</summary>
public static class ServiceBusModelFactory
{
    public static ServiceBusReceivedMessage ServiceBusReceivedMessage(
        BinaryData? body = null,
        string? messageId = null,
        string? sessionId = null,
        long sequenceNumber = 0,
        DateTimeOffset enqueuedTime = default,
        int deliveryCount = 1,
        string? lockToken = null,
        DateTimeOffset lockedUntil = default,
        IReadOnlyDictionary<string, object>? applicationProperties = null) => new()
        {
            Body = body ?? BinaryData.Empty,
            MessageId = messageId,
            SessionId = sessionId,
            SequenceNumber = sequenceNumber,
            EnqueuedTime = enqueuedTime,
            DeliveryCount = deliveryCount,
            LockToken = lockToken ?? Guid.NewGuid().ToString(),
            LockedUntil = lockedUntil,
            ApplicationProperties = applicationProperties ?? new Dictionary<string, object>(),
        };
}
