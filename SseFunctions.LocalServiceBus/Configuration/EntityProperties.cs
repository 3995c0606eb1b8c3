namespace SseFunctions.LocalServiceBus.Configuration;

/// <summary>The settings of a queue or subscription that decide how its messages are delivered.</summary>
public sealed record EntityProperties
{
    public bool RequiresSession { get; init; }

    public TimeSpan LockDuration { get; init; } = TimeSpan.FromMinutes(1);

    public int MaxDeliveryCount { get; init; } = 10;

    public TimeSpan DefaultMessageTimeToLive { get; init; } = TimeSpan.MaxValue;
}
