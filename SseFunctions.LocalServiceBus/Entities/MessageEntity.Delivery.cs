using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Delivery: credit from the client's flow, drains, the pumps that hand messages to receivers in order.</summary>
public sealed partial class MessageEntity
{
    internal void MarkAttached(EntityReceiverLink receiver)
    {
        lock (gate)
        {
            receiver.IsAttached = !receiver.IsClosed;
        }
    }

    /// <summary>The client sent a flow (credit, or a drain): deliver what is available.</summary>
    public void UpdateCredit(EntityReceiverLink receiver, ClientFlow flow, DeferredWork work)
    {
        lock (gate)
        {
            if (!receiver.IsAttached || receiver.IsClosed)
            {
                return;
            }

            // Credit = the client's delivery limit − the transfers decided so far (both wrap like sequence numbers).
            receiver.Credit = Math.Max(0, unchecked((int)(flow.DeliveryLimit - receiver.DeliveryCount)));
            var draining = flow.Drain;
            if (SessionsEnabled)
            {
                if (receiver.Session is { } session && session.Owner == receiver)
                {
                    PumpSessionLocked(session, work);
                }
            }
            else
            {
                PumpLocked(work);
            }

            // Answered also at zero credit: the .NET SDK finishes a drain only on the broker's flow frame.
            if (draining)
            {
                receiver.Credit = 0;
                receiver.EnqueueDrainCompleted();
                work.Flush(receiver);
            }
        }
    }

    void PumpSessionLocked(MessageSession session, DeferredWork work)
    {
        var owner = session.Owner;
        if (owner is null || !owner.IsAttached)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        while (owner.Credit > 0 && session.Available.Count > 0)
        {
            var message = session.Available.Min!;
            session.Available.Remove(message);
            if (message.IsExpired(now))
            {
                activeCount--;
                continue;
            }

            DeliverLocked(owner, message, session.LockedUntilUtc, work);
        }
    }

    void PumpLocked(DeferredWork work)
    {
        if (available.Count == 0 || receivers.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow().UtcDateTime;
        while (available.Count > 0)
        {
            var receiver = NextReceiverWithCredit();
            if (receiver is null)
            {
                return;
            }

            var message = available.Min!;
            available.Remove(message);
            if (message.IsExpired(now))
            {
                activeCount--;
                continue;
            }

            DeliverLocked(receiver, message, now + Properties.LockDuration, work);
        }
    }

    EntityReceiverLink? NextReceiverWithCredit()
    {
        for (var i = 0; i < receivers.Count; i++)
        {
            var receiver = receivers[(nextReceiver + i) % receivers.Count];
            if (receiver.Credit > 0 && receiver.IsAttached)
            {
                nextReceiver = (nextReceiver + i + 1) % receivers.Count;
                return receiver;
            }
        }

        return null;
    }

    void DeliverLocked(EntityReceiverLink receiver, EntityMessage message, DateTime lockedUntilUtc, DeferredWork work)
    {
        receiver.Credit--;
        receiver.DeliveryCount++;
        var lockToken = Guid.NewGuid();
        var outgoing = new OutgoingMessage(message, lockToken);
        activeCount--;
        if (receiver.ReceiveAndDelete)
        {
            message.ToAmqpMessage(outgoing, null);
            if (message.Session is { } removedFrom)
            {
                UpdateReadinessLocked(removedFrom, work);
            }
        }
        else
        {
            message.LockToken = lockToken;
            message.Holder = receiver;
            message.LockedUntilUtc = lockedUntilUtc;
            lockedCount++;
            if (message.Session is { } session)
            {
                session.LockedMessageCount++;
            }

            receiver.Unsettled[lockToken] = message;
            message.ToAmqpMessage(outgoing, lockedUntilUtc);
        }

        receiver.Enqueue(outgoing);
        work.Flush(receiver);
    }
}
