using Azure.Core;
using Microsoft.Extensions.Logging.Abstractions;
using SseFunctions.Streaming.ServiceBus.Amqp;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>
/// A Service Bus client on one shared AMQP connection (AMQPNetLite), named after Azure.Messaging.ServiceBus's client for
/// the subset this service uses. Authentication: a connection string (SAS key or SAS token) or an Azure.Identity
/// <see cref="TokenCredential"/>, both through CBS put-token. The connection is opened on first use and re-opened,
/// with exponential backoff and jitter, after it was lost.
/// </summary>
public class ServiceBusClient : IAsyncDisposable
{
    private readonly AmqpConnectionScope? _scope;

    /// <summary>For mocking.</summary>
    protected ServiceBusClient() { FullyQualifiedNamespace = string.Empty; }

    public ServiceBusClient(string connectionString, ServiceBusClientOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var parsed = ServiceBusConnectionString.Parse(connectionString);
        options ??= new ServiceBusClientOptions();
        FullyQualifiedNamespace = parsed.Host;
        _scope = new AmqpConnectionScope(parsed.Host, parsed.Port, parsed.UseTls, CbsTokenProvider.FromConnectionString(parsed), options, options.LoggerFactory ?? NullLoggerFactory.Instance);
    }

    public ServiceBusClient(string fullyQualifiedNamespace, TokenCredential credential, ServiceBusClientOptions? options = null)
        : this(ParseNamespace(fullyQualifiedNamespace), AmqpConstants.AmqpsPort, useTls: true, credential, options)
    {
    }

    /// <summary>A credential client with an explicit transport (tests against a local broker: plain AMQP).</summary>
    internal ServiceBusClient(string host, int port, bool useTls, TokenCredential credential, ServiceBusClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(credential);
        options ??= new ServiceBusClientOptions();
        FullyQualifiedNamespace = host;
        _scope = new AmqpConnectionScope(host, port, useTls, new CredentialTokenProvider(credential), options, options.LoggerFactory ?? NullLoggerFactory.Instance);
    }

    /// <summary>A connection-string client with its own token provider (tests: short-lived SAS tokens).</summary>
    internal ServiceBusClient(ServiceBusConnectionString connectionString, CbsTokenProvider tokenProvider, ServiceBusClientOptions? options)
    {
        options ??= new ServiceBusClientOptions();
        FullyQualifiedNamespace = connectionString.Host;
        _scope = new AmqpConnectionScope(connectionString.Host, connectionString.Port, connectionString.UseTls, tokenProvider, options, options.LoggerFactory ?? NullLoggerFactory.Instance);
    }

    private static string ParseNamespace(string fullyQualifiedNamespace)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fullyQualifiedNamespace);
        var text = fullyQualifiedNamespace.Trim();
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new ArgumentException($"'{text}' is not a fully qualified Service Bus namespace (expected <namespace>.servicebus.windows.net).", nameof(fullyQualifiedNamespace));
            }

            return uri.Host;
        }

        text = text.TrimEnd('/');
        if (Uri.CheckHostName(text) == UriHostNameType.Unknown)
        {
            throw new ArgumentException($"'{text}' is not a fully qualified Service Bus namespace (expected <namespace>.servicebus.windows.net).", nameof(fullyQualifiedNamespace));
        }

        return text;
    }

    public virtual string FullyQualifiedNamespace { get; }

    public virtual bool IsClosed => _scope?.IsDisposed ?? false;

    internal AmqpConnectionScope Scope => _scope ?? throw new InvalidOperationException("This client is a mock.");

    public virtual ServiceBusSender CreateSender(string queueOrTopicName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueOrTopicName);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        return new ServiceBusSender(Scope, queueOrTopicName);
    }

    public virtual Task<ServiceBusSessionReceiver> AcceptSessionAsync(string topicName, string subscriptionName, string sessionId, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        return AcceptAsync(topicName, subscriptionName, sessionId, options, cancellationToken);
    }

    public virtual Task<ServiceBusSessionReceiver> AcceptNextSessionAsync(string topicName, string subscriptionName, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default) =>
        AcceptAsync(topicName, subscriptionName, null, options, cancellationToken);

    private Task<ServiceBusSessionReceiver> AcceptAsync(string topicName, string subscriptionName, string? sessionId, ServiceBusSessionReceiverOptions? options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topicName);
        ArgumentException.ThrowIfNullOrWhiteSpace(subscriptionName);
        ObjectDisposedException.ThrowIf(IsClosed, this);
        var scope = Scope;
        var entityPath = topicName + "/Subscriptions/" + subscriptionName;
        options ??= new ServiceBusSessionReceiverOptions();
        return scope.Retry.RunAsync(
            ct => ServiceBusSessionReceiver.AcceptAsync(scope, entityPath, sessionId, options, ct),
            e => !AmqpConnectionScope.IsConnectFailure(e)
                && (e.Reason is ServiceBusFailureReason.ServiceCommunicationProblem or ServiceBusFailureReason.ServiceBusy
                    || (e.Reason is ServiceBusFailureReason.ServiceTimeout && sessionId is not null)),
            (e, attempt, delay) => Log.AcceptRetry(scope.Logger, e, entityPath, e.Reason, attempt, delay.TotalMilliseconds),
            cancellationToken);
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_scope is not null)
        {
            await _scope.DisposeAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}
