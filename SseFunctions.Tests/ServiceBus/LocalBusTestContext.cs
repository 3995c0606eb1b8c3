using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>An in-process LocalServiceBus on a free 127.0.0.1 port, a client on it, and a log capture. Disposing it
/// stops both and checks that neither the key nor a SAS signature was logged.</summary>
internal sealed class LocalBusTestContext : IAsyncDisposable
{
    public const string Topic = "token-streams";
    public const string Subscription = "sse-service-token-streams";
    public const string EntityPath = Topic + "/Subscriptions/" + Subscription;

    private LocalBusTestContext(LocalServiceBusHost bus, CapturingLoggerProvider logs, ILoggerFactory loggerFactory)
    {
        Bus = bus;
        Logs = logs;
        LoggerFactory = loggerFactory;
        Client = new ServiceBusClient(bus.ConnectionString, Options());
    }

    public LocalServiceBusHost Bus { get; }

    public CapturingLoggerProvider Logs { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ServiceBusClient Client { get; }

    public static async Task<LocalBusTestContext> StartAsync(string? configJson = null)
    {
        var logs = new CapturingLoggerProvider();
        var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        string? configPath = null;
        if (configJson is not null)
        {
            configPath = Path.Combine(Path.GetTempPath(), "sb-client-test-" + Guid.NewGuid().ToString("N") + ".json");
            await File.WriteAllTextAsync(configPath, configJson);
        }

        try
        {
            var bus = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Host = "127.0.0.1", Port = 0, ConfigPath = configPath, LoggerFactory = loggerFactory });
            return new LocalBusTestContext(bus, logs, loggerFactory);
        }
        finally
        {
            if (configPath is not null)
            {
                File.Delete(configPath);
            }
        }
    }

    public ServiceBusClientOptions Options(TimeSpan? tryTimeout = null) => new()
    {
        LoggerFactory = LoggerFactory,
        Identifier = "client-test",
        RetryOptions = new ServiceBusRetryOptions
        {
            MaxRetries = 2,
            Delay = TimeSpan.FromMilliseconds(50),
            MaxDelay = TimeSpan.FromMilliseconds(500),
            TryTimeout = tryTimeout ?? TimeSpan.FromSeconds(5),
        },
    };

    public ServiceBusClient NewClient(TimeSpan? tryTimeout = null) => new(Bus.ConnectionString, Options(tryTimeout));

    public static ServiceBusMessage Token(string sessionId, string token, string chatMessageId = "m1") =>
        new($$"""{"sessionId":"{{sessionId}}","chatMessageId":"{{chatMessageId}}","token":"{{token}}"}""")
        {
            SessionId = sessionId,
            ContentType = "application/json",
        };

    public async Task SendAsync(string sessionId, int count, string prefix = "t")
    {
        await using var sender = Client.CreateSender(Topic);
        await sender.SendMessagesAsync(Enumerable.Range(0, count).Select(i => Token(sessionId, prefix + i)));
    }

    /// <summary>Receives until <paramref name="count"/> messages came or <paramref name="timeout"/> passed.</summary>
    public static async Task<List<ServiceBusReceivedMessage>> ReceiveAsync(ServiceBusSessionReceiver receiver, int count, TimeSpan? timeout = null)
    {
        var result = new List<ServiceBusReceivedMessage>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(5));
        while (result.Count < count && DateTime.UtcNow < deadline)
        {
            result.AddRange(await receiver.ReceiveMessagesAsync(count - result.Count, TimeSpan.FromMilliseconds(500)));
        }

        return result;
    }

    public void AssertNoSecretsLogged()
    {
        var text = Logs.AllText;
        text.Should().NotContain(LocalServiceBusOptions.DevelopmentKey, "the SAS key must never be logged");
        text.Should().NotContain("sig=", "a SAS signature must never be logged");
        text.Should().NotContain("fake-jwt-", "a token must never be logged");
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Bus.DisposeAsync();
        LoggerFactory.Dispose();
        AssertNoSecretsLogged();
    }
}
