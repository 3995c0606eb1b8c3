using Amqp;
using Amqp.Types;
using SseFunctions.LocalServiceBus.Entities;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>A message on its way to a receiver; its lock token becomes the delivery tag.</summary>
public sealed class OutgoingMessage(EntityMessage source, Guid lockToken) : Message
{
    public EntityMessage Source { get; } = source;

    public Guid LockToken { get; } = lockToken;

    /// <summary>
    /// Encodes only this delivery's header and annotations and appends the payload's sections, encoded once for all
    /// subscriptions and redeliveries.
    /// </summary>
    public ByteBuffer EncodeForTransfer()
    {
        var payload = Source.Payload;
        if (!ReferenceEquals(ApplicationProperties, payload.ApplicationProperties) || DeliveryAnnotations is not null)
        {
            return Encode();
        }

        var tail = payload.EncodedSections;
        var buffer = new ByteBuffer(192 + tail.Length, true);
        Encoder.WriteObject(buffer, Header);
        Encoder.WriteObject(buffer, MessageAnnotations);
        AmqpBitConverter.WriteBytes(buffer, tail, 0, tail.Length);
        return buffer;
    }
}
