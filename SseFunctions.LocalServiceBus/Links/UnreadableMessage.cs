using Amqp;
using Amqp.Types;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>Stands in for a transfer the broker will not take (too large, not decodable): it is rejected with this error.</summary>
public sealed class UnreadableMessage(Symbol condition, string description) : Message
{
    public Symbol Condition { get; } = condition;

    public string Description { get; } = description;
}
