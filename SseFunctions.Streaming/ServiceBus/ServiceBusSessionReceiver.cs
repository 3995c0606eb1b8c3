namespace SseFunctions.Streaming.ServiceBus;

// API CONTRACT (issue 3): signatures are fixed; bodies are being written on the client branch.
public class ServiceBusSessionReceiver : IAsyncDisposable
{
    /// <summary>For mocking.</summary>
    protected ServiceBusSessionReceiver() { }

    public virtual string SessionId => throw new NotImplementedException();

    public virtual string EntityPath => throw new NotImplementedException();

    public virtual DateTimeOffset SessionLockedUntil => throw new NotImplementedException();

    public virtual bool IsClosed => throw new NotImplementedException();

    /// <summary>Waits up to <paramref name="maxWaitTime"/> for at least one message, returns up to <paramref name="maxMessages"/>; empty when none came.
    /// Throws <see cref="ServiceBusException"/> (SessionLockLost, ServiceCommunicationProblem, ...) when the session link is gone.</summary>
    public virtual Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task<ServiceBusReceivedMessage?> ReceiveMessageAsync(TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task RenewSessionLockAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task<BinaryData?> GetSessionStateAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task SetSessionStateAsync(BinaryData? sessionState, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Closes the link: the session lock is released and unsettled messages return to the subscription.</summary>
    public virtual Task CloseAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual ValueTask DisposeAsync() => throw new NotImplementedException();
}
