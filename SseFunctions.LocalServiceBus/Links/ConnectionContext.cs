using System.Collections.Concurrent;
using Amqp.Framing;
using Amqp.Listener;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>What the broker knows about one AMQP connection: its authorization and its reply links.</summary>
public sealed class ConnectionContext(ListenerConnection connection, ConnectionAuthorization authorization)
{
    readonly ConcurrentDictionary<string, ListenerLink> replyLinks = new(StringComparer.Ordinal);

    public ListenerConnection Connection { get; } = connection;

    public ConnectionAuthorization Authorization { get; } = authorization;

    public string Id { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>A client receiver on <c>$cbs</c> or <c>…/$management</c>: replies go to it by its name or its target address.</summary>
    public void AddReplyLink(ListenerLink link, Attach attach)
    {
        replyLinks[link.Name] = link;
        if (attach.Target is Target { Address: { Length: > 0 } address })
        {
            replyLinks[address] = link;
        }

        link.AddClosedCallback((_, _) =>
        {
            replyLinks.TryRemove(new KeyValuePair<string, ListenerLink>(link.Name, link));
            if (attach.Target is Target { Address: { Length: > 0 } targetAddress })
            {
                replyLinks.TryRemove(new KeyValuePair<string, ListenerLink>(targetAddress, link));
            }
        });
    }

    public bool TryGetReplyLink(string? replyTo, out ListenerLink link)
    {
        link = null!;
        return replyTo is not null && replyLinks.TryGetValue(replyTo, out link!);
    }
}
