namespace SseFunctions.Streaming.ServiceBus;

public enum ServiceBusReceiveMode
{
    PeekLock,
    ReceiveAndDelete,
}
