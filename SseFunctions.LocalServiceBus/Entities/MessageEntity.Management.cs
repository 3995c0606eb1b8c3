using Amqp;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>The <c>$management</c> operations: lock renewal, session state, peek.</summary>
public sealed partial class MessageEntity
{
    public (SessionOperationStatus Status, DateTime LockedUntilUtc) RenewSessionLock(string sessionId)
    {
        lock (gate)
        {
            var now = time.GetUtcNow().UtcDateTime;
            if (!sessions.TryGetValue(sessionId, out var session) || session.Owner is null || session.LockedUntilUtc <= now)
            {
                return (SessionOperationStatus.SessionLockLost, default);
            }

            session.LockedUntilUtc = now + Properties.LockDuration;
            return (SessionOperationStatus.Ok, session.LockedUntilUtc);
        }
    }

    /// <summary>Extends the locks of peek-locked messages (not of session messages: their lock is the session's); null when one is lost.</summary>
    public DateTime[]? RenewMessageLocks(IReadOnlyList<Guid> lockTokens)
    {
        lock (gate)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var messages = new EntityMessage[lockTokens.Count];
            for (var i = 0; i < lockTokens.Count; i++)
            {
                EntityMessage? found = null;
                foreach (var receiver in receivers)
                {
                    if (receiver.Unsettled.TryGetValue(lockTokens[i], out var message))
                    {
                        found = message;
                        break;
                    }
                }

                if (found is null || found.LockedUntilUtc <= now)
                {
                    return null;
                }

                messages[i] = found;
            }

            var expirations = new DateTime[messages.Length];
            for (var i = 0; i < messages.Length; i++)
            {
                messages[i].LockedUntilUtc = now + Properties.LockDuration;
                expirations[i] = messages[i].LockedUntilUtc;
            }

            return expirations;
        }
    }

    public (SessionOperationStatus Status, byte[]? State) GetSessionState(string sessionId)
    {
        lock (gate)
        {
            if (!TryGetLockedSessionLocked(sessionId, out var session))
            {
                return (SessionOperationStatus.SessionLockLost, null);
            }

            return (SessionOperationStatus.Ok, session.State);
        }
    }

    public SessionOperationStatus SetSessionState(string sessionId, byte[]? state)
    {
        lock (gate)
        {
            if (!TryGetLockedSessionLocked(sessionId, out var session))
            {
                return SessionOperationStatus.SessionLockLost;
            }

            session.State = state;
            return SessionOperationStatus.Ok;
        }
    }

    /// <summary>Messages with a sequence number from <paramref name="fromSequenceNumber"/> on, active or locked, in order.</summary>
    public IReadOnlyList<Message> Peek(long fromSequenceNumber, int maxCount, string? sessionId)
    {
        lock (gate)
        {
            var candidates = new List<EntityMessage>();
            if (SessionsEnabled)
            {
                IEnumerable<MessageSession> scope = sessionId is null
                    ? sessions.Values
                    : sessions.TryGetValue(sessionId, out var session) ? [session] : [];
                foreach (var s in scope)
                {
                    candidates.AddRange(s.Available);
                    if (s.Owner is { } owner)
                    {
                        candidates.AddRange(owner.Unsettled.Values);
                    }
                }
            }
            else
            {
                candidates.AddRange(available);
                foreach (var receiver in receivers)
                {
                    candidates.AddRange(receiver.Unsettled.Values);
                }
            }

            var now = time.GetUtcNow().UtcDateTime;
            return candidates
                .Where(m => m.SequenceNumber >= fromSequenceNumber && !m.IsExpired(now))
                .OrderBy(m => m.SequenceNumber)
                .Take(maxCount)
                .Select(m => m.ToAmqpMessage(new Message(), m.IsLocked ? (m.Session?.LockedUntilUtc ?? m.LockedUntilUtc) : null))
                .ToList();
        }
    }
}
