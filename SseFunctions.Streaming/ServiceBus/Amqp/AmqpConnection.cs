using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Amqp.Sasl;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>One open AMQP connection with what lives and dies with it: the session pool, the <c>$cbs</c> link,
/// the authorised audiences (with their refresh timers) and the <c>$management</c> link pairs (one per entity).</summary>
internal sealed class AmqpConnection : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<AudienceAuthorization>> _audiences = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<RequestResponseLink>>> _management = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private readonly ILogger _logger;
    private CbsClient? _cbs;
    private int _disposed;

    private AmqpConnection(Connection connection, AmqpConnectionScope scope, long generation)
    {
        Connection = connection;
        Scope = scope;
        Generation = generation;
        Sessions = new SessionPool(connection);
        _logger = scope.Logger;
    }

    public Connection Connection { get; }

    public AmqpConnectionScope Scope { get; }

    /// <summary>1 for the first connection of the client, +1 for every reconnection.</summary>
    public long Generation { get; }

    public SessionPool Sessions { get; }

    public CbsTokenProvider TokenProvider => Scope.TokenProvider;

    public RetryPolicy Retry => Scope.Retry;

    public CbsClient Cbs => _cbs ?? throw new InvalidOperationException("CBS is not open.");

    /// <summary>Cancelled when the connection is closed or lost.</summary>
    public CancellationToken Closed => _closed.Token;

    public bool IsClosed => _closed.IsCancellationRequested || Connection.IsClosed;

    public Error? Error => Connection.Error;

    public static async Task<AmqpConnection> OpenAsync(AmqpConnectionScope scope, long generation, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory();
        factory.SASL.Profile = SaslProfile.Anonymous;
        factory.AMQP.MaxFrameSize = 256 * 1024;
        factory.TCP.NoDelay = true;
        if (scope.UseTls && scope.RemoteCertificateValidation is { } validation)
        {
            factory.SSL.RemoteCertificateValidationCallback = validation;
        }
        var address = new Address(scope.Host, scope.Port, user: null, password: null, path: "/", scheme: scope.UseTls ? "amqps" : "amqp");
        var open = new Open
        {
            ContainerId = (scope.Identifier ?? "sse-functions") + "-" + Guid.NewGuid().ToString("N"),
            HostName = scope.Host,
            MaxFrameSize = 256 * 1024,
            ChannelMax = 4095,
            IdleTimeOut = 60_000,
        };

        var timeout = scope.Retry.Options.TryTimeout;
        var connecting = factory.CreateAsync(address, open, null);
        Connection connection;
        try
        {
            connection = await connecting.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // a connection that opens after we gave up must not leak
            // (and its failure is observed here)
            _ = connecting.ContinueWith(
                static t =>
                {
                    if (t.IsCompletedSuccessfully)
                    {
                        LinkAttacher.CloseQuietly(t.Result);
                    }
                    else
                    {
                        _ = t.Exception;
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw e is TimeoutException
                ? new ServiceBusException($"Connecting to '{scope.Host}:{scope.Port}' timed out.", ServiceBusFailureReason.ServiceCommunicationProblem, null, e)
                : new ServiceBusException($"Connecting to '{scope.Host}:{scope.Port}' failed: {e.GetType().Name}: {e.Message}", ServiceBusFailureReason.ServiceCommunicationProblem, null, e);
        }

        var result = new AmqpConnection(connection, scope, generation);
        connection.AddClosedCallback(result.OnConnectionClosed);
        try
        {
            var cbsLink = await RequestResponseLink.CreateAsync(result.Sessions.Rent(2), AmqpConstants.CbsNode, AmqpConstants.CbsNode, timeout, scope.Logger, cancellationToken).ConfigureAwait(false);
            result._cbs = new CbsClient(cbsLink);
        }
        catch
        {
            await result.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return result;
    }

    private void OnConnectionClosed(IAmqpObject sender, Error? error)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            Log.ConnectionLost(_logger, Scope.Host, Generation, error?.Condition.ToString(), error?.Description);
        }

        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Authorises <paramref name="audience"/> on this connection (put-token once, then refreshed before expiry).</summary>
    public async Task AuthorizeAsync(string audience, CancellationToken cancellationToken)
    {
        // Lazy: GetOrAdd may run its factory more than once; only one authorisation (and one timer) may exist.
        var lazy = _audiences.GetOrAdd(audience, static (a, self) => new Lazy<AudienceAuthorization>(() => new AudienceAuthorization(self, a, self._logger)), this);
        var authorization = lazy.Value;
        try
        {
            await authorization.Authorized.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // a refused or failed first put-token is not cached: the next caller tries again.
            if (_audiences.TryRemove(new KeyValuePair<string, Lazy<AudienceAuthorization>>(audience, lazy)))
            {
                await authorization.DisposeAsync().ConfigureAwait(false);
            }

            throw IsClosed ? AmqpErrors.ConnectionLost(audience, "Authorization (put-token)") : AmqpErrors.Translate(e, audience, "Authorization (put-token)");
        }
    }

    internal int GetPutTokenCount(string audience) => _audiences.TryGetValue(audience, out var a) && a.IsValueCreated ? a.Value.PutCount : 0;

    /// <summary>The shared <c>$management</c> link pair of <paramref name="entityPath"/> on this connection.</summary>
    public async Task<RequestResponseLink> GetManagementLinkAsync(string entityPath, string audience, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = _management.GetOrAdd(entityPath, static (path, state) => new Lazy<Task<RequestResponseLink>>(
                () => state.self.CreateManagementLinkAsync(path, state.audience)), (self: this, audience));
            try
            {
                var link = await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (!link.IsClosed)
                {
                    return link;
                }

                if (_management.TryRemove(new KeyValuePair<string, Lazy<Task<RequestResponseLink>>>(entityPath, lazy)))
                {
                    await link.DisposeAsync().ConfigureAwait(false);
                }

                if (IsClosed)
                {
                    throw AmqpErrors.ConnectionLost(entityPath, "Management request");
                }
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // a failed attach is not cached: the next request tries again
                _management.TryRemove(new KeyValuePair<string, Lazy<Task<RequestResponseLink>>>(entityPath, lazy));
                throw AmqpErrors.Translate(e, entityPath, "Attach to $management");
            }
        }
    }

    private async Task<RequestResponseLink> CreateManagementLinkAsync(string entityPath, string audience)
    {
        await Task.Yield(); // runs inside Lazy's lock until its first await: leave it at once
        // Not tied to one caller's cancellation: the link is shared.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Closed);
        timeout.CancelAfter(Retry.Options.TryTimeout);
        try
        {
            await AuthorizeAsync(audience, timeout.Token).ConfigureAwait(false);
            return await RequestResponseLink.CreateAsync(Sessions.Rent(2), entityPath + AmqpConstants.ManagementNodeSuffix, entityPath, Retry.Options.TryTimeout, _logger, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e)
        {
            throw IsClosed
                ? AmqpErrors.ConnectionLost(entityPath, "Attach to $management")
                : new ServiceBusException($"Attach to '{entityPath}/$management' timed out.", ServiceBusFailureReason.ServiceTimeout, entityPath, e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        foreach (var authorization in _audiences.Values)
        {
            if (authorization.IsValueCreated)
            {
                await authorization.Value.DisposeAsync().ConfigureAwait(false);
            }
        }

        _audiences.Clear();
        foreach (var lazy in _management.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                await lazy.Value.Result.DisposeAsync().ConfigureAwait(false);
            }
        }

        _management.Clear();
        try
        {
            await Connection.CloseAsync(TimeSpan.FromSeconds(5), null).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // already gone
        }

        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
