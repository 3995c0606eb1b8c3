using Amqp.Framing;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Session locks: who holds a session, taking it over when its lock expired, next-available sessions, handing a freed session on.</summary>
public sealed partial class MessageEntity
{
    public bool IsSessionLocked(string sessionId)
    {
        lock (gate)
        {
            return sessions.TryGetValue(sessionId, out var session) && session.Owner is not null &&
                session.LockedUntilUtc > time.GetUtcNow().UtcDateTime;
        }
    }

    /// <summary>Registers a receiver and decides its attach (at once, or later for a next-available session receiver).</summary>
    public void AttachReceiver(EntityReceiverLink receiver, DeferredWork work)
    {
        lock (gate)
        {
            if (!SessionsEnabled)
            {
                if (receiver.WantsSession)
                {
                    work.CompleteAttach(receiver, null, default, new Error(ErrorConditions.NotAllowed)
                    {
                        Description = $"The entity '{Path}' does not require sessions: use a receiver without a session filter.",
                    });
                    return;
                }

                receivers.Add(receiver);
                work.CompleteAttach(receiver, null, default, null);
                return;
            }

            if (!receiver.WantsSession)
            {
                work.CompleteAttach(receiver, null, default, new Error(ErrorConditions.NotAllowed)
                {
                    Description = $"The entity '{Path}' requires sessions: accept a session to receive from it.",
                });
                return;
            }

            var now = time.GetUtcNow().UtcDateTime;
            if (receiver.RequestedSessionId is { } sessionId)
            {
                var session = GetOrCreateSessionLocked(sessionId);
                if (session.Owner is { } owner)
                {
                    if (session.LockedUntilUtc > now)
                    {
                        work.CompleteAttach(receiver, null, default, new Error(ErrorConditions.SessionCannotBeLocked)
                        {
                            Description = $"The session '{sessionId}' is locked by another receiver.",
                        });
                        return;
                    }

                    LoseSessionLockLocked(session, owner, work);

                    // Unlocking may have removed an empty session or handed it to a waiting next-available receiver.
                    session = GetOrCreateSessionLocked(sessionId);
                    if (session.Owner is not null)
                    {
                        work.CompleteAttach(receiver, null, default, new Error(ErrorConditions.SessionCannotBeLocked)
                        {
                            Description = $"The session '{sessionId}' is locked by another receiver.",
                        });
                        return;
                    }
                }

                LockSessionLocked(session, receiver, now);
                work.CompleteAttach(receiver, session.Id, session.LockedUntilUtc, null);
                return;
            }

            if (readySessions.First is { } ready)
            {
                var session = ready.Value;
                LockSessionLocked(session, receiver, now);
                work.CompleteAttach(receiver, session.Id, session.LockedUntilUtc, null);
                return;
            }

            var timeout = receiver.ClientTimeout is { } clientTimeout && clientTimeout > TimeSpan.Zero
                ? clientTimeout - TimeSpan.FromMilliseconds(Math.Min(1000, clientTimeout.TotalMilliseconds / 10))
                : TimeSpan.FromSeconds(55);
            var pending = new PendingSessionAccept(receiver, now + timeout);
            pending.Node = pendingAccepts.AddLast(pending);
            receiver.PendingAccept = pending;
        }
    }

    /// <summary>A pending next-available receiver whose client gave up before the broker answered.</summary>
    public bool TryCancelPendingAccept(EntityReceiverLink receiver)
    {
        lock (gate)
        {
            if (receiver.PendingAccept is not { Node: { } node })
            {
                return false;
            }

            pendingAccepts.Remove(node);
            receiver.PendingAccept.Node = null;
            receiver.PendingAccept = null;
            receiver.IsClosed = true;
            return true;
        }
    }

    bool TryGetLockedSessionLocked(string sessionId, out MessageSession session)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (sessions.TryGetValue(sessionId, out session!) && session.Owner is not null && session.LockedUntilUtc > now)
        {
            return true;
        }

        return false;
    }

    void LockSessionLocked(MessageSession session, EntityReceiverLink receiver, DateTime now)
    {
        session.Owner = receiver;
        session.LockedUntilUtc = now + Properties.LockDuration;
        receiver.Session = session;
        receiver.PendingAccept = null;
        lockedSessions.Add(session);
        if (session.ReadyNode is { } node)
        {
            readySessions.Remove(node);
            session.ReadyNode = null;
        }
    }

    void LoseSessionLockLocked(MessageSession session, EntityReceiverLink owner, DeferredWork work)
    {
        owner.IsClosed = true;
        owner.IsAttached = false;

        // An expired session lock counts a delivery of the messages it held (message sessions: impact of delivery count).
        UnlockSessionLocked(session, countDelivery: true, work);
        work.Detach(owner, new Error(ErrorConditions.SessionLockLost)
        {
            Description = $"The lock on session '{session.Id}' expired or was taken over.",
        });
    }

    void UnlockSessionLocked(MessageSession session, bool countDelivery, DeferredWork work)
    {
        var owner = session.Owner;
        session.Owner = null;
        lockedSessions.Remove(session);
        if (owner is not null)
        {
            ReturnUnsettledLocked(owner, countDelivery, work);
            owner.Credit = 0;
        }

        UpdateReadinessLocked(session, work);
    }

    void UpdateReadinessLocked(MessageSession session, DeferredWork work)
    {
        var ready = session.Owner is null && session.Available.Count > 0;
        if (ready && session.ReadyNode is null)
        {
            if (pendingAccepts.First is { } first)
            {
                var pending = first.Value;
                pendingAccepts.RemoveFirst();
                pending.Node = null;
                LockSessionLocked(session, pending.Receiver, time.GetUtcNow().UtcDateTime);
                work.CompleteAttach(pending.Receiver, session.Id, session.LockedUntilUtc, null);
                return;
            }

            session.ReadyNode = readySessions.AddLast(session);
        }
        else if (!ready && session.ReadyNode is { } node)
        {
            readySessions.Remove(node);
            session.ReadyNode = null;
        }

        if (session.IsEmpty)
        {
            sessions.Remove(session.Id);
        }
    }
}
