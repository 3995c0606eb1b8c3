using Amqp;
using SseFunctions.LocalServiceBus.Entities;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>A message on its way to a receiver; its lock token becomes the delivery tag.</summary>
public sealed class OutgoingMessage(EntityMessage source, Guid lockToken) : Message
{
    public EntityMessage Source { get; } = source;

    public Guid LockToken { get; } = lockToken;
}
