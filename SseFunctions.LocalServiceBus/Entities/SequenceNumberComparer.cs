namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Orders messages by sequence number: FIFO within an entity or a session.</summary>
public sealed class SequenceNumberComparer : IComparer<EntityMessage>
{
    public static SequenceNumberComparer Instance { get; } = new();

    public int Compare(EntityMessage? x, EntityMessage? y) => (x?.SequenceNumber ?? long.MinValue).CompareTo(y?.SequenceNumber ?? long.MinValue);
}
