using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>
/// A few <see cref="ServiceBusClient"/>s, each its own AMQP connection, handed out to session receivers so that no
/// connection holds more than <see cref="SessionsPerConnection"/> of them. One connection cannot hold many more: the
/// SDK opens an AMQP session for every receiver and another for its <c>$management</c> link (lock renewal), and
/// Microsoft.Azure.Amqp caps a connection at 8,192 channels (channel-max 8,191); Service Bus itself refuses links beyond
/// 4,999 per connection (<c>QuotaExceeded</c>, "Cannot allocate more handles"), about 2,500 renewing receivers.
/// </summary>
/// <remarks>
/// The first connection is filled first, the next one is opened only when every open one is full, and a connection,
/// once opened, stays until the pool is disposed (the SDK closes an idle AMQP connection by itself after a minute and
/// reopens it on the next use), so a load that hovers around a multiple of the cap does not open and close connections.
/// A lease is held for as long as its receiver is: accepted, renewed, re-accepted after a lost lock, closed.
/// </remarks>
public sealed class ServiceBusClientPool : IAsyncDisposable
{
    /// <summary>Below Service Bus's 4,999 links per connection (two per renewing receiver) with room for the
    /// connection's own <c>$cbs</c> link and senders, and below the SDK's 8,191 AMQP sessions per connection.</summary>
    public const int DefaultSessionsPerConnection = 2_000;

    private readonly object gate = new();
    private readonly Func<ServiceBusClient> createClient;
    private readonly List<Connection> connections = [];
    private bool disposed;

    /// <param name="primary">The process's client (owned by its container, never disposed here): the first connection.</param>
    /// <param name="createClient">Creates another client with the same namespace, credential and options.</param>
    /// <param name="sessionsPerConnection">How many leases one connection takes before the next one is used.</param>
    public ServiceBusClientPool(ServiceBusClient primary, Func<ServiceBusClient> createClient, int sessionsPerConnection = DefaultSessionsPerConnection)
    {
        ArgumentNullException.ThrowIfNull(primary);
        ArgumentNullException.ThrowIfNull(createClient);
        ArgumentOutOfRangeException.ThrowIfLessThan(sessionsPerConnection, 1);
        this.createClient = createClient;
        SessionsPerConnection = sessionsPerConnection;
        connections.Add(new Connection(primary, ownedByPool: false));
    }

    public int SessionsPerConnection { get; }

    /// <summary>Connections opened so far (the primary included).</summary>
    public int ConnectionCount
    {
        get
        {
            lock (gate)
            {
                return connections.Count;
            }
        }
    }

    /// <summary>Leases held now, over all connections.</summary>
    public int LeaseCount
    {
        get
        {
            lock (gate)
            {
                return connections.Sum(c => c.Leases);
            }
        }
    }

    /// <summary>A client for one more session receiver: the first connection with room, or a new one when all are full.
    /// Dispose the lease when the receiver is closed for good.</summary>
    /// <exception cref="ObjectDisposedException">The pool has been disposed (the host is stopping).</exception>
    public ServiceBusClientLease Acquire()
    {
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            var connection = connections.FirstOrDefault(c => c.Leases < SessionsPerConnection);
            if (connection is null)
            {
                connection = new Connection(createClient(), ownedByPool: true);
                connections.Add(connection);
            }

            connection.Leases++;
            return new ServiceBusClientLease(this, connection.Client);
        }
    }

    /// <summary>Disposes the clients the pool opened (the primary belongs to whoever created it).</summary>
    public async ValueTask DisposeAsync()
    {
        Connection[] owned;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            owned = connections.Where(c => c.OwnedByPool).ToArray();
        }

        foreach (var connection in owned)
        {
            await connection.Client.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void Release(ServiceBusClient client)
    {
        lock (gate)
        {
            var connection = connections.First(c => ReferenceEquals(c.Client, client));
            connection.Leases--;
        }
    }

    private sealed class Connection(ServiceBusClient client, bool ownedByPool)
    {
        public ServiceBusClient Client { get; } = client;

        public bool OwnedByPool { get; } = ownedByPool;

        public int Leases { get; set; }
    }
}
