using Amqp.Handler;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>AMQPNetLite events: lock tokens as 16-byte delivery tags; a client's detach, end or close, seen before it is answered.</summary>
public sealed class BrokerProtocolHandler(BrokerContainer container) : IHandler
{
    public bool CanHandle(EventId id) => id is EventId.SendDelivery or EventId.LinkRemoteClose or EventId.SessionRemoteClose or EventId.ConnectionRemoteClose;

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
            case EventId.SessionRemoteClose when protocolEvent is { Connection: { } connection, Session: { } session }:
                container.OnRemoteEnd(connection, session);
                break;
            case EventId.ConnectionRemoteClose when protocolEvent.Connection is { } connection:
                container.OnRemoteEnd(connection, session: null);
                break;
        }
    }
}
