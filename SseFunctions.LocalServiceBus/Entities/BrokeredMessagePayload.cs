using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>What a sender sent, shared read-only by every queue or subscription that holds a copy.</summary>
public sealed class BrokeredMessagePayload
{
    public BrokeredMessagePayload(Message message, DateTime enqueuedTimeUtc, TimeSpan entityTimeToLive)
    {
        // Service Bus assigns a message id when the sender set none.
        Properties = message.Properties ?? new Properties();
        if (Properties.GetMessageId() is null)
        {
            Properties.MessageId = Guid.NewGuid().ToString("N");
        }

        ApplicationProperties = message.ApplicationProperties;
        MessageAnnotations = message.MessageAnnotations;
        BodySection = message.BodySection;
        Footer = message.Footer;
        Durable = message.Header?.Durable ?? false;
        Priority = message.Header?.Priority ?? 4;
        SessionId = message.Properties?.GroupId;
        EnqueuedTimeUtc = enqueuedTimeUtc;
        var ttl = message.Header is { Ttl: > 0 } header ? TimeSpan.FromMilliseconds(header.Ttl) : TimeSpan.MaxValue;
        TimeToLive = ttl < entityTimeToLive ? ttl : entityTimeToLive;
        ExpiresAtUtc = TimeToLive == TimeSpan.MaxValue || DateTime.MaxValue - enqueuedTimeUtc <= TimeToLive
            ? DateTime.MaxValue
            : enqueuedTimeUtc + TimeToLive;
    }

    byte[]? encodedSections;

    public Properties Properties { get; }

    /// <summary>Properties, application properties, body and footer, encoded once (a race only encodes twice).</summary>
    public byte[] EncodedSections
    {
        get
        {
            if (encodedSections is { } cached)
            {
                return cached;
            }

            var buffer = new Message
            {
                Properties = Properties,
                ApplicationProperties = ApplicationProperties,
                BodySection = BodySection,
                Footer = Footer,
            }.Encode();
            var bytes = buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
            Volatile.Write(ref encodedSections, bytes);
            return bytes;
        }
    }

    public ApplicationProperties? ApplicationProperties { get; }

    public MessageAnnotations? MessageAnnotations { get; }

    public RestrictedDescribed? BodySection { get; }

    public Footer? Footer { get; }

    public bool Durable { get; }

    public byte Priority { get; }

    public string? SessionId { get; }

    public DateTime EnqueuedTimeUtc { get; }

    public TimeSpan TimeToLive { get; }

    public DateTime ExpiresAtUtc { get; }
}
