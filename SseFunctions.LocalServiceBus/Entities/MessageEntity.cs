using Amqp;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Configuration;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Sessions;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>
/// A queue, a subscription or a dead-letter queue: its messages, sessions, locks and receivers.
/// One gate per entity guards all of it; critical sections never do I/O (see <see cref="DeferredWork"/>). Its rules live in
/// one file each: sessions, delivery, settlement, expiry, management.
/// </summary>
public sealed partial class MessageEntity
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
}
