using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Configuration;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Every queue, topic, subscription and dead-letter queue, by path (case-insensitive, like Service Bus).</summary>
public sealed class EntityRegistry
{
    readonly Dictionary<string, Topic> topics = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, MessageEntity> receivable = new(StringComparer.OrdinalIgnoreCase);
    readonly Dictionary<string, MessageEntity> queues = new(StringComparer.OrdinalIgnoreCase);

    public EntityRegistry(BrokerConfiguration configuration, TimeProvider time, ILogger logger)
    {
        foreach (var queue in configuration.Queues)
        {
            var entity = new MessageEntity(queue.Name, queue.Properties, isDeadLetterQueue: false, time, logger);
            queues[queue.Name] = entity;
            Add(entity);
        }

        foreach (var topic in configuration.Topics)
        {
            var subscriptions = topic.Subscriptions
                .Select(s => new MessageEntity(topic.Name + ServiceBusAmqpNames.SubscriptionsSegment + s.Name, s.Properties, isDeadLetterQueue: false, time, logger))
                .ToList();
            topics[topic.Name] = new Topic(topic.Name, topic.DefaultMessageTimeToLive, subscriptions);
            foreach (var subscription in subscriptions)
            {
                Add(subscription);
            }
        }
    }

    public IEnumerable<MessageEntity> AllReceivable => receivable.Values;

    /// <summary>Normalizes a link address: drops a scheme and host, surrounding slashes.</summary>
    public static string NormalizePath(string address)
    {
        var path = address.Trim();
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "" : path[(slash + 1)..];
        }

        return path.Trim('/');
    }

    public bool TryGetQueue(string path, out MessageEntity queue) => queues.TryGetValue(path, out queue!);

    public bool TryGetTopic(string path, out Topic topic) => topics.TryGetValue(path, out topic!);

    /// <summary>A queue, subscription or dead-letter queue that receivers can attach to.</summary>
    public bool TryGetReceivable(string path, out MessageEntity entity) => receivable.TryGetValue(path, out entity!);

    void Add(MessageEntity entity)
    {
        receivable[entity.Path] = entity;
        if (entity.DeadLetterQueue is { } deadLetterQueue)
        {
            receivable[deadLetterQueue.Path] = deadLetterQueue;
        }
    }
}
