using Amqp;
using Amqp.Listener;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SseFunctions.LocalServiceBus.Configuration;
using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.LocalServiceBus;

/// <summary>A running broker, in-process. Dispose to stop it.</summary>
public sealed class LocalServiceBusHost : IAsyncDisposable
{
    readonly LocalServiceBusOptions options;
    readonly ILogger logger;
    readonly EntityRegistry registry;
    readonly TcpAcceptor acceptor;
    readonly BrokerContainer container;
    readonly ConnectionListener listener;
    readonly CancellationTokenSource stopping = new();
    readonly SemaphoreSlim stateGate = new(1, 1);
    readonly TlsCertificate? tls;
    Task sweeper = Task.CompletedTask;
    bool suspended;
    bool disposed;

    private LocalServiceBusHost(LocalServiceBusOptions options, BrokerConfiguration configuration, TlsCertificate? tls)
    {
        this.options = options;
        this.tls = tls;
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        logger = loggerFactory.CreateLogger("SseFunctions.LocalServiceBus");
        var time = TimeProvider.System;
        registry = new EntityRegistry(configuration, time, logger);
        acceptor = new TcpAcceptor(new SaslNegotiator(options.KeyName, options.Key, logger), logger);
        var validator = new SasTokenValidator(options.KeyName, options.Key, new BrokerHostNames(options.Host, options.HostNames), time);
        container = new BrokerContainer(registry, validator, time, options.MaxMessageSizeBytes, acceptor, logger);
        listener = new ConnectionListener(new Address(options.Host, 5672, null, null, "/", TcpAcceptor.Scheme), container);
        listener.AMQP.ContainerId = "LocalServiceBus";
        listener.AMQP.MaxFrameSize = 256 * 1024;
        listener.AMQP.MaxSessionsPerConnection = ushort.MaxValue;
        listener.AMQP.MaxLinksPerSession = 65535;
        listener.AMQP.IdleTimeout = 120_000;
        var handler = new BrokerProtocolHandler(container);
        listener.HandlerFactory = _ => handler;
    }

    public static Task<LocalServiceBusHost> StartAsync(LocalServiceBusOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        if (options.MaxMessageSizeBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxMessageSizeBytes must be positive.");
        }

        var configuration = options.ConfigPath is null ? BrokerConfiguration.Default : EmulatorConfigReader.ReadFile(options.ConfigPath);
        var tls = !options.Tls ? null
            : options.CertificatePath is { } certificatePath ? TlsCertificates.Load(certificatePath, options.CertificateKeyPath, options.CertificatePassword)
            : TlsCertificates.LoadOrCreateDevelopment(options.DevelopmentCertificateDirectory ?? TlsCertificates.DefaultDevelopmentDirectory, TimeProvider.System);
        var host = new LocalServiceBusHost(options, configuration, tls);
        try
        {
            host.Port = host.acceptor.Listen(options.Host, options.Port, certificate: null);
            if (tls is not null)
            {
                host.TlsPort = host.acceptor.Listen(options.Host, options.TlsPort, tls.Certificate);
            }
        }
        catch
        {
            host.acceptor.Dispose();
            tls?.Certificate.Dispose();
            throw;
        }

        host.listener.Open();
        host.sweeper = host.SweepAsync(host.stopping.Token);
        host.logger.LogInformation("LocalServiceBus listening on {Host}:{Port}{Tls} with {Queues} queue(s) and {Topics} topic(s)",
            options.Host, host.Port, tls is null ? "" : $" (AMQPS on {host.TlsPort})", configuration.Queues.Count, configuration.Topics.Count);
        return Task.FromResult(host);
    }

    /// <summary>The plain AMQP port.</summary>
    public int Port { get; private set; }

    /// <summary>The AMQPS port, or 0 without <see cref="LocalServiceBusOptions.Tls"/>.</summary>
    public int TlsPort { get; private set; }

    /// <summary>The PEM file of the AMQPS certificate for clients to trust (e.g. uamqp's <c>connection_verify</c>); null without TLS or for a PFX.</summary>
    public string? TrustedCertificatePath => tls?.TrustFilePath;

    /// <summary>True when the development certificate was made by this start (it is kept for the next).</summary>
    public bool CreatedDevelopmentCertificate => tls?.Generated ?? false;

