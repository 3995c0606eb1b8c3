using System.Net.Sockets;
using Amqp;
using Amqp.Framing;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Maps AMQP error conditions and transport failures to <see cref="ServiceBusException"/>s.
/// Messages name the entity and the condition, never a key or a token.</summary>
internal static class AmqpErrors
{
    public static ServiceBusFailureReason ToReason(string? condition) => condition switch
    {
        AmqpConstants.SessionLockLostCondition => ServiceBusFailureReason.SessionLockLost,
        AmqpConstants.SessionCannotBeLockedCondition => ServiceBusFailureReason.SessionCannotBeLocked,
        AmqpConstants.MessageLockLostCondition => ServiceBusFailureReason.MessageLockLost,
        AmqpConstants.NotFoundCondition or AmqpConstants.EntityNotFoundCondition => ServiceBusFailureReason.MessagingEntityNotFound,
        AmqpConstants.UnauthorizedCondition => ServiceBusFailureReason.Unauthorized,
        AmqpConstants.TimeoutCondition => ServiceBusFailureReason.ServiceTimeout,
        AmqpConstants.ServerBusyCondition or AmqpConstants.ResourceLimitExceededCondition => ServiceBusFailureReason.ServiceBusy,
        AmqpConstants.MessageSizeExceededCondition => ServiceBusFailureReason.MessageSizeExceeded,
        AmqpConstants.DetachForcedCondition => ServiceBusFailureReason.ServiceCommunicationProblem,
        not null when condition.StartsWith("amqp:connection:", StringComparison.Ordinal) => ServiceBusFailureReason.ServiceCommunicationProblem,
        not null when condition.StartsWith("amqp:session:", StringComparison.Ordinal) => ServiceBusFailureReason.ServiceCommunicationProblem,
        _ => ServiceBusFailureReason.GeneralError,
    };

    public static ServiceBusException FromError(Error? error, string? entityPath, string operation, ServiceBusFailureReason? whenNoError = null)
    {
        var condition = error?.Condition.ToString();
        var reason = condition is null ? whenNoError ?? ServiceBusFailureReason.GeneralError : ToReason(condition);
        var description = string.IsNullOrEmpty(error?.Description) ? null : error!.Description;
        var message = entityPath is null
            ? $"{operation} failed: {condition ?? "no error condition"}{(description is null ? string.Empty : " (" + description + ")")}."
            : $"{operation} on '{entityPath}' failed: {condition ?? "no error condition"}{(description is null ? string.Empty : " (" + description + ")")}.";
        return new ServiceBusException(message, reason, entityPath);
    }

    /// <summary>Wraps any exception thrown by the AMQP stack or the transport; a <see cref="ServiceBusException"/> passes through.</summary>
    public static ServiceBusException Translate(Exception exception, string? entityPath, string operation) => exception switch
    {
        ServiceBusException sbe => sbe,
        AmqpException amqp => WithInner(FromError(amqp.Error, entityPath, operation), amqp),
        TimeoutException => new ServiceBusException($"{operation} on '{entityPath ?? "the namespace"}' timed out.", ServiceBusFailureReason.ServiceTimeout, entityPath, exception),
        SocketException or IOException or ObjectDisposedException or System.Security.Authentication.AuthenticationException
            => new ServiceBusException($"{operation} on '{entityPath ?? "the namespace"}' failed: the connection to Service Bus failed ({exception.GetType().Name}: {exception.Message}).", ServiceBusFailureReason.ServiceCommunicationProblem, entityPath, exception),
        _ => new ServiceBusException($"{operation} on '{entityPath ?? "the namespace"}' failed: {exception.GetType().Name}: {exception.Message}", ServiceBusFailureReason.GeneralError, entityPath, exception),
    };

    public static ServiceBusException ConnectionLost(string? entityPath, string operation, Error? error = null)
    {
        var condition = error?.Condition.ToString();
        return new ServiceBusException(
            $"{operation} on '{entityPath ?? "the namespace"}' failed: the connection to Service Bus was lost{(condition is null ? string.Empty : " (" + condition + ")")}.",
            ServiceBusFailureReason.ServiceCommunicationProblem,
            entityPath);
    }

    private static ServiceBusException WithInner(ServiceBusException e, Exception inner) =>
        new(e.Message, e.Reason, e.EntityPath, inner);
}
