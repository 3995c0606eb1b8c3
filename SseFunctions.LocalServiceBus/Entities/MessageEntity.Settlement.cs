using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Protocol;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Settlement: complete, abandon, dead-letter and release; what a receiver that goes away leaves behind, and what counts as a delivery attempt.</summary>
public sealed partial class MessageEntity
{
    /// <summary>The client settled a delivery; returns the outcome to send back, or an error state when the lock is gone.</summary>
    public DeliveryState Settle(EntityReceiverLink receiver, OutgoingMessage delivery, DeliveryState? outcome, DeferredWork work)
    {
        lock (gate)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (!receiver.Unsettled.TryGetValue(delivery.LockToken, out var message))
            {
                return LockLostOutcome(receiver);
            }

            var session = message.Session;
            if (session is not null ? session.LockedUntilUtc <= now : message.LockedUntilUtc <= now)
            {
                // Expired but not yet swept: the sweeper will return it.
                return LockLostOutcome(receiver);
            }

            receiver.Unsettled.Remove(delivery.LockToken);
            ReleaseMessageLockLocked(message);
            switch (outcome)
            {
                case Accepted:
                    return outcome;
                case Rejected rejected:
                    var reason = InfoText(rejected.Error, ServiceBusAmqpNames.DeadLetterReason) ?? rejected.Error?.Description;
                    var description = InfoText(rejected.Error, ServiceBusAmqpNames.DeadLetterErrorDescription);
                    if (rejected.Error?.Info is { } info)
                    {
                        ModifyApplicationProperties(message, info, ServiceBusAmqpNames.DeadLetterReason, ServiceBusAmqpNames.DeadLetterErrorDescription);
                    }

                    activeCount++;
                    DeadLetterLocked(message, reason, description, work);
                    return new Rejected();
                case Modified modified:
                    if (modified.MessageAnnotations is { } annotations)
                    {
                        ModifyApplicationProperties(message, annotations);
                    }

                    AbandonLocked(message, work);
                    return outcome;
                default:
                    // Released (the SDK had no receive waiting for it): back in line, not a delivery attempt.
                    activeCount++;
                    MakeAvailableLocked(message, work);
                    return outcome ?? new Released();
            }
        }
    }

    /// <summary>The link went away (detach, connection loss): free its session and return its unsettled messages at once.</summary>
    public void DetachReceiver(EntityReceiverLink receiver, DeferredWork work)
    {
        lock (gate)
        {
            if (receiver.IsClosed)
            {
                return;
            }

            receiver.IsClosed = true;
            receiver.IsAttached = false;
            if (receiver.PendingAccept is { Node: { } node })
            {
                pendingAccepts.Remove(node);
                receiver.PendingAccept.Node = null;
            }

            if (receiver.Session is { } session)
            {
                if (session.Owner == receiver)
                {
                    // Closing a session receiver does not count a delivery of its unsettled messages (Service Bus);
                    // a lock that expired before the sweeper saw it does.
                    var expired = session.LockedUntilUtc <= time.GetUtcNow().UtcDateTime;
                    UnlockSessionLocked(session, countDelivery: expired, work);
                }

                return;
            }

            // A peek-lock receiver that goes away abandons its unsettled messages (Service Bus counts them).
            receivers.Remove(receiver);
            ReturnUnsettledLocked(receiver, countDelivery: true, work);
            PumpLocked(work);
        }
    }

    static string? InfoText(Error? error, string key)
    {
        if (error?.Info is not { } info)
        {
            return null;
        }

        Symbol symbol = key;
        return info.TryGetValue(symbol, out var value) ? value?.ToString() : null;
    }

    /// <summary>Properties to modify (abandon, dead-letter) become application properties of the message, as in Service Bus.</summary>
    static void ModifyApplicationProperties(EntityMessage message, Map values, params string[] except)
    {
        var properties = message.CopyApplicationProperties();
        var changed = false;
        foreach (var key in values.Keys)
        {
            var name = key.ToString()!;
            if (except.Contains(name))
            {
                continue;
            }

            properties[name] = values[key];
            changed = true;
        }

        if (changed)
        {
            message.ModifiedApplicationProperties = properties;
        }
    }

    DeliveryState LockLostOutcome(EntityReceiverLink receiver) => new Rejected
    {
        Error = receiver.WantsSession
            ? new Error(ErrorConditions.SessionLockLost) { Description = "The session lock was lost: accept the session again." }
            : new Error(ErrorConditions.MessageLockLost) { Description = "The message lock was lost or the message was already settled." },
    };

    /// <summary>Puts a receiver's unsettled messages back in line without delivering them (the caller pumps or hands the session on).</summary>
    void ReturnUnsettledLocked(EntityReceiverLink receiver, bool countDelivery, DeferredWork work)
    {
        if (receiver.Unsettled.Count == 0)
        {
            return;
        }

        foreach (var message in receiver.Unsettled.Values)
        {
            ReleaseMessageLockLocked(message);
            activeCount++;
            if (countDelivery && CountFailedDeliveryLocked(message, work))
            {
                continue;
            }

            if (message.Session is { } session)
            {
                session.Available.Add(message);
            }
            else
            {
                available.Add(message);
            }
        }

        receiver.Unsettled.Clear();
    }

    void ReleaseMessageLockLocked(EntityMessage message)
    {
        message.Holder = null;
        lockedCount--;
        if (message.Session is { } session)
        {
            session.LockedMessageCount--;
        }
    }

    /// <summary>A failed delivery: back in line, or to the dead-letter queue at the max delivery count.</summary>
    void AbandonLocked(EntityMessage message, DeferredWork work)
    {
        activeCount++;
        if (!CountFailedDeliveryLocked(message, work))
        {
            MakeAvailableLocked(message, work);
        }
    }

    /// <summary>Counts a failed delivery of a message counted active and in no list; true when that dead-lettered it.</summary>
    bool CountFailedDeliveryLocked(EntityMessage message, DeferredWork work)
    {
        message.DeliveryCount++;
        if (message.DeliveryCount < Properties.MaxDeliveryCount)
        {
            return false;
        }

        DeadLetterLocked(message, MaxDeliveryCountExceeded,
            $"Message could not be consumed after {Properties.MaxDeliveryCount} delivery attempts.", work);
        return true;
    }
}
