using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>One copy of a message in one queue, subscription or dead-letter queue, with its delivery state.</summary>
public sealed class EntityMessage(BrokeredMessagePayload payload, long sequenceNumber)
{
    public BrokeredMessagePayload Payload { get; } = payload;

    public long SequenceNumber { get; } = sequenceNumber;

    /// <summary>Failed deliveries so far (the header's delivery-count; the SDKs add one).</summary>
    public int DeliveryCount { get; set; }

    /// <summary>Application properties that replace the payload's (abandon/dead-letter with properties to modify).</summary>
    public Map? ModifiedApplicationProperties { get; set; }

    public MessageSession? Session { get; set; }

    public Guid LockToken { get; set; }

    public DateTime LockedUntilUtc { get; set; }

    public EntityReceiverLink? Holder { get; set; }

    public bool IsLocked => Holder is not null;

    /// <summary>When the message expires in this entity: the sooner of its own time to live and the entity's default.</summary>
    public DateTime ExpiresAtUtc { get; init; } = payload.ExpiresAtUtc;

    public bool IsExpired(DateTime nowUtc) => ExpiresAtUtc <= nowUtc;

    /// <summary>The AMQP message as the SDKs expect it on a receiver or in a peek response.</summary>
    public Message ToAmqpMessage(Message target, DateTime? lockedUntilUtc)
    {
        target.Header = new Header
        {
            DeliveryCount = (uint)DeliveryCount,
            Durable = Payload.Durable,
            Priority = Payload.Priority,
        };
        if (Payload.TimeToLive != TimeSpan.MaxValue)
        {
            target.Header.Ttl = (uint)Math.Min(uint.MaxValue, Payload.TimeToLive.TotalMilliseconds);
        }

        var annotations = new MessageAnnotations();
        if (Payload.MessageAnnotations is { } original)
        {
            foreach (var key in original.Map.Keys)
            {
                annotations.Map[key] = original.Map[key];
            }
        }

        annotations.Map[ServiceBusAmqpNames.SequenceNumber] = SequenceNumber;
        annotations.Map[ServiceBusAmqpNames.EnqueuedTime] = Payload.EnqueuedTimeUtc;
        if (lockedUntilUtc is { } lockedUntil)
        {
            annotations.Map[ServiceBusAmqpNames.LockedUntil] = lockedUntil;
        }

        target.MessageAnnotations = annotations;
        target.Properties = Payload.Properties;
        if (ModifiedApplicationProperties is { } properties)
        {
            target.ApplicationProperties = new ApplicationProperties();
            foreach (var key in properties.Keys)
            {
                target.ApplicationProperties.Map[key] = properties[key];
            }
        }
        else
        {
            target.ApplicationProperties = Payload.ApplicationProperties;
        }
        target.BodySection = Payload.BodySection;
        target.Footer = Payload.Footer;
        return target;
    }

    public Map CopyApplicationProperties()
    {
        var copy = new Map();
        var source = ModifiedApplicationProperties ?? Payload.ApplicationProperties?.Map;
        if (source is not null)
        {
            foreach (var key in source.Keys)
            {
                copy[key] = source[key];
            }
        }

        return copy;
    }
}
