using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Management;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>The AMQPNetLite container: decides every attach ($cbs, $management, senders, receivers) and reads incoming transfers.</summary>
public sealed class BrokerContainer : IContainer
{
    readonly ConcurrentDictionary<Connection, ConnectionContext> connections = new();
    readonly ConditionalWeakTable<Link, EntityReceiverLink> receiversByLink = new();
    readonly EntityRegistry registry;
    readonly CbsRequestHandler cbs;
    readonly ManagementRequestHandler management;
    readonly TimeProvider time;
    readonly int maxMessageSize;
    readonly ILogger logger;

    public BrokerContainer(EntityRegistry registry, SasTokenValidator validator, TimeProvider time, int maxMessageSize, TcpAcceptor acceptor, ILogger logger)
    {
        this.registry = registry;
        this.time = time;
        this.maxMessageSize = maxMessageSize;
        this.logger = logger;
        cbs = new CbsRequestHandler(validator, logger);
        management = new ManagementRequestHandler(logger);
        CustomTransports = new Dictionary<string, TransportProvider> { [TcpAcceptor.Scheme] = acceptor };
    }

    public int ConnectionCount => connections.Count;

    public X509Certificate2 ServiceCertificate => throw new InvalidOperationException("LocalServiceBus listens without TLS.");

    public IDictionary<string, TransportProvider> CustomTransports { get; }

    public Message CreateMessage(ByteBuffer buffer)
    {
        if (buffer.Length > maxMessageSize)
        {
            return new UnreadableMessage(ErrorConditions.MessageSizeExceeded,
                $"The message is {buffer.Length} bytes; the maximum message size is {maxMessageSize} bytes.");
        }

        try
        {
            return Message.Decode(buffer);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return new UnreadableMessage(ErrorConditions.DecodeError, "The message could not be decoded: " + exception.Message);
        }
    }

    public Link CreateLink(ListenerConnection connection, ListenerSession session, Attach attach) => new ListenerLink(session, attach);

    public bool AttachLink(ListenerConnection connection, ListenerSession session, Link link, Attach attach)
    {
        var context = GetContext(connection);
        var listenerLink = (ListenerLink)link;
        return attach.Role
            ? AttachClientReceiver(context, listenerLink, attach)
            : AttachClientSender(context, listenerLink, attach);
    }

    /// <summary>
    /// A client's detach, before AMQPNetLite answers it: the receiver's session lock and messages are released first, so a
    /// client that accepts the session again once its close completed finds it free. A detach that arrives before the
    /// broker answered a pending attach gets that answer first, so the link can close.
    /// </summary>
    public void OnRemoteDetach(Link link)
    {
        if (receiversByLink.TryGetValue(link, out var receiver))
        {
            ReleaseBeforeReply(receiver);
        }
    }

    /// <summary>A client's end of an AMQP session or close of the connection (session null): its receivers, released before the reply.</summary>
    public void OnRemoteEnd(Connection connection, Session? session)
    {
        if (connections.TryGetValue(connection, out var context))
        {
            foreach (var receiver in context.ReceiversOn(session))
            {
                ReleaseBeforeReply(receiver);
            }
        }
    }

    static void ReleaseBeforeReply(EntityReceiverLink receiver)
    {
        if (receiver.Entity.TryCancelPendingAccept(receiver))
        {
            receiver.CompleteAttach(null, default, new Error(ErrorConditions.Timeout) { Description = "The receiver was closed while waiting for a session." });
            return;
        }

        var work = new DeferredWork();
        receiver.Entity.DetachReceiver(receiver, work);
        work.Run();
    }

    ConnectionContext GetContext(ListenerConnection connection)
    {
        if (connections.TryGetValue(connection, out var existing))
        {
            return existing;
        }

        var authorization = new ConnectionAuthorization(time) { HasFullAccess = connection.Principal?.Identity?.AuthenticationType == "PLAIN" };
        var context = connections.GetOrAdd(connection, c => new ConnectionContext((ListenerConnection)c, authorization));
        connection.AddClosedCallback((sender, error) =>
        {
            connections.TryRemove((Connection)sender, out _);
            logger.LogDebug("Connection {Connection} closed: {Error}", context.Id, error?.Description);
        });
        logger.LogDebug("Connection {Connection} opened", context.Id);
        return context;
    }

    bool AttachClientReceiver(ConnectionContext context, ListenerLink link, Attach attach)
    {
        var address = (attach.Source as Source)?.Address;
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new AmqpException(ErrorConditions.InvalidField, "The receiver's source address is empty.");
        }

