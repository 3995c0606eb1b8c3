using SseFunctions.Streaming.Messages;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.Sessions;

/// <summary>A received, parsed and not yet completed message, with the receiver that must settle it.</summary>
public sealed class SessionDelivery(ServiceBusReceivedMessage message, TokenStreamMessage content, ServiceBusSessionReceiver receiver)
{
    public ServiceBusReceivedMessage Message { get; } = message;

    public TokenStreamMessage Content { get; } = content;

    internal ServiceBusSessionReceiver Receiver { get; } = receiver;

    public long SequenceNumber => Message.SequenceNumber;
}
