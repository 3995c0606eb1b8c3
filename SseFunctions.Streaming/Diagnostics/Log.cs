using Microsoft.Extensions.Logging;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.Diagnostics;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Stream opened (Last-Event-ID {LastEventId})")]
    public static partial void StreamOpened(ILogger logger, long lastEventId);

    [LoggerMessage(2, LogLevel.Information, "Stream ended: {Outcome} after {TokenCount} tokens")]
    public static partial void StreamEnded(ILogger logger, string outcome, int tokenCount);

    [LoggerMessage(3, LogLevel.Warning, "Service Bus unavailable for a new stream: {Reason}")]
    public static partial void ServiceBusUnavailable(ILogger logger, string reason, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Stream failed: {Reason}")]
    public static partial void StreamFailed(ILogger logger, string reason, Exception? exception);

    [LoggerMessage(10, LogLevel.Information, "Session accepted (locked until {LockedUntil:o})")]
    public static partial void SessionAccepted(ILogger logger, DateTimeOffset lockedUntil);

    [LoggerMessage(11, LogLevel.Debug, "Session is locked by another receiver; retrying in {Delay}")]
    public static partial void SessionLockedElsewhere(ILogger logger, TimeSpan delay);

    [LoggerMessage(12, LogLevel.Warning, "Session receiver lost ({Reason}); recovering in {Delay}")]
    public static partial void SessionRecovering(ILogger logger, ServiceBusFailureReason reason, TimeSpan delay, Exception exception);

    [LoggerMessage(13, LogLevel.Error, "Session receiver failed for good: {Reason}")]
    public static partial void SessionFailed(ILogger logger, string reason, Exception exception);

    [LoggerMessage(14, LogLevel.Information, "Session released")]
    public static partial void SessionReleased(ILogger logger);

    [LoggerMessage(15, LogLevel.Debug, "Message {SequenceNumber} for chat message {OtherChatMessageId}: no stream took it in time; completed and dropped")]
    public static partial void MessageDropped(ILogger logger, long sequenceNumber, string otherChatMessageId);

    [LoggerMessage(16, LogLevel.Warning, "Message {SequenceNumber} is malformed and was dead-lettered: {Description}")]
    public static partial void MessageDeadLettered(ILogger logger, long sequenceNumber, string description);

    [LoggerMessage(17, LogLevel.Debug, "Settling message {SequenceNumber} failed; it will be redelivered and deduplicated")]
    public static partial void SettlementFailed(ILogger logger, long sequenceNumber, Exception exception);

    [LoggerMessage(18, LogLevel.Warning, "Closing the session receiver failed")]
    public static partial void CloseFailed(ILogger logger, Exception exception);

    [LoggerMessage(19, LogLevel.Warning, "Renewing the session lock failed: the lock counts as lost")]
    public static partial void SessionLockRenewalFailed(ILogger logger, Exception exception);

    [LoggerMessage(20, LogLevel.Error, "Message {SequenceNumber} could not be read; it is dead-lettered and the session goes on")]
    public static partial void MessageUnreadable(ILogger logger, long sequenceNumber, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "The connection took no data for {Seconds} s ({Limit}): the stream ends")]
    public static partial void StreamWriteTimedOut(ILogger logger, double seconds, string limit);

    [LoggerMessage(6, LogLevel.Error, "Stream failed unexpectedly")]
    public static partial void StreamError(ILogger logger, Exception exception);

    [LoggerMessage(7, LogLevel.Information, "Stream ended by the host's shutdown")]
    public static partial void StreamShutDown(ILogger logger);
}
