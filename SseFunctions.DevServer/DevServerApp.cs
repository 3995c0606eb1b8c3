using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using SseFunctions.DevServer.Telemetry;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Http;

namespace SseFunctions.DevServer;

/// <summary>
/// The service's two routes on Kestrel, through the same engine as the Functions app, plus a demo page and producer.
/// With no Service Bus settings it starts an embedded LocalServiceBus and uses that.
/// </summary>
public sealed class DevServerApp : IAsyncDisposable
{
    public const string DefaultUrl = "http://localhost:7071";

    private readonly WebApplication app;

    private DevServerApp(WebApplication app, LocalServiceBusHost? localServiceBus)
    {
        this.app = app;
        LocalServiceBus = localServiceBus;
    }

    /// <summary>The embedded broker, when no Service Bus setting was given.</summary>
    public LocalServiceBusHost? LocalServiceBus { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>The first address Kestrel listens on, e.g. http://localhost:7071.</summary>
    public Uri BaseAddress => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    /// <param name="configure">Lets tests and other hosts change settings and services before the app is built.</param>
    public static async Task<DevServerApp> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);

        LocalServiceBusHost? localServiceBus = null;
        if (string.IsNullOrWhiteSpace(builder.Configuration[SseStreamingOptionsReader.ConnectionStringSetting])
            && string.IsNullOrWhiteSpace(builder.Configuration[SseStreamingOptionsReader.FullyQualifiedNamespaceSetting]))
        {
            localServiceBus = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 }, cancellationToken);
            builder.Configuration[SseStreamingOptionsReader.ConnectionStringSetting] = localServiceBus.ConnectionString;
        }

        try
        {
            builder.Services.AddSseStreaming(builder.Configuration);
            builder.Services.AddSseDevServerTelemetry(builder.Configuration);
            builder.Services.AddSingleton<DemoProducer>();
            builder.Services.AddHostedService(services => services.GetRequiredService<DemoProducer>());

            var app = builder.Build();
            MapRoutes(app);
            await app.StartAsync(cancellationToken);
            return new DevServerApp(app, localServiceBus);
        }
        catch
        {
            if (localServiceBus is not null)
            {
                await localServiceBus.DisposeAsync();
            }

            throw;
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
        if (LocalServiceBus is not null)
        {
            await LocalServiceBus.DisposeAsync();
        }
    }

    private static void MapRoutes(WebApplication app)
    {
        string[] getAndOptions = [HttpMethods.Get, HttpMethods.Options];
        app.MapMethods("/api/stream/{sessionId}/{chatMessageId}", getAndOptions, (string sessionId, string chatMessageId) => new SseStreamResult(sessionId, chatMessageId));
        app.Map("/api/stream/{**rest}", () => Results.Json(
            new { error = StreamIds.MalformedPathError },
            statusCode: StatusCodes.Status400BadRequest));
        app.MapMethods("/health", getAndOptions, () => new HealthResult());

        app.MapGet("/", () => Results.Stream(
            typeof(DevServerApp).Assembly.GetManifestResourceStream("demo-page.html")!,
            "text/html; charset=utf-8"));
        app.MapPost("/api/demo/chat", (DemoChatRequest request, DemoProducer producer) =>
            DemoChatRequest.Validate(request) is { } problem
                ? Results.Json(new { error = problem }, statusCode: StatusCodes.Status400BadRequest)
                : Results.Json(producer.Start(request), statusCode: StatusCodes.Status202Accepted));
    }
}