        var path = EntityRegistry.NormalizePath(address);
        if (string.Equals(path, ServiceBusAmqpNames.CbsAddress, StringComparison.OrdinalIgnoreCase) ||
            path.EndsWith(ServiceBusAmqpNames.ManagementSuffix, StringComparison.OrdinalIgnoreCase))
        {
            context.AddReplyLink(link, attach, path);
            link.InitializeSender((_, _, _) => { }, (_, _, _, _) => { }, null);
            return true;
        }

        if (!registry.TryGetReceivable(path, out var entity))
        {
            throw new AmqpException(ErrorConditions.NotFound, $"The messaging entity '{path}' could not be found.");
        }

        Authorize(context, entity.Path);
        var (wantsSession, sessionId) = ReadSessionFilter(attach.Source as Source);
        var receiver = new EntityReceiverLink(link, attach, entity, wantsSession, sessionId, logger);
        receiversByLink.AddOrUpdate(link, receiver);
        context.AddReceiver(receiver);
        link.AddClosedCallback((_, _) =>
        {
            context.RemoveReceiver(receiver);
            var closeWork = new DeferredWork();
            receiver.Entity.DetachReceiver(receiver, closeWork);
            closeWork.Run();
        });
        attach.MaxMessageSize = (ulong)maxMessageSize;
        logger.LogDebug("Receiver {Link} on {Entity} (session {SessionId}) on connection {Connection}",
            link.Name, entity.Path, wantsSession ? sessionId ?? "<next available>" : "-", context.Id);
        var work = new DeferredWork();
        entity.AttachReceiver(receiver, work);
        work.Run();
        return false;
    }

    bool AttachClientSender(ConnectionContext context, ListenerLink link, Attach attach)
    {
        var address = (attach.Target as Target)?.Address;
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new AmqpException(ErrorConditions.InvalidField, "The sender's target address is empty.");
        }

        var path = EntityRegistry.NormalizePath(address);
        if (string.Equals(path, ServiceBusAmqpNames.CbsAddress, StringComparison.OrdinalIgnoreCase))
        {
            link.InitializeReceiver(100, (l, message, _, _) =>
            {
                l.DisposeMessage(message, new Accepted(), true);
                cbs.Handle(context, l, message);
            }, null);
            return true;
        }

        if (path.EndsWith(ServiceBusAmqpNames.ManagementSuffix, StringComparison.OrdinalIgnoreCase))
        {
            var entityPath = path[..^ServiceBusAmqpNames.ManagementSuffix.Length];
            if (!registry.TryGetReceivable(entityPath, out var managed))
            {
                throw new AmqpException(ErrorConditions.NotFound, $"The messaging entity '{entityPath}' could not be found.");
            }

            Authorize(context, managed.Path);
            link.InitializeReceiver(100, (l, message, _, _) =>
            {
                l.DisposeMessage(message, new Accepted(), true);
                management.Handle(context, l, path, managed, message);
            }, null);
            return true;
        }

        EntitySenderLink sender;
        if (registry.TryGetQueue(path, out var queue))
        {
            Authorize(context, queue.Path);
            sender = new EntitySenderLink(queue, null, time, logger);
        }
        else if (registry.TryGetTopic(path, out var topic))
        {
            Authorize(context, topic.Name);
            sender = new EntitySenderLink(null, topic, time, logger);
        }
        else
        {
            throw new AmqpException(ErrorConditions.NotFound, $"The messaging entity '{path}' could not be found.");
        }

        link.InitializeReceiver(EntitySenderLink.Credit, (l, message, _, _) => sender.OnMessage(l, message), null);
        attach.MaxMessageSize = (ulong)maxMessageSize;
        logger.LogDebug("Sender {Link} to {Entity} on connection {Connection}", link.Name, path, context.Id);
        return true;
    }

    static void Authorize(ConnectionContext context, string entityPath)
    {
        if (!context.Authorization.IsAuthorized(entityPath))
        {
            throw new AmqpException(ErrorConditions.UnauthorizedAccess,
                $"Unauthorized access to '{entityPath}': put a valid SAS token on $cbs for this entity first.");
        }
    }

    static (bool WantsSession, string? SessionId) ReadSessionFilter(Source? source)
    {
        if (source?.FilterSet is not { } filters || !filters.ContainsKey(ServiceBusAmqpNames.SessionFilter))
        {
            return (false, null);
        }

        var value = filters[ServiceBusAmqpNames.SessionFilter];
        if (value is DescribedValue described)
        {
            value = described.Value;
        }

        return (true, value as string);
    }
}
