using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>The client's structured log events. None of them carries a key, a signature or a token.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to Service Bus {Host}:{Port} (connection {Generation}, attempt {Attempt}).")]
    public static partial void Connected(ILogger logger, string host, int port, long generation, int attempt);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connecting to Service Bus {Host}:{Port} failed (attempt {Attempt}); retrying in {DelayMs:0} ms.")]
    public static partial void ConnectFailed(ILogger logger, Exception exception, string host, int port, int attempt, double delayMs);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "The connection to Service Bus {Host} was lost (connection {Generation}): {Condition} {Description}")]
    public static partial void ConnectionLost(ILogger logger, string host, long generation, string? condition, string? description);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Authorized {Audience} with a {TokenType} token valid until {ExpiresOn:O}.")]
    public static partial void TokenPut(ILogger logger, string audience, string tokenType, DateTimeOffset expiresOn);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Refreshing the token of {Audience} failed; retrying in {RetrySeconds:0.#} s.")]
    public static partial void TokenRefreshFailed(ILogger logger, Exception exception, string audience, double retrySeconds);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Accepted session {SessionId} on {EntityPath}, locked until {LockedUntil:O}.")]
    public static partial void SessionAccepted(ILogger logger, string entityPath, string sessionId, DateTimeOffset lockedUntil);

    [LoggerMessage(EventId = 11, Level = LogLevel.Debug, Message = "Closed session {SessionId} on {EntityPath}.")]
    public static partial void SessionClosed(ILogger logger, string entityPath, string sessionId);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Session {SessionId} on {EntityPath} was lost: {Reason} ({Condition}).")]
    public static partial void SessionLost(ILogger logger, string entityPath, string sessionId, ServiceBusFailureReason reason, string? condition);

    [LoggerMessage(EventId = 16, Level = LogLevel.Debug, Message = "Session {SessionId} on {EntityPath} was lost with the connection ({Condition}).")]
    public static partial void SessionLostWithConnection(ILogger logger, string entityPath, string sessionId, string? condition);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "Renewed the lock of session {SessionId} on {EntityPath} until {LockedUntil:O}.")]
    public static partial void SessionLockRenewed(ILogger logger, string entityPath, string sessionId, DateTimeOffset lockedUntil);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Renewing the lock of session {SessionId} on {EntityPath} failed ({Reason}).")]
    public static partial void SessionLockRenewFailed(ILogger logger, Exception exception, string entityPath, string sessionId, ServiceBusFailureReason reason);

    [LoggerMessage(EventId = 15, Level = LogLevel.Debug, Message = "Accepting a session on {EntityPath} failed ({Reason}); retrying in {DelayMs:0} ms (attempt {Attempt}).")]
    public static partial void AcceptRetry(ILogger logger, Exception exception, string entityPath, ServiceBusFailureReason reason, int attempt, double delayMs);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Sending to {EntityPath} failed ({Reason}); retrying in {DelayMs:0} ms (attempt {Attempt}).")]
    public static partial void SendRetry(ILogger logger, Exception exception, string entityPath, ServiceBusFailureReason reason, int attempt, double delayMs);
}
