using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>What the broker knows about one AMQP connection: its authorization, its reply links and its entity receivers.</summary>
public sealed class ConnectionContext(ListenerConnection connection, ConnectionAuthorization authorization)
{
    readonly ConcurrentDictionary<string, ListenerLink> replyLinks = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<(Session Session, string Node), ListenerLink> replyLinksByNode = new();
    readonly ConcurrentDictionary<EntityReceiverLink, byte> receivers = new();

    public ListenerConnection Connection { get; } = connection;

    public ConnectionAuthorization Authorization { get; } = authorization;

    public string Id { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>
    /// A client receiver on <c>$cbs</c> or <c>…/$management</c> (<paramref name="node"/>): replies go to it by its name or its
    /// target address, or, for a request without reply-to (uamqp's), as the receiver of that node on the request's AMQP session.
    /// </summary>
    public void AddReplyLink(ListenerLink link, Attach attach, string node)
    {
        replyLinks[link.Name] = link;
        if (attach.Target is Target { Address: { Length: > 0 } address })
        {
            replyLinks[address] = link;
        }

        var nodeKey = (link.Session, node.ToUpperInvariant());
        replyLinksByNode[nodeKey] = link;
        link.AddClosedCallback((_, _) =>
        {
            replyLinksByNode.TryRemove(new KeyValuePair<(Session, string), ListenerLink>(nodeKey, link));
            replyLinks.TryRemove(new KeyValuePair<string, ListenerLink>(link.Name, link));
            if (attach.Target is Target { Address: { Length: > 0 } targetAddress })
            {
                replyLinks.TryRemove(new KeyValuePair<string, ListenerLink>(targetAddress, link));
            }
        });
    }

    public void AddReceiver(EntityReceiverLink receiver) => receivers[receiver] = 0;

    public void RemoveReceiver(EntityReceiverLink receiver) => receivers.TryRemove(receiver, out _);

    /// <summary>The entity receivers on one AMQP session of this connection, or on all of them.</summary>
    public List<EntityReceiverLink> ReceiversOn(Session? session) =>
        [.. receivers.Keys.Where(receiver => session is null || ReferenceEquals(receiver.Link.Session, session))];

    /// <summary>The link named by the request's reply-to; without one, the receiver of the node on the request link's session.</summary>
    public bool TryGetReplyLink(string? replyTo, Link requestLink, string node, out ListenerLink link)
    {
        if (replyTo is not null)
        {
            return replyLinks.TryGetValue(replyTo, out link!);
        }

        return replyLinksByNode.TryGetValue((requestLink.Session, node.ToUpperInvariant()), out link!);
    }
}
