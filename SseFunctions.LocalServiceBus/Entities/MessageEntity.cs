using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Configuration;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>
/// A queue, a subscription or a dead-letter queue: its messages, sessions, locks and receivers.
/// One gate per entity guards all of it; critical sections never do I/O (see <see cref="DeferredWork"/>).
/// </summary>
public sealed class MessageEntity
{
    public const string MaxDeliveryCountExceeded = "MaxDeliveryCountExceeded";

    readonly Lock gate = new();
    readonly TimeProvider time;
    readonly ILogger logger;
    readonly SortedSet<EntityMessage> available = new(SequenceNumberComparer.Instance);
    readonly List<EntityReceiverLink> receivers = [];
    readonly Dictionary<string, MessageSession> sessions = new(StringComparer.Ordinal);
    readonly LinkedList<MessageSession> readySessions = new();
    readonly LinkedList<PendingSessionAccept> pendingAccepts = new();
    readonly HashSet<MessageSession> lockedSessions = [];
    int nextReceiver;
    int activeCount;
    int lockedCount;
    long lastSequenceNumber;

    public MessageEntity(string path, EntityProperties properties, bool isDeadLetterQueue, TimeProvider time, ILogger logger)
    {
        Path = path;
        Properties = properties;
        IsDeadLetterQueue = isDeadLetterQueue;
        this.time = time;
        this.logger = logger;
        if (!isDeadLetterQueue)
        {
            DeadLetterQueue = new MessageEntity(
                path + ServiceBusAmqpNames.DeadLetterQueueSuffix,
                properties with { RequiresSession = false, MaxDeliveryCount = int.MaxValue },
                isDeadLetterQueue: true,
                time,
                logger);
        }
    }

    public string Path { get; }

    public EntityProperties Properties { get; }

    public bool IsDeadLetterQueue { get; }

    public MessageEntity? DeadLetterQueue { get; }

    bool SessionsEnabled => Properties.RequiresSession && !IsDeadLetterQueue;

    public int ActiveMessageCount
    {
        get
        {
            lock (gate)
            {
                return activeCount;
            }
        }
    }

    public int LockedMessageCount
    {
        get
        {
            lock (gate)
            {
                return lockedCount;
            }
        }
    }

    public int TotalMessageCount
    {
        get
        {
            lock (gate)
            {
                return activeCount + lockedCount;
            }
        }
    }

    public long NextSequenceNumber() => Interlocked.Increment(ref lastSequenceNumber);

    public bool IsSessionLocked(string sessionId)
    {
        lock (gate)
        {
            return sessions.TryGetValue(sessionId, out var session) && session.Owner is not null &&
                session.LockedUntilUtc > time.GetUtcNow().UtcDateTime;
        }
    }

    /// <summary>Adds a sent message; returns false when it cannot be accepted (a session entity needs a session id).</summary>
    public bool Enqueue(BrokeredMessagePayload payload, long sequenceNumber, DeferredWork work)
    {
        lock (gate)
        {
            var message = new EntityMessage(payload, sequenceNumber)
            {
                ExpiresAtUtc = ExpiryFor(payload),
            };
            if (SessionsEnabled && payload.SessionId is null)
            {
                if (DeadLetterQueue is null)
                {
                    return false;
                }

                activeCount++;
                DeadLetterLocked(message, "SessionIdIsMissing", "The entity requires sessions and the message has no session id.", work);
                return true;
            }

            AddAvailableLocked(message, work);
            return true;
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

    bool TryGetLockedSessionLocked(string sessionId, out MessageSession session)
    {
        var now = time.GetUtcNow().UtcDateTime;
        if (sessions.TryGetValue(sessionId, out session!) && session.Owner is not null && session.LockedUntilUtc > now)
        {
            return true;
        }

        return false;
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

    MessageSession GetOrCreateSessionLocked(string sessionId)
    {
        if (!sessions.TryGetValue(sessionId, out var session))
        {
            session = new MessageSession(sessionId);
            sessions.Add(sessionId, session);
        }

        return session;
    }

    void AddAvailableLocked(EntityMessage message, DeferredWork work)
    {
        activeCount++;
        if (SessionsEnabled)
        {
            message.Session = GetOrCreateSessionLocked(message.Payload.SessionId!);
        }

        MakeAvailableLocked(message, work);
    }

    /// <summary>Puts a message (counted active) in line: its session's, or the entity's, and delivers if it can.</summary>
    void MakeAvailableLocked(EntityMessage message, DeferredWork work)
    {
        if (message.Session is { } session)
        {
            session.Available.Add(message);
            if (session.Owner is not null)
            {
                PumpSessionLocked(session, work);
            }
            else
            {
                UpdateReadinessLocked(session, work);
            }
        }
        else
        {
            available.Add(message);
            PumpLocked(work);
        }
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

    /// <summary>Moves a message that is counted active and not in any list to the dead-letter queue.</summary>
    void DeadLetterLocked(EntityMessage message, string? reason, string? description, DeferredWork work)
    {
        activeCount--;
        var session = message.Session;
        if (DeadLetterQueue is null)
        {
            return;
        }

        var properties = message.CopyApplicationProperties();
        properties[ServiceBusAmqpNames.DeadLetterReason] = reason ?? "";
        properties[ServiceBusAmqpNames.DeadLetterErrorDescription] = description ?? "";
        var deadLettered = new EntityMessage(message.Payload, message.SequenceNumber)
        {
            ExpiresAtUtc = DateTime.MaxValue,
            DeliveryCount = message.DeliveryCount,
            ModifiedApplicationProperties = properties,
        };
        logger.LogInformation("Message {SequenceNumber} of {Entity} dead-lettered: {Reason}", message.SequenceNumber, Path, reason);
        DeadLetterQueue.AddDeadLettered(deadLettered, work);
        if (session is not null)
        {
            UpdateReadinessLocked(session, work);
        }
    }

    void AddDeadLettered(EntityMessage message, DeferredWork work)
    {
        lock (gate)
        {
            AddAvailableLocked(message, work);
        }
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
