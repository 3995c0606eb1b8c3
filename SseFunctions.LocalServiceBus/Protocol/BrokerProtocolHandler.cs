using Amqp.Handler;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>AMQPNetLite events: lock tokens as 16-byte delivery tags, and detaches that overtake pending attaches.</summary>
public sealed class BrokerProtocolHandler(BrokerContainer container) : IHandler
{
    public bool CanHandle(EventId id) => id is EventId.SendDelivery or EventId.LinkRemoteClose;

    public void Handle(Event protocolEvent)
    {
        switch (protocolEvent.Id)
        {
            case EventId.SendDelivery when protocolEvent.Context is IDelivery { Message: OutgoingMessage outgoing } delivery:
                delivery.Tag = outgoing.LockToken.ToByteArray();
                break;
            case EventId.LinkRemoteClose when protocolEvent.Link is { } link:
                container.OnRemoteDetach(link);
                break;
        }
    }
}
