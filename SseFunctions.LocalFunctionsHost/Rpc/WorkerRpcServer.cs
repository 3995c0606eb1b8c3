using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace SseFunctions.LocalFunctionsHost.Rpc;

/// <summary>The gRPC endpoint the worker connects to: HTTP/2 without TLS on a free loopback port, as the real host's.</summary>
public sealed class WorkerRpcServer : IAsyncDisposable
{
    /// <summary>What the host announces as <c>--functions-grpc-max-message-length</c> and accepts.</summary>
    public const int MaxMessageLength = int.MaxValue;

    private readonly WebApplication app;

    private WorkerRpcServer(WebApplication app) => this.app = app;

    /// <summary>e.g. http://127.0.0.1:40123/, for <c>--functions-uri</c>.</summary>
    public Uri Address => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First() + "/");

    public static async Task<WorkerRpcServer> StartAsync(WorkerChannel channel, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, Hosting.OwnedLifetime>();
        builder.Services.AddSingleton(channel);
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = MaxMessageLength;
            options.MaxSendMessageSize = MaxMessageLength;
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));

        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new WorkerRpcServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await app.StopAsync(timeout.Token).ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
