using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>One session receiver's place on one of the <see cref="ServiceBusClientPool"/>'s connections: accept (and
/// re-accept) the session on <see cref="Client"/>, and dispose the lease once the receiver is closed for good.</summary>
public sealed class ServiceBusClientLease : IDisposable
{
    private ServiceBusClientPool? pool;

    internal ServiceBusClientLease(ServiceBusClientPool pool, ServiceBusClient client)
    {
        this.pool = pool;
        Client = client;
    }

    public ServiceBusClient Client { get; }

    /// <summary>Gives the place back; a second call does nothing.</summary>
    public void Dispose() => Interlocked.Exchange(ref pool, null)?.Release(Client);
}
