using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Sessions;

/// <summary>The messages of one session id in a session-enabled entity, its lock and its state. Guarded by the entity's gate.</summary>
public sealed class MessageSession(string id)
{
    public string Id { get; } = id;

    public SortedSet<EntityMessage> Available { get; } = new(SequenceNumberComparer.Instance);

    public int LockedMessageCount { get; set; }

    /// <summary>The receiver link holding the session lock, or null.</summary>
    public EntityReceiverLink? Owner { get; set; }

    public DateTime LockedUntilUtc { get; set; }

    public byte[]? State { get; set; }

    /// <summary>This session's node in the entity's list of unlocked sessions that have messages.</summary>
    public LinkedListNode<MessageSession>? ReadyNode { get; set; }

    public bool IsLocked => Owner is not null;

    public bool IsEmpty => Available.Count == 0 && LockedMessageCount == 0 && State is null && Owner is null;
}
