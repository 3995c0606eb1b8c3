namespace SseFunctions.Streaming.ServiceBus;

// API CONTRACT (issue 3): signatures are fixed; bodies are being written on the client branch.
public class ServiceBusSender : IAsyncDisposable
{
    /// <summary>For mocking.</summary>
    protected ServiceBusSender() { }

    public virtual string EntityPath => throw new NotImplementedException();

    public virtual Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task CloseAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual ValueTask DisposeAsync() => throw new NotImplementedException();
}
