using SseFunctions.DevServer;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.Configuration;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Tests.Support;

/// <summary>A LocalServiceBus and a host of the endpoints (the DevServer, or the Functions app under the local Functions
/// host) on 127.0.0.1, free ports, for one test.</summary>
public sealed class StreamingServer : IAsyncDisposable
{
    public const string Topic = "token-streams";
    public const string Subscription = "token-streams/Subscriptions/sse-service-token-streams";

    private StreamingServer(LocalServiceBusHost broker, ITestAppHost host, ServiceBusClient client, HttpClient http, LogCapture logs)
    {
        Logs = logs;
        Broker = broker;
        Host = host;
        Client = client;
        Http = http;
        Publisher = new TokenPublisher(client.CreateSender(Topic));
    }

    public LocalServiceBusHost Broker { get; }

    public ITestAppHost Host { get; }

    /// <summary>The DevServer, when it is the host: only it runs in the test process.</summary>
    public DevServerApp App => (Host as DevServerTestHost)?.App ?? throw new InvalidOperationException("The Functions app runs in the worker's process.");

    /// <summary>A client of the test's own, for producing and for holding sessions.</summary>
    public ServiceBusClient Client { get; }

    public HttpClient Http { get; }

    public TokenPublisher Publisher { get; }

    /// <summary>Every log line the service wrote in this run, at the level LOG_LEVEL lets through (on the Functions host: the
    /// host's own lines and the worker's, forwarded as RpcLog).</summary>
    public LogCapture Logs { get; }

    public static async Task<StreamingServer> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<SseStreamingOptions>? tune = null,
        LocalServiceBusHost? broker = null,
        TestHostKind host = TestHostKind.DevServer,
        TimeProvider? clock = null)
    {
        if ((tune is not null || clock is not null) && host != TestHostKind.DevServer)
        {
            throw new ArgumentException("Engine tuning and clocks reach only the DevServer: the Functions app reads its settings.", nameof(tune));
        }

        broker ??= await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, LoggerFactory = TestLogs.BrokerLogging() });
        var values = new Dictionary<string, string?>
        {
            [SseStreamingOptionsReader.ConnectionStringSetting] = broker.ConnectionString,
            [SseStreamingOptionsReader.HeartbeatSetting] = "1",
            [SseStreamingOptionsReader.IdleTimeoutSetting] = "20",
        };
        foreach (var (key, value) in settings ?? [])
        {
            values[key] = value;
        }

        var logs = new LogCapture();
        ITestAppHost app = host == TestHostKind.Functions
            ? await FunctionsTestHost.StartAsync(values, logs)
            : await DevServerTestHost.StartAsync(values, tune, logs, clock);
        // A browser closing an EventSource closes the connection at once; HttpClient would first drain the response.
        var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero };
        var http = new HttpClient(handler) { BaseAddress = app.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        return new StreamingServer(broker, app, new ServiceBusClient(broker.ConnectionString), http, logs);
    }

    public Task<SseConnection> ConnectAsync(string sessionId, string chatMessageId, long? lastEventId = null, string? origin = null) =>
        ConnectAsync($"/api/stream/{sessionId}/{chatMessageId}", lastEventId, origin);

    public Task<SseConnection> ConnectAsync(string path, long? lastEventId = null, string? origin = null) =>
        SseConnection.OpenAsync(Http, path, lastEventId, origin);

    /// <summary>Takes <paramref name="sessionId"/> and up to <paramref name="count"/> messages left in it (as the next stream
    /// would get them), completes them and returns their tokens.</summary>
    public Task<List<string>> ReceiveTokensLeftAsync(string sessionId, int count) => ReceiveTokensLeftAsync(Client, sessionId, count);

    /// <inheritdoc cref="ReceiveTokensLeftAsync(string, int)"/>
    public static async Task<List<string>> ReceiveTokensLeftAsync(ServiceBusClient client, string sessionId, int count)
    {
        await using var receiver = await client.AcceptSessionAsync(Topic, "sse-service-token-streams", sessionId);
        var tokens = new List<string>();
        while (tokens.Count < count && await receiver.ReceiveMessagesAsync(count - tokens.Count, TimeSpan.FromSeconds(5)) is { Count: > 0 } received)
        {
            foreach (var message in received)
            {
                tokens.Add(System.Text.Json.JsonDocument.Parse(message.Body.ToMemory()).RootElement.GetProperty("token").GetString()!);
                await receiver.CompleteMessageAsync(message);
            }
        }

        return tokens;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Publisher.DisposeAsync();
        await Client.DisposeAsync();
        await Host.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
