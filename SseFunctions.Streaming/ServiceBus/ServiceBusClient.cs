using Azure.Core;

namespace SseFunctions.Streaming.ServiceBus;

// API CONTRACT (issue 3): signatures are fixed; bodies are being written on the client branch.
public class ServiceBusClient : IAsyncDisposable
{
    /// <summary>For mocking.</summary>
    protected ServiceBusClient() { FullyQualifiedNamespace = string.Empty; }

    public ServiceBusClient(string connectionString, ServiceBusClientOptions? options = null) => throw new NotImplementedException();

    public ServiceBusClient(string fullyQualifiedNamespace, TokenCredential credential, ServiceBusClientOptions? options = null) => throw new NotImplementedException();

    public virtual string FullyQualifiedNamespace { get; }

    public virtual bool IsClosed => throw new NotImplementedException();

    public virtual ServiceBusSender CreateSender(string queueOrTopicName) => throw new NotImplementedException();

    public virtual Task<ServiceBusSessionReceiver> AcceptSessionAsync(string topicName, string subscriptionName, string sessionId, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual Task<ServiceBusSessionReceiver> AcceptNextSessionAsync(string topicName, string subscriptionName, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public virtual ValueTask DisposeAsync() => throw new NotImplementedException();
}
