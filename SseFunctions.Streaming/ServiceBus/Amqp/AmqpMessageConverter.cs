using System.Runtime.InteropServices;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Converts between <see cref="ServiceBusMessage"/>/<see cref="ServiceBusReceivedMessage"/> and AMQP messages
/// the way the official SDKs map them.</summary>
internal static class AmqpMessageConverter
{
    private static readonly IReadOnlyDictionary<string, object> NoProperties = new Dictionary<string, object>();

    public static Message ToAmqp(ServiceBusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var amqp = new Message
        {
            BodySection = new Data { Binary = ToArray(message.Body) },
            Properties = new Properties
            {
                MessageId = message.MessageId ?? Guid.NewGuid().ToString("N"),
            },
        };
        if (message.SessionId is not null)
        {
            amqp.Properties.GroupId = message.SessionId;
        }

        if (message.ContentType is not null)
        {
            amqp.Properties.ContentType = new Symbol(message.ContentType);
        }

        if (message.Subject is not null)
        {
            amqp.Properties.Subject = message.Subject;
        }

        if (message.CorrelationId is not null)
        {
            amqp.Properties.CorrelationId = message.CorrelationId;
        }

        if (message.TimeToLive is { } ttl && ttl > TimeSpan.Zero && ttl < TimeSpan.MaxValue)
        {
            var ms = Math.Min(ttl.TotalMilliseconds, uint.MaxValue);
            amqp.Header = new Header { Ttl = (uint)ms };
            var created = DateTime.UtcNow;
            amqp.Properties.CreationTime = created;
            amqp.Properties.AbsoluteExpiryTime = ttl.TotalMilliseconds >= (DateTime.MaxValue - created).TotalMilliseconds ? DateTime.MaxValue : created + ttl;
        }

        if (message.ApplicationProperties.Count > 0)
        {
            var properties = new ApplicationProperties();
            foreach (var pair in message.ApplicationProperties)
            {
                properties[pair.Key] = ToAmqpValue(pair.Key, pair.Value);
            }

            amqp.ApplicationProperties = properties;
        }

        return amqp;
    }

    private static byte[] ToArray(BinaryData body)
    {
        var memory = body.ToMemory();
        return MemoryMarshal.TryGetArray(memory, out var segment) && segment.Array is not null && segment.Offset == 0 && segment.Count == segment.Array.Length
            ? segment.Array
            : memory.ToArray();
    }

    private static object? ToAmqpValue(string key, object? value) => value switch
    {
        null => null,
        string or bool or byte or sbyte or short or ushort or int or uint or long or ulong or float or double or decimal or char or Guid or byte[] => value,
        DateTime dt => dt.Kind == DateTimeKind.Utc ? dt : dt.ToUniversalTime(),
        DateTimeOffset dto => dto.UtcDateTime,
        TimeSpan ts => ts.Ticks,
        Uri uri => uri.ToString(),
        Enum e => e.ToString(),
        _ => throw new ArgumentException($"Application property '{key}' has a type that AMQP cannot carry: {value.GetType().Name}.", nameof(value)),
    };