    /// <summary>TCP connections that completed SASL and are not closed yet.</summary>
    internal int OpenConnectionCount => acceptor.LiveConnectionCount;

    /// <summary>Endpoint=sb://localhost:&lt;port&gt;;SharedAccessKeyName=...;SharedAccessKey=...;UseDevelopmentEmulator=true;</summary>
    public string ConnectionString =>
        $"Endpoint=sb://localhost:{Port};SharedAccessKeyName={options.KeyName};SharedAccessKey={options.Key};UseDevelopmentEmulator=true;";

    /// <summary>
    /// Endpoint=sb://localhost;SharedAccessKeyName=...;SharedAccessKey=...; (AMQPS, as to Service Bus; the port only when it is
    /// not 5671): null without TLS. The Python SDK needs it without a port: it dials 5671 whatever the endpoint says, and
    /// matches the broker's attach against an address built from the endpoint's host and port.
    /// </summary>
    public string? TlsConnectionString => tls is null ? null
        : $"Endpoint=sb://localhost{(TlsPort == DefaultTlsPort ? "" : ":" + TlsPort)};SharedAccessKeyName={options.KeyName};SharedAccessKey={options.Key};";

    const int DefaultTlsPort = 5671;

    /// <summary>Drops every connection and stops listening, keeping entities and messages (locks are released): a broker outage.</summary>
    public async Task SuspendAsync()
    {
        await stateGate.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (suspended)
            {
                return;
            }

            suspended = true;
            await acceptor.StopListeningAsync(resetConnections: true).ConfigureAwait(false);
            var work = new DeferredWork();
            foreach (var entity in registry.AllReceivable)
            {
                entity.ReleaseAll(work);
            }

            work.Run();
            logger.LogInformation("LocalServiceBus suspended: connections dropped, messages kept");
        }
        finally
        {
            stateGate.Release();
        }
    }

    /// <summary>Listens again on the same port after <see cref="SuspendAsync"/>.</summary>
    public async Task ResumeAsync()
    {
        await stateGate.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!suspended)
            {
                return;
            }

            acceptor.Listen(options.Host, Port, certificate: null);
            if (tls is not null)
            {
                acceptor.Listen(options.Host, TlsPort, tls.Certificate);
            }

            suspended = false;
            logger.LogInformation("LocalServiceBus resumed on port {Port}", Port);
        }
        finally
        {
            stateGate.Release();
        }
    }

    /// <summary>Messages available (not locked, not dead-lettered) in a queue or subscription, e.g. "token-streams/Subscriptions/sse-service-token-streams".</summary>
    public int ActiveMessageCount(string entityPath) => Entity(entityPath).ActiveMessageCount;

    /// <summary>Messages currently locked by a receiver in a queue or subscription.</summary>
    public int LockedMessageCount(string entityPath) => Entity(entityPath).LockedMessageCount;

    public int DeadLetterMessageCount(string entityPath)
    {
        var entity = Entity(entityPath);
        return (entity.IsDeadLetterQueue ? entity : entity.DeadLetterQueue!).TotalMessageCount;
    }

    public bool IsSessionLocked(string entityPath, string sessionId) => Entity(entityPath).IsSessionLocked(sessionId);

    public async ValueTask DisposeAsync()
    {
        await stateGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
        }
        finally
        {
            stateGate.Release();
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await acceptor.StopListeningAsync(resetConnections: false).ConfigureAwait(false);
        listener.Close();
        acceptor.Dispose();
        await sweeper.ConfigureAwait(false);
        stopping.Dispose();
        tls?.Certificate.Dispose();
        logger.LogInformation("LocalServiceBus stopped");
    }

    MessageEntity Entity(string entityPath) =>
        registry.TryGetReceivable(EntityRegistry.NormalizePath(entityPath), out var entity)
            ? entity
            : throw new ArgumentException($"No queue, subscription or dead-letter queue '{entityPath}'.", nameof(entityPath));

    async Task SweepAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.LockSweepInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    var work = new DeferredWork();
                    foreach (var entity in registry.AllReceivable)
                    {
                        entity.ExpireLocks(work);
                    }

                    work.Run();
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogError(exception, "Lock expiry sweep failed");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
