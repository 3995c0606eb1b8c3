using Amqp.Types;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>The AMQP error conditions the Service Bus SDKs map to their exception reasons.</summary>
public static class ErrorConditions
{
    public static readonly Symbol NotFound = "amqp:not-found";
    public static readonly Symbol UnauthorizedAccess = "amqp:unauthorized-access";
    public static readonly Symbol NotAllowed = "amqp:not-allowed";
    public static readonly Symbol NotImplemented = "amqp:not-implemented";
    public static readonly Symbol InternalError = "amqp:internal-error";
    public static readonly Symbol DecodeError = "amqp:decode-error";
    public static readonly Symbol InvalidField = "amqp:invalid-field";
    public static readonly Symbol MessageSizeExceeded = "amqp:link:message-size-exceeded";
    public static readonly Symbol Timeout = "com.microsoft:timeout";
    public static readonly Symbol SessionCannotBeLocked = "com.microsoft:session-cannot-be-locked";
    public static readonly Symbol SessionLockLost = "com.microsoft:session-lock-lost";
    public static readonly Symbol MessageLockLost = "com.microsoft:message-lock-lost";
    public static readonly Symbol ArgumentError = "com.microsoft:argument-error";
}
