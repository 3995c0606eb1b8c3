using Azure.Identity;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>What the SDK's failures mean to the engine, and how they are named to a client.</summary>
internal static class ServiceBusFailures
{
    /// <summary>What the SDK throws when a session link or connection goes: <see cref="ServiceBusException"/> (lost lock,
    /// transient), <see cref="ObjectDisposedException"/> (the receiver it closed), or <see cref="OperationCanceledException"/>
    /// (an aborted link, not our token). <see cref="ServiceBusFailureReason.QuotaExceeded"/> too: the SDK's connection
    /// holds at most 8,191 AMQP sessions and every receiver takes one, and one more for its lock renewals, so an open
    /// stream retries while others release theirs.</summary>
    public static bool IsRecoverable(Exception exception) => exception switch
    {
        ServiceBusException serviceBus => serviceBus.IsTransient
            || serviceBus.Reason is ServiceBusFailureReason.SessionLockLost or ServiceBusFailureReason.SessionCannotBeLocked or ServiceBusFailureReason.QuotaExceeded,
        ObjectDisposedException or OperationCanceledException => true,
        _ => false,
    };

    /// <summary>Why a held session receiver was lost, as a <see cref="ServiceBusException"/> with a reason.</summary>
    public static ServiceBusException AsSessionLoss(Exception? failure, ServiceBusSessionReceiver? receiver) => failure switch
    {
        ServiceBusException serviceBus => serviceBus,
        _ when failure is null or ObjectDisposedException || receiver?.IsClosed == true => new ServiceBusException(
            "Service Bus closed the session receiver (its lock or its connection was lost).",
            ServiceBusFailureReason.SessionLockLost,
            receiver?.EntityPath,
            failure),
        _ => new ServiceBusException($"The session receiver failed: {failure.Message}", ServiceBusFailureReason.ServiceCommunicationProblem, receiver?.EntityPath, failure),
    };

    /// <summary>What went wrong with Service Bus in a few words a client may see: never a key, token or address.</summary>
    public static string Describe(Exception exception) => exception switch
    {
        ServiceBusException serviceBus => serviceBus.Reason.ToString(),

        // The SDK maps amqp:unauthorized-access (a wrong key, an expired signature, a missing role) to this.
        UnauthorizedAccessException => "Unauthorized",
        AuthenticationFailedException => "CredentialUnavailable",
        _ => nameof(ServiceBusFailureReason.GeneralError),
    };
}
