using Amqp.Types;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Names of the Service Bus AMQP dialect (protocol guide and the official SDKs' constants).</summary>
internal static class AmqpConstants
{
    public const int AmqpPort = 5672;
    public const int AmqpsPort = 5671;

    // CBS
    public const string CbsNode = "$cbs";
    public const string PutTokenOperation = "put-token";
    public const string SasTokenType = "servicebus.windows.net:sastoken";
    public const string JwtTokenType = "jwt";
    public const string CbsStatusCode = "status-code";
    public const string CbsStatusDescription = "status-description";
    public const string OperationKey = "operation";
    public const string TypeKey = "type";
    public const string NameKey = "name";
    public const string ExpirationKey = "expiration";
    public const string ServiceBusScope = "https://servicebus.azure.net/.default";

    // $management
    public const string ManagementNodeSuffix = "/$management";
    public const string ManagementStatusCode = "statusCode";
    public const string ManagementStatusDescription = "statusDescription";
    public const string ManagementErrorCondition = "errorCondition";
    public const string RenewSessionLockOperation = "com.microsoft:renew-session-lock";
    public const string GetSessionStateOperation = "com.microsoft:get-session-state";
    public const string SetSessionStateOperation = "com.microsoft:set-session-state";
    public const string SessionIdKey = "session-id";
    public const string SessionStateKey = "session-state";
    public const string AssociatedLinkName = "associated-link-name";
    public const string ServerTimeout = "com.microsoft:server-timeout";

    // Links
    public static readonly Symbol SessionFilter = new("com.microsoft:session-filter");
    public static readonly Symbol LockedUntilUtc = new("com.microsoft:locked-until-utc");
    public static readonly Symbol LinkTimeout = new("com.microsoft:timeout");
    public static readonly Symbol EntityType = new("com.microsoft:entity-type");

    // Message annotations
    public static readonly Symbol SequenceNumber = new("x-opt-sequence-number");
    public static readonly Symbol EnqueuedTime = new("x-opt-enqueued-time");
    public static readonly Symbol LockedUntil = new("x-opt-locked-until");
    public const string DeadLetterReasonHeader = "DeadLetterReason";
    public const string DeadLetterErrorDescriptionHeader = "DeadLetterErrorDescription";

    // Error conditions
    public const string DeadLetterCondition = "com.microsoft:dead-letter";
    public const string SessionLockLostCondition = "com.microsoft:session-lock-lost";
    public const string SessionCannotBeLockedCondition = "com.microsoft:session-cannot-be-locked";
    public const string MessageLockLostCondition = "com.microsoft:message-lock-lost";
    public const string TimeoutCondition = "com.microsoft:timeout";
    public const string ServerBusyCondition = "com.microsoft:server-busy";
    public const string EntityNotFoundCondition = "com.microsoft:entity-not-found";
    public const string NotFoundCondition = "amqp:not-found";
    public const string UnauthorizedCondition = "amqp:unauthorized-access";
    public const string MessageSizeExceededCondition = "amqp:link:message-size-exceeded";
    public const string ResourceLimitExceededCondition = "amqp:resource-limit-exceeded";
    public const string DetachForcedCondition = "amqp:link:detach-forced";
}
