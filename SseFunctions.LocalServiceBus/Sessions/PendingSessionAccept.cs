using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Sessions;

/// <summary>A next-available session receiver waiting for a session with messages, until its deadline.</summary>
public sealed class PendingSessionAccept(EntityReceiverLink receiver, DateTime deadlineUtc)
{
    public EntityReceiverLink Receiver { get; } = receiver;

    public DateTime DeadlineUtc { get; } = deadlineUtc;

    public LinkedListNode<PendingSessionAccept>? Node { get; set; }
}
