using System.Text.Json;
using System.Xml;

namespace SseFunctions.LocalServiceBus.Configuration;

/// <summary>Reads entities from a file in the shape of the official Service Bus emulator's Config.json.</summary>
public static class EmulatorConfigReader
{
    public static BrokerConfiguration ReadFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"Cannot read the LocalServiceBus config file '{path}': {exception.Message}", exception);
        }

        return Parse(json);
    }

    public static BrokerConfiguration Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"The LocalServiceBus config is not valid JSON: {exception.Message}", exception);
        }

        using (document)
        {
            var queues = new List<QueueDefinition>();
            var topics = new List<TopicDefinition>();
            var userConfig = Property(document.RootElement, "UserConfig") ?? throw new InvalidDataException("The LocalServiceBus config has no 'UserConfig' object.");
            foreach (var ns in Array(userConfig, "Namespaces"))
            {
                foreach (var queue in Array(ns, "Queues"))
                {
                    queues.Add(new QueueDefinition(Name(queue, "queue"), ReadProperties(Property(queue, "Properties"))));
                }

                foreach (var topic in Array(ns, "Topics"))
                {
                    var topicName = Name(topic, "topic");
                    var topicProperties = Property(topic, "Properties");
                    var topicTtl = Duration(topicProperties, "DefaultMessageTimeToLive") ?? TimeSpan.MaxValue;
                    var subscriptions = new List<SubscriptionDefinition>();
                    foreach (var subscription in Array(topic, "Subscriptions"))
                    {
                        var properties = ReadProperties(Property(subscription, "Properties"));
                        if (properties.DefaultMessageTimeToLive > topicTtl)
                        {
                            properties = properties with { DefaultMessageTimeToLive = topicTtl };
                        }

                        subscriptions.Add(new SubscriptionDefinition(Name(subscription, $"subscription of topic '{topicName}'"), properties));
                    }

                    topics.Add(new TopicDefinition(topicName, topicTtl, subscriptions));
                }
            }

            var configuration = new BrokerConfiguration(queues, topics);
            ThrowOnDuplicateNames(configuration);
            return configuration;
        }
    }

    /// <summary>Queue and topic names share one namespace, subscription names one per topic; Service Bus compares them ignoring case.</summary>
    static void ThrowOnDuplicateNames(BrokerConfiguration configuration)
    {
        var entityNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in configuration.Queues.Select(q => q.Name).Concat(configuration.Topics.Select(t => t.Name)))
        {
            if (!entityNames.Add(name))
            {
                throw new InvalidDataException($"The LocalServiceBus config names the entity '{name}' twice.");
            }
        }

        foreach (var topic in configuration.Topics)
        {
            var subscriptionNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (var subscription in topic.Subscriptions)
            {
                if (!subscriptionNames.Add(subscription.Name))
                {
                    throw new InvalidDataException($"The LocalServiceBus config names the subscription '{subscription.Name}' of topic '{topic.Name}' twice.");
                }
            }
        }
    }

    static EntityProperties ReadProperties(JsonElement? properties)
    {
        var result = new EntityProperties();
        if (properties is null)
        {
            return result;
        }

        if (Property(properties.Value, "RequiresSession") is { } requiresSession)
        {
            result = result with { RequiresSession = requiresSession.ValueKind == JsonValueKind.True };
        }

        if (Duration(properties, "LockDuration") is { } lockDuration)
        {
            if (lockDuration <= TimeSpan.Zero || lockDuration > TimeSpan.FromMinutes(5))
            {
                throw new InvalidDataException($"LockDuration must be between 0 and 5 minutes, got {lockDuration}.");
            }

            result = result with { LockDuration = lockDuration };
        }

        if (Property(properties.Value, "MaxDeliveryCount") is { } maxDeliveryCount)
        {
            if (maxDeliveryCount.ValueKind != JsonValueKind.Number || !maxDeliveryCount.TryGetInt32(out var count) || count < 1)
            {
                throw new InvalidDataException("MaxDeliveryCount must be a positive integer.");
            }

            result = result with { MaxDeliveryCount = count };
        }

        if (Duration(properties, "DefaultMessageTimeToLive") is { } ttl)
        {
            result = result with { DefaultMessageTimeToLive = ttl };
        }

        return result;
    }

    static string Name(JsonElement element, string what)
    {
        var name = Property(element, "Name");
        if (name is not { ValueKind: JsonValueKind.String } || string.IsNullOrWhiteSpace(name.Value.GetString()))
        {
            throw new InvalidDataException($"A {what} in the LocalServiceBus config has no 'Name'.");
        }

        return name.Value.GetString()!;
    }

    static TimeSpan? Duration(JsonElement? parent, string name)
    {
        if (parent is null || Property(parent.Value, name) is not { } value || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidDataException($"'{name}' must be an ISO 8601 duration such as \"PT1M\".");
        }

        try
        {
            return XmlConvert.ToTimeSpan(text);
        }
        catch (FormatException exception)
        {
            throw new InvalidDataException($"'{name}' must be an ISO 8601 duration such as \"PT1M\", got \"{text}\".", exception);
        }
        catch (OverflowException)
        {
            return TimeSpan.MaxValue;
        }
    }

    static IEnumerable<JsonElement> Array(JsonElement parent, string name)
    {
        var value = Property(parent, name);
        if (value is null || value.Value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.Value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"'{name}' in the LocalServiceBus config must be an array.");
        }

        return value.Value.EnumerateArray().ToList();
    }

    static JsonElement? Property(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}
