using Amqp.Framing;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Locks that end without a settlement (expiry, an outage) and messages' time to live.</summary>
public sealed partial class MessageEntity
{
    /// <summary>Periodic: session and message locks past their time, next-available receivers past their deadline.</summary>
    public void ExpireLocks(DeferredWork work)
    {
        lock (gate)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (lockedSessions.Count > 0)
            {
                List<MessageSession>? expired = null;
                foreach (var session in lockedSessions)
                {
                    if (session.LockedUntilUtc <= now)
                    {
                        (expired ??= []).Add(session);
                    }
                }

                if (expired is not null)
                {
                    foreach (var session in expired)
                    {
                        logger.LogInformation("Session lock of {SessionId} on {Entity} expired", session.Id, Path);
                        LoseSessionLockLocked(session, session.Owner!, work);
                    }
                }
            }

            foreach (var receiver in receivers)
            {
                if (receiver.Unsettled.Count == 0)
                {
                    continue;
                }

                List<Guid>? expiredTokens = null;
                foreach (var (token, message) in receiver.Unsettled)
                {
                    if (message.LockedUntilUtc <= now)
                    {
                        (expiredTokens ??= []).Add(token);
                    }
                }

                if (expiredTokens is not null)
                {
                    foreach (var token in expiredTokens)
                    {
                        receiver.Unsettled.Remove(token, out var message);
                        ReleaseMessageLockLocked(message!);
                        AbandonLocked(message!, work);
                    }
                }
            }

            var pending = pendingAccepts.First;
            while (pending is not null)
            {
                var next = pending.Next;
                if (pending.Value.DeadlineUtc <= now)
                {
                    pendingAccepts.Remove(pending);
                    pending.Value.Node = null;
                    var receiver = pending.Value.Receiver;
                    receiver.PendingAccept = null;
                    receiver.IsClosed = true;
                    work.CompleteAttach(receiver, null, default, new Error(ErrorConditions.Timeout)
                    {
                        Description = $"No unlocked session with messages became available on '{Path}' in time.",
                    });
                }

                pending = next;
            }
        }
    }

    /// <summary>An outage: every lock is released and every receiver forgotten; messages stay.</summary>
    public void ReleaseAll(DeferredWork work)
    {
        lock (gate)
        {
            foreach (var session in lockedSessions.ToList())
            {
                var owner = session.Owner!;
                owner.IsClosed = true;
                UnlockSessionLocked(session, countDelivery: false, work);
            }

            foreach (var receiver in receivers.ToList())
            {
                receiver.IsClosed = true;
                ReturnUnsettledLocked(receiver, countDelivery: false, work);
            }

            receivers.Clear();
            foreach (var pending in pendingAccepts)
            {
                pending.Receiver.IsClosed = true;
                pending.Node = null;
            }

            pendingAccepts.Clear();
        }
    }

    DateTime ExpiryFor(BrokeredMessagePayload payload)
    {
        var ttl = Properties.DefaultMessageTimeToLive;
        if (ttl == TimeSpan.MaxValue || DateTime.MaxValue - payload.EnqueuedTimeUtc <= ttl)
        {
            return payload.ExpiresAtUtc;
        }

        var entityExpiry = payload.EnqueuedTimeUtc + ttl;
        return entityExpiry < payload.ExpiresAtUtc ? entityExpiry : payload.ExpiresAtUtc;
    }
}
