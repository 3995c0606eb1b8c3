using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using SseFunctions.LocalFunctionsHost.Functions;
using SseFunctions.LocalFunctionsHost.Rpc;

namespace SseFunctions.LocalFunctionsHost.FrontDoor;

/// <summary>
/// The app's public HTTP address: one ASP.NET Core endpoint per HTTP function, at host.json's route prefix plus the
/// function's route. ASP.NET Core routing decides between overlapping routes by their templates (literal segments
/// before parameters before catch-alls), never by function names.
/// </summary>
public sealed class FrontDoorServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private FrontDoorServer(WebApplication app) => this.app = app;

    /// <summary>e.g. http://127.0.0.1:7071.</summary>
    public Uri BaseAddress => new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());

    public static async Task<FrontDoorServer> StartAsync(
        string url,
        string routePrefix,
        IReadOnlyList<HttpFunction> functions,
        WorkerChannel channel,
        WorkerHttpEndpoint workerEndpoint,
        ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton<IHostLifetime, Hosting.OwnedLifetime>();
        builder.Services.AddSingleton(channel);
        builder.Services.AddSingleton(workerEndpoint);
        builder.Services.AddHttpForwarder();
        builder.Services.AddSingleton<FunctionInvoker>();
        builder.WebHost.UseUrls(url);

        var app = builder.Build();
        var invoker = app.Services.GetRequiredService<FunctionInvoker>();
        foreach (var function in functions)
        {
            var template = function.PathTemplate(routePrefix);
            var endpoint = function.Methods.Count == 0
                ? app.Map(template, context => invoker.InvokeAsync(context, function))
                : app.MapMethods(template, function.Methods, context => invoker.InvokeAsync(context, function));
            endpoint.WithDisplayName(function.Name);
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new FrontDoorServer(app);
    }

    /// <summary>Stops accepting requests and waits up to <paramref name="timeout"/> for open ones (the worker ends them when it stops).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        await app.StopAsync(deadline.Token).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
