namespace SseFunctions.Streaming.ServiceBus;

/// <summary>A Service Bus operation failed for <see cref="Reason"/>.</summary>
public class ServiceBusException : Exception
{
    public ServiceBusException(string message, ServiceBusFailureReason reason, string? entityPath = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Reason = reason;
        EntityPath = entityPath;
    }

    public ServiceBusFailureReason Reason { get; }

    public string? EntityPath { get; }

    /// <summary>True when the same operation may succeed if tried again later.</summary>
    public bool IsTransient => Reason is ServiceBusFailureReason.ServiceTimeout
        or ServiceBusFailureReason.ServiceBusy
        or ServiceBusFailureReason.ServiceCommunicationProblem;
}
