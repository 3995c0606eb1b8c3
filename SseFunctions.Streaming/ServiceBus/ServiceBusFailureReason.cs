namespace SseFunctions.Streaming.ServiceBus;

/// <summary>Why a Service Bus operation failed; named after Azure.Messaging.ServiceBus's enum of the same name.</summary>
public enum ServiceBusFailureReason
{
    GeneralError,
    MessagingEntityNotFound,
    MessageLockLost,
    MessageSizeExceeded,
    ServiceTimeout,
    ServiceBusy,
    /// <summary>The connection was lost or could not be made.</summary>
    ServiceCommunicationProblem,
    SessionCannotBeLocked,
    SessionLockLost,
    Unauthorized,
}
