using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>The client's one shared AMQP connection: opened on first use, re-opened on demand (with exponential
/// backoff and jitter) after it was lost. Callers share one connect attempt; no lock is held across I/O.</summary>
internal sealed class AmqpConnectionScope : IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private Task<AmqpConnection>? _current;
    private long _generation;

    public AmqpConnectionScope(string host, int port, bool useTls, CbsTokenProvider tokenProvider, ServiceBusClientOptions options, ILoggerFactory loggerFactory)
    {
        Host = host;
        Port = port;
        UseTls = useTls;
        TokenProvider = tokenProvider;
        Retry = new RetryPolicy(options.RetryOptions);
        Identifier = options.Identifier;
        LoggerFactory = loggerFactory;
        Logger = loggerFactory.CreateLogger("SseFunctions.Streaming.ServiceBus");
    }

    public string Host { get; }

    public int Port { get; }

    public bool UseTls { get; }

    public string? Identifier { get; }

    public CbsTokenProvider TokenProvider { get; }

    public RetryPolicy Retry { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    /// <summary>Overrides the TLS server certificate check (tests with a self-signed listener); null = the platform's check.</summary>
    internal System.Net.Security.RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    public bool IsDisposed => _disposed.IsCancellationRequested;

    /// <summary>The audience of an entity: <c>sb://&lt;host&gt;/&lt;entity path&gt;</c>.</summary>
    public string GetAudience(string entityPath) => "sb://" + Host + "/" + entityPath;

    /// <summary>The open connection, connecting (with retries) when there is none or it was lost.</summary>
    public async Task<AmqpConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Task<AmqpConnection> task;
        lock (_gate)
        {
            if (_current is null
                || _current.IsFaulted
                || _current.IsCanceled
                || (_current.IsCompletedSuccessfully && _current.Result.IsClosed))
            {
                var previous = _current;
                _current = ConnectWithRetriesAsync(previous);
            }

            task = _current;
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<AmqpConnection> ConnectWithRetriesAsync(Task<AmqpConnection>? previous)
    {
        // started under _gate: leave it before doing anything.
        await Task.Yield();
        if (previous is { IsCompletedSuccessfully: true })
        {
            await previous.Result.DisposeAsync().ConfigureAwait(false);
        }

        var generation = Interlocked.Increment(ref _generation);
        var options = Retry.Options;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var connection = await AmqpConnection.OpenAsync(this, generation, _disposed.Token).ConfigureAwait(false);
                Log.Connected(Logger, Host, Port, generation, attempt);
                return connection;
            }
            catch (ServiceBusException e) when (e.IsTransient && attempt <= options.MaxRetries && !IsDisposed)
            {
                var delay = Retry.GetDelay(attempt);
                Log.ConnectFailed(Logger, e, Host, Port, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, _disposed.Token).ConfigureAwait(false);
            }
            catch (ServiceBusException e)
            {
                MarkConnectRetriesExhausted(e);
                throw;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var translated = AmqpErrors.Translate(e, null, $"Connecting to '{Host}:{Port}'");
                MarkConnectRetriesExhausted(translated);
                throw translated;
            }
        }
    }

    private const string ConnectRetriesExhaustedKey = "SseFunctions.ServiceBus.ConnectRetriesExhausted";

    private static void MarkConnectRetriesExhausted(ServiceBusException exception) => exception.Data[ConnectRetriesExhaustedKey] = true;

    /// <summary>True for a failure of connecting that was already retried with backoff: operations do not retry it again
    /// (that would multiply the retries and the time to report an outage).</summary>
    public static bool IsConnectFailure(ServiceBusException exception) => exception.Data.Contains(ConnectRetriesExhaustedKey);

    /// <summary>For tests: the current connection if one is open.</summary>
    internal AmqpConnection? CurrentConnection
    {
        get
        {
            lock (_gate)
            {
                return _current is { IsCompletedSuccessfully: true } t && !t.Result.IsClosed ? t.Result : null;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<AmqpConnection>? current;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            current = _current;
            _current = null;
        }

        if (current is not null)
        {
            try
            {
                var connection = await current.ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // never connected
            }
        }
    }
}
