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
/// With no Service Bus settings it starts an embedded LocalServiceBus and uses that. The demo (page, producer and
/// token signer) exists only with that embedded broker or with <c>--demo</c>: never by accident against a real namespace.
/// </summary>
public sealed class DevServerApp : IAsyncDisposable
{
    public const string DefaultUrl = "http://localhost:7071";

    /// <summary>Turns the demo on when the DevServer uses a Service Bus of its settings rather than the embedded one.</summary>
    public const string DemoSwitch = "--demo";

    public const string DemoTokenPath = "/api/demo/token";

    private readonly WebApplication app;

    private DevServerApp(WebApplication app, LocalServiceBusHost? localServiceBus, bool demoEnabled)
    {
        this.app = app;
        LocalServiceBus = localServiceBus;
        DemoEnabled = demoEnabled;
    }

    /// <summary>Whether the demo page, producer and token signer are mapped.</summary>
    public bool DemoEnabled { get; }

    /// <summary>The embedded broker, when no Service Bus setting was given.</summary>
    public LocalServiceBusHost? LocalServiceBus { get; }

    public IServiceProvider Services => app.Services;

    /// <summary>The first address Kestrel listens on, e.g. http://localhost:7071.</summary>
    public Uri BaseAddress => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    /// <param name="configure">Lets tests and other hosts change settings and services before the app is built.</param>
    public static async Task<DevServerApp> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, CancellationToken cancellationToken = default)
    {
        var demoSwitch = args.Contains(DemoSwitch);
        var builder = WebApplication.CreateBuilder(args.Where(arg => arg != DemoSwitch).ToArray());
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
            var demoEnabled = demoSwitch || localServiceBus is not null;
            builder.Services.AddSseStreaming(builder.Configuration);
            builder.Services.AddSseDevServerTelemetry(builder.Configuration);
            if (demoEnabled)
            {
                builder.Services.AddSingleton<DemoProducer>();
                builder.Services.AddHostedService(services => services.GetRequiredService<DemoProducer>());
                builder.Services.AddSingleton<DemoTokenIssuer>();
            }

            var app = builder.Build();
            MapRoutes(app);
            if (demoEnabled)
            {
                MapDemo(app);
            }

            await app.StartAsync(cancellationToken);
            return new DevServerApp(app, localServiceBus, demoEnabled);
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
    }

    private static void MapDemo(WebApplication app)
    {
        var signing = app.Services.GetRequiredService<DemoTokenIssuer>().IsEnabled;
        app.MapGet("/", () => Results.Stream(
            typeof(DevServerApp).Assembly.GetManifestResourceStream("demo-page.html")!,
            "text/html; charset=utf-8"));
        app.MapPost("/api/demo/chat", (DemoChatRequest request, DemoProducer producer) =>
            DemoChatRequest.Validate(request) is { } problem
                ? Results.Json(new { error = problem }, statusCode: StatusCodes.Status400BadRequest)
                : Results.Json(producer.Start(request) with { AccessTokenUrl = signing ? DemoTokenPath : null }, statusCode: StatusCodes.Status202Accepted));
        if (signing)
        {
            // The chat backend's job in production: here it signs only for answers the demo producer started.
            app.MapPost(DemoTokenPath, (DemoTokenRequest request, DemoProducer producer, DemoTokenIssuer issuer, HttpResponse response) =>
            {
                response.Headers.CacheControl = "no-store";
                return producer.HasStarted(request.SessionId ?? string.Empty, request.ChatMessageId ?? string.Empty)
                    ? Results.Json(issuer.Issue(request.SessionId!, request.ChatMessageId!))
                    : Results.Json(new { error = "The demo signs stream tokens only for answers it started." }, statusCode: StatusCodes.Status403Forbidden);
            });
        }
    }
}
