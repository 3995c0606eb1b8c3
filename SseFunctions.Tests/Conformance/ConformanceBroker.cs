using Azure.Messaging.ServiceBus;
using SseFunctions.LocalServiceBus;

namespace SseFunctions.Tests.Conformance;

/// <summary>
/// A LocalServiceBus with the conformance entities (the same Config.json as the npm and Python suites) and an official
/// <see cref="ServiceBusClient"/> on it, for the tests of one class.
/// </summary>
public sealed class ConformanceBroker : IAsyncLifetime
{
    public const string Topic = "token-streams";
    public const string Subscription = "sse-service-token-streams";
    public const string ShortLockTopic = "short-lock";
    public const string ShortLockSubscription = "short-lock-sessions";
    public const string NextSessionTopic = "next-session";
    public const string NextSessionSubscription = "next-session-sessions";
    public const string QuietTopic = "quiet";
    public const string QuietSubscription = "quiet-sessions";
    public const string Queue = "plain-queue";
    public const string ShortLockQueue = "short-lock-queue";
    public const string FanOutTopic = "fan-out";

    public LocalServiceBusHost Host { get; private set; } = null!;

    public ServiceBusClient Client { get; private set; } = null!;

    public string ConnectionString => Host.ConnectionString;

    public static string NewSessionId() => "session-" + Guid.NewGuid().ToString("N");

    public static string Path(string topic, string subscription) => $"{topic}/Subscriptions/{subscription}";

    /// <summary>A client that fails at once instead of retrying, for the error cases.</summary>
    public ServiceBusClient CreateClient(string? connectionString = null, TimeSpan? tryTimeout = null) =>
        new(connectionString ?? ConnectionString, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = tryTimeout ?? TimeSpan.FromSeconds(10) },
        });

    public async Task InitializeAsync()
    {
        Host = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions
        {
            Port = 0,
            ConfigPath = System.IO.Path.Combine(AppContext.BaseDirectory, "Conformance", "Config.json"),
        });
        Client = new ServiceBusClient(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Host.DisposeAsync();
    }

    public async Task SendAsync(string entity, params ServiceBusMessage[] messages)
    {
        await using var sender = Client.CreateSender(entity);
        await sender.SendMessagesAsync(messages);
    }

    public static ServiceBusMessage SessionMessage(string sessionId, string body) => new(body) { SessionId = sessionId };

    /// <summary>Receives until <paramref name="count"/> messages came (a receive returns as soon as one is there).</summary>
    public static async Task<List<ServiceBusReceivedMessage>> ReceiveAsync(ServiceBusReceiver receiver, int count, TimeSpan? within = null)
    {
        var received = new List<ServiceBusReceivedMessage>();
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            received.AddRange(await receiver.ReceiveMessagesAsync(count - received.Count, TimeSpan.FromSeconds(2)));
        }

        return received;
    }
}
