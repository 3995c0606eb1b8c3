using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>
/// A client's receiver on a queue, subscription or dead-letter queue (the broker sends). Its credit, unsettled
/// deliveries and session are guarded by the entity's gate; deliveries leave through an ordered outbox, outside the gate.
/// </summary>
public sealed class EntityReceiverLink
{
    static readonly object DrainCompleted = new();
    readonly ConcurrentQueue<object> outbox = new();
    readonly Attach attach;
    readonly ILogger logger;
    int flushing;

    public EntityReceiverLink(ListenerLink link, Attach attach, MessageEntity entity, bool wantsSession, string? requestedSessionId, ILogger logger)
    {
        Link = link;
        this.attach = attach;
        Entity = entity;
        WantsSession = wantsSession;
        RequestedSessionId = requestedSessionId;
        ReceiveAndDelete = attach.SndSettleMode == SenderSettleMode.Settled;
        DeliveryCount = attach.InitialDeliveryCount; // AMQPNetLite answers the attach with the client's value
        this.logger = logger;
    }

    public ListenerLink Link { get; }

    public MessageEntity Entity { get; }

    public string Name => Link.Name;

    public bool WantsSession { get; }

    public string? RequestedSessionId { get; }

    public bool ReceiveAndDelete { get; }

    // The members below are guarded by Entity's gate.
    public int Credit { get; set; }

    /// <summary>Transfers decided for this link so far, counted from the initial delivery count (AMQP's sender delivery-count).</summary>
    public uint DeliveryCount { get; set; }

    public bool IsAttached { get; set; }

    public bool IsClosed { get; set; }

    public MessageSession? Session { get; set; }

    public PendingSessionAccept? PendingAccept { get; set; }

    public Dictionary<Guid, EntityMessage> Unsettled { get; } = [];

    /// <summary>Attach timeout the client announced (<c>com.microsoft:timeout</c>, milliseconds), if any.</summary>
    public TimeSpan? ClientTimeout
    {
        get
        {
            if (attach.Properties is { } properties && properties.TryGetValue(ServiceBusAmqpNames.LinkTimeout, out var value))
            {
                return value switch
                {
                    uint ms => TimeSpan.FromMilliseconds(ms),
                    int ms => TimeSpan.FromMilliseconds(ms),
                    long ms => TimeSpan.FromMilliseconds(ms),
                    ulong ms => TimeSpan.FromMilliseconds(ms),
                    _ => null,
                };
            }

            return null;
        }
    }

    /// <summary>The client's last flow on this link, read from its frames.</summary>
    public bool TryGetClientFlow(out ClientFlow flow)
    {
        flow = default;
        return ClientFlowTracker.For(Link.Session.Connection) is { } flows && flows.TryGetFlow(Name, out flow);
    }

    /// <summary>Called under the gate: queues a delivery; <see cref="Flush"/> sends it.</summary>
    public void Enqueue(OutgoingMessage message) => outbox.Enqueue(message);

    /// <summary>Called under the gate: after the queued deliveries, tell the client its drain is done.</summary>
    public void EnqueueDrainCompleted() => outbox.Enqueue(DrainCompleted);

    /// <summary>Sends the queued deliveries in order; any thread may call it, one sends at a time.</summary>
    public void Flush()
    {
        while (!outbox.IsEmpty)
        {
            if (Interlocked.CompareExchange(ref flushing, 1, 0) != 0)
            {
                return;
            }

            try
            {
                while (outbox.TryDequeue(out var item))
                {
                    try
                    {
                        if (item is OutgoingMessage message)
                        {
                            Link.SendMessage(message, message.EncodeForTransfer());
                        }
                        else if (ReferenceEquals(item, DrainCompleted))
                        {
                            // The drain's answer: no credit, drain=true (rhea reports "drained" only for that), the
                            // delivery count of the transfers sent, which the client takes as its own. Without
                            // autoRestore: AMQPNetLite would otherwise send a flow of its own on a later settlement.
                            Link.SetCredit(0, drain: true, autoRestore: false);
                        }
                    }
                    catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
                    {
                        // The link is going away; its close handler returns the unsettled messages.
                        logger.LogDebug("Delivery on link {Link} failed: {Error}", Name, exception.Message);
                    }
                }
            }
            finally
            {
                Volatile.Write(ref flushing, 0);
            }
        }
    }

    /// <summary>Answers the client's attach: success (echoing the locked session), or an error then detach.</summary>
    public void CompleteAttach(string? lockedSessionId, DateTime lockedUntilUtc, Error? error)
    {
        try
        {
            if (error is not null)
            {
                Link.CompleteAttach(attach, error);
                return;
            }

            if (lockedSessionId is not null && attach.Source is Source source)
            {
                var filters = source.FilterSet ?? new Map();
                filters[ServiceBusAmqpNames.SessionFilter] = lockedSessionId;
                source.FilterSet = filters;
                attach.Properties ??= new Fields();
                attach.Properties[ServiceBusAmqpNames.LockedUntilUtc] = lockedUntilUtc.Ticks;
            }

            AttachCompletion.Complete(Link, attach, new ReceiverLinkEndpoint(this, logger));
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
        {
            logger.LogDebug("Attach of link {Link} could not complete: {Error}", Name, exception.Message);
        }
    }

    /// <summary>Detaches the link with an error (e.g. session lock lost), without waiting for the client.</summary>
    public void Detach(Error error)
    {
        try
        {
            Link.Close(TimeSpan.Zero, error);
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
        {
            logger.LogDebug("Detach of link {Link} failed: {Error}", Name, exception.Message);
        }
    }
}
