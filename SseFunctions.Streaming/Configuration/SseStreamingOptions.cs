using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Limits;

namespace SseFunctions.Streaming.Configuration;

/// <summary>The service's settings, bound from the seed's app setting names by <see cref="SseStreamingOptionsReader"/>.</summary>
public sealed class SseStreamingOptions
{
    public string? FullyQualifiedNamespace { get; set; }

    public string? ConnectionString { get; set; }

    /// <summary><c>AZURE_CLIENT_ID</c>: the user-assigned managed identity DefaultAzureCredential uses; null = system-assigned.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>AMQP over TCP (5671) or over WebSockets (443, for networks that allow only HTTPS).</summary>
    public ServiceBusTransportType TransportType { get; set; } = ServiceBusTransportType.AmqpTcp;

    public string TopicName { get; set; } = "token-streams";

    public string SubscriptionName { get; set; } = "sse-service-token-streams";

    /// <summary>Empty = no cross-origin access; "*" = any origin.</summary>
    public IReadOnlyList<string> CorsOrigins { get; set; } = [];

    public LogLevel LogLevel { get; set; } = LogLevel.Information;

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(120);

    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromSeconds(900);

    /// <summary><c>SSE_PENDING_MESSAGE_SECONDS</c>: how long the messages of a chat message without a stream here (not
    /// connected yet, or gone) are held, unsettled, for a stream that joins; then they are completed and dropped. Zero
    /// drops them at once, as the original service did.</summary>
    public TimeSpan PendingMessageTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many received, not yet completed messages one stream may have; at it, the session's pump receives
    /// nothing more until the stream catches up. The SDK gives a receiver link credit back only on settlement, so with
    /// the default prefetch a session never has more than <see cref="PrefetchCount"/> unsettled messages anyway.</summary>
    public int StreamBufferLimit { get; set; } = 32;

    /// <summary>The browser's reconnect delay, sent as <c>retry:</c>.</summary>
    public TimeSpan ClientRetry { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long a session may stay unreachable (connection or lock lost) before its streams end with an error.</summary>
    public TimeSpan SessionRecoveryTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the first attempt to accept a session may take before the request gets 503.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Messages a session receiver asks for ahead of need. Small, so that sessions share the connection fairly.</summary>
    public int PrefetchCount { get; set; } = 32;

    /// <summary>How long one receive waits for a message. Each empty wait costs the SDK a drain of the link, so it is
    /// long; a receiver that Service Bus closed is noticed by <see cref="ReceiverCheckInterval"/>, not by this.</summary>
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the open receivers are checked for one that Service Bus closed (lock lost, connection lost).</summary>
    public TimeSpan ReceiverCheckInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a closing receiver waits for the settlements still on their way before it closes the link.</summary>
    public TimeSpan SettlementDrainTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Keys that sign stream access tokens (HS256): the current key first, then the previous one during a
    /// rotation. Empty: streams need no token.</summary>
    public IReadOnlyList<byte[]> StreamTokenSigningKeys { get; set; } = [];

    /// <summary>When set, a stream token's <c>iss</c> must be this.</summary>
    public string? StreamTokenIssuer { get; set; }

    /// <summary>When set, a stream token's <c>aud</c> must contain this.</summary>
    public string? StreamTokenAudience { get; set; }

    /// <summary>Streams open at once on this instance; see <see cref="StreamLimitDefaults"/> for the default.</summary>
    public int MaxStreams { get; set; } = StreamLimitDefaults.MaxStreams;

    /// <summary>Service Bus session receivers held at once by this instance.</summary>
    public int MaxSessions { get; set; } = StreamLimitDefaults.MaxSessions;
}
