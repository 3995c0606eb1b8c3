using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SseFunctions.Benchmarks.Cli;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.BaselineRelay;

/// <summary>
/// The comparison point: the original Python service's design on the same client, broker and Kestrel, so the
/// difference measured is the engine (hub, batching, flush and settlement strategy), not the language or the host.
/// Runs as its own process, started by the benchmark with <c>--baseline-relay --port P</c>.
/// </summary>
public static class BaselineRelayServer
{
    public static async Task<int> RunAsync(BaselineRelayOptions options, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port);
            kestrel.Limits.MaxConcurrentConnections = null;
            kestrel.AddServerHeader = false;
        });
        builder.Services.AddSingleton(_ => new ServiceBusClient(options.ConnectionString));
        builder.Services.AddSingleton(services => new NaiveStreamHandler(
            services.GetRequiredService<ServiceBusClient>(),
            options.TopicName,
            options.SubscriptionName,
            services.GetRequiredService<ILogger<NaiveStreamHandler>>()));

        await using var app = builder.Build();
        app.MapGet("/health", () => Results.Json(new HealthBody("healthy", "sse-service-baseline")));
        app.MapGet("/api/stream/{sessionId}/{chatMessageId}", (HttpContext context, string sessionId, string chatMessageId, NaiveStreamHandler handler) =>
            handler.HandleAsync(context, sessionId, chatMessageId));

        await app.StartAsync(cancellationToken);
        Console.WriteLine($"Baseline relay listening on http://127.0.0.1:{options.Port}");
        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: stop below.
        }

        await app.StopAsync(CancellationToken.None);
        await app.Services.GetRequiredService<ServiceBusClient>().DisposeAsync();
        return 0;
    }

    private sealed record HealthBody(string Status, string Service);
}
