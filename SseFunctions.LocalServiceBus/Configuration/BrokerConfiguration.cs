namespace SseFunctions.LocalServiceBus.Configuration;

public sealed record QueueDefinition(string Name, EntityProperties Properties);

public sealed record SubscriptionDefinition(string Name, EntityProperties Properties);

public sealed record TopicDefinition(string Name, TimeSpan DefaultMessageTimeToLive, IReadOnlyList<SubscriptionDefinition> Subscriptions);

/// <summary>The entities the broker serves.</summary>
public sealed record BrokerConfiguration(IReadOnlyList<QueueDefinition> Queues, IReadOnlyList<TopicDefinition> Topics)
{
    public const string DefaultTopicName = "token-streams";
    public const string DefaultSubscriptionName = "sse-service-token-streams";

    public static BrokerConfiguration Default { get; } = new(
        [],
        [
            new TopicDefinition(
                DefaultTopicName,
                TimeSpan.MaxValue,
                [
                    new SubscriptionDefinition(
                        DefaultSubscriptionName,
                        new EntityProperties { RequiresSession = true, LockDuration = TimeSpan.FromSeconds(60), MaxDeliveryCount = 10 }),
                ]),
        ]);
}
