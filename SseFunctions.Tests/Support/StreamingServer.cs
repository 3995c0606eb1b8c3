using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseFunctions.DevServer;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.Support;

/// <summary>A LocalServiceBus and the DevServer (the engine on Kestrel) on 127.0.0.1, free ports, for one test.</summary>
public sealed class StreamingServer : IAsyncDisposable
{
    public const string Topic = "token-streams";
    public const string Subscription = "token-streams/Subscriptions/sse-service-token-streams";

    private StreamingServer(LocalServiceBusHost broker, DevServerApp app, ServiceBusClient client, HttpClient http, LogCapture logs)
    {
        Logs = logs;
        Broker = broker;
        App = app;
        Client = client;
        Http = http;
        Publisher = new TokenPublisher(client.CreateSender(Topic));
    }

    public LocalServiceBusHost Broker { get; }

    public DevServerApp App { get; }

    /// <summary>A client of the test's own, for producing and for holding sessions.</summary>
    public ServiceBusClient Client { get; }

    public HttpClient Http { get; }

    public TokenPublisher Publisher { get; }

    /// <summary>Every log line the service wrote in this run, at the level LOG_LEVEL lets through.</summary>
    public LogCapture Logs { get; }

    public static async Task<StreamingServer> StartAsync(
        Dictionary<string, string?>? settings = null,
        Action<SseStreamingOptions>? tune = null,
        LocalServiceBusHost? broker = null)
    {
        broker ??= await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, LoggerFactory = TestLogging() });
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
        var app = await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(values);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            if (Environment.GetEnvironmentVariable("SSE_TEST_LOGS") is not null)
            {
                builder.Logging.AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff ");
            }
            builder.Services.PostConfigure<SseStreamingOptions>(options =>
            {
                options.SessionRecoveryTimeout = TimeSpan.FromSeconds(5);
                options.ConnectTimeout = TimeSpan.FromSeconds(5);
                tune?.Invoke(options);
            });
        });
        // A browser closing an EventSource closes the connection at once; HttpClient would first drain the response.
        var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0, ResponseDrainTimeout = TimeSpan.Zero };
        var http = new HttpClient(handler) { BaseAddress = app.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        return new StreamingServer(broker, app, new ServiceBusClient(broker.ConnectionString), http, logs);
    }

    /// <summary>Console logs with timestamps when SSE_TEST_LOGS is set, for looking into a failing test.</summary>
    private static ILoggerFactory? TestLogging() => Environment.GetEnvironmentVariable("SSE_TEST_LOGS") is null
        ? null
        : LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff "));

    public Task<SseConnection> ConnectAsync(string sessionId, string chatMessageId, long? lastEventId = null, string? origin = null) =>
        ConnectAsync($"/api/stream/{sessionId}/{chatMessageId}", lastEventId, origin);

    public async Task<SseConnection> ConnectAsync(string path, long? lastEventId = null, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId.Value.ToString());
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new SseConnection(response, reader);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Publisher.DisposeAsync();
        await Client.DisposeAsync();
        await App.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