    public static ServiceBusReceivedMessage FromAmqp(Message amqp, object receivedBy, DateTimeOffset sessionLockedUntil, bool peekLock)
    {
        var properties = amqp.Properties;
        var annotations = amqp.MessageAnnotations;
        long sequenceNumber = 0;
        DateTimeOffset enqueuedTime = default;
        var lockedUntil = sessionLockedUntil;
        if (annotations is not null)
        {
            sequenceNumber = annotations[AmqpConstants.SequenceNumber] switch
            {
                long l => l,
                int i => i,
                ulong ul => (long)ul,
                _ => 0,
            };
            if (annotations[AmqpConstants.EnqueuedTime] is DateTime enqueued)
            {
                enqueuedTime = new DateTimeOffset(DateTime.SpecifyKind(enqueued, DateTimeKind.Utc));
            }

            if (annotations[AmqpConstants.LockedUntil] is DateTime locked)
            {
                lockedUntil = new DateTimeOffset(DateTime.SpecifyKind(locked, DateTimeKind.Utc));
            }
        }

        IReadOnlyDictionary<string, object> applicationProperties = NoProperties;
        string? deadLetterReason = null, deadLetterDescription = null;
        if (amqp.ApplicationProperties?.Map is { Count: > 0 } map)
        {
            var dictionary = new Dictionary<string, object>(map.Count, StringComparer.Ordinal);
            foreach (var key in map.Keys)
            {
                var name = key?.ToString();
                if (name is null)
                {
                    continue;
                }

                var value = map[key!];
                if (value is not null)
                {
                    dictionary[name] = value;
                }
            }

            applicationProperties = dictionary;
            deadLetterReason = dictionary.GetValueOrDefault(AmqpConstants.DeadLetterReasonHeader) as string;
            deadLetterDescription = dictionary.GetValueOrDefault(AmqpConstants.DeadLetterErrorDescriptionHeader) as string;
        }

        var delivery = amqp.GetDelivery();
        var tag = amqp.DeliveryTag;
        return new ServiceBusReceivedMessage
        {
            Body = GetBody(amqp),
            MessageId = properties?.MessageId?.ToString(),
            SessionId = properties?.GroupId,
            ContentType = properties?.ContentType?.ToString() is { Length: > 0 } contentType ? contentType : null,
            Subject = properties?.Subject,
            CorrelationId = properties?.CorrelationId?.ToString(),
            SequenceNumber = sequenceNumber,
            EnqueuedTime = enqueuedTime,
            DeliveryCount = (int)Math.Min(int.MaxValue, (amqp.Header?.DeliveryCount ?? 0) + 1L),
            LockToken = peekLock && tag is { Length: 16 } ? new Guid(tag).ToString() : string.Empty,
            LockedUntil = peekLock ? lockedUntil : default,
            DeadLetterReason = deadLetterReason,
            DeadLetterErrorDescription = deadLetterDescription,
            ApplicationProperties = applicationProperties,
            Delivery = delivery,
            ReceivedBy = receivedBy,
        };
    }

    /// <summary>The error of a dead-letter (Rejected) outcome: condition <c>com.microsoft:dead-letter</c>, info
    /// <c>DeadLetterReason</c> / <c>DeadLetterErrorDescription</c> (symbol keys, as the official SDKs send them).</summary>
    public static Error DeadLetterError(string reason, string? description)
    {
        var info = new Fields { [new Symbol(AmqpConstants.DeadLetterReasonHeader)] = reason };
        if (description is not null)
        {
            info[new Symbol(AmqpConstants.DeadLetterErrorDescriptionHeader)] = description;
        }

        return new Error(new Symbol(AmqpConstants.DeadLetterCondition)) { Info = info };
    }

    /// <summary>The body as bytes: the Data section(s); an AmqpValue string (UTF-8) or binary is accepted too.</summary>
    public static BinaryData GetBody(Message amqp)
    {
        if (amqp.BodySection is null)
        {
            return BinaryData.Empty;
        }

        if (amqp.BodySection is Data data)
        {
            // a decoded Data section copies its bytes out of the (pooled) delivery buffer once, here.
            return data.Binary is { } single ? new BinaryData(single) : BinaryData.Empty;
        }

        return amqp.Body switch
        {
            null => BinaryData.Empty,
            byte[] bytes => new BinaryData(bytes),
            Data[] sections => Concat(sections),
            string text => BinaryData.FromString(text),
            ArraySegment<byte> segment => new BinaryData(segment.ToArray()),
            var other => BinaryData.FromString(Convert.ToString(other, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
        };
    }

    private static BinaryData Concat(Data[] sections)
    {
        var length = 0;
        foreach (var section in sections)
        {
            length += section.Binary?.Length ?? 0;
        }

        var result = new byte[length];
        var offset = 0;
        foreach (var section in sections)
        {
            if (section.Binary is { } bytes)
            {
                bytes.CopyTo(result, offset);
                offset += bytes.Length;
            }
        }

        return new BinaryData(result);
    }
}
