namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>A topic: each sent message gets one sequence number and a copy in every subscription.</summary>
public sealed class Topic(string name, TimeSpan defaultMessageTimeToLive, IReadOnlyList<MessageEntity> subscriptions)
{
    long lastSequenceNumber;

    public string Name { get; } = name;

    public TimeSpan DefaultMessageTimeToLive { get; } = defaultMessageTimeToLive;

    public IReadOnlyList<MessageEntity> Subscriptions { get; } = subscriptions;

    public long NextSequenceNumber() => Interlocked.Increment(ref lastSequenceNumber);
}
