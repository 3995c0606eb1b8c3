namespace SseFunctions.Streaming.ServiceBus;

public class ServiceBusSessionReceiverOptions
{
    public ServiceBusReceiveMode ReceiveMode { get; set; } = ServiceBusReceiveMode.PeekLock;

    /// <summary>Link credit kept open beyond what a receive call asks for; 0 = only what is asked.</summary>
    public int PrefetchCount { get; set; }

    /// <summary>Renew the session lock in the background while the receiver is open (not in the official SDK's receiver).</summary>
    public bool AutoRenewSessionLock { get; set; } = true;

    public string? Identifier { get; set; }
}
