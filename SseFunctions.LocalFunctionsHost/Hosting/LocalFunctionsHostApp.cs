using System.Collections;
using SseFunctions.LocalFunctionsHost.FrontDoor;
using SseFunctions.LocalFunctionsHost.Functions;
using SseFunctions.LocalFunctionsHost.Rpc;
using SseFunctions.LocalFunctionsHost.ScriptRoot;
using SseFunctions.LocalFunctionsHost.Worker;
using SseFunctions.Streaming.Access.Redaction;

namespace SseFunctions.LocalFunctionsHost.Hosting;

/// <summary>
/// Serves a Functions app's build output as <c>func start</c> does: starts the real isolated worker, runs the
/// worker protocol's handshake with it, then opens the HTTP front door on the functions' routes.
/// </summary>
public sealed partial class LocalFunctionsHostApp : IAsyncDisposable
{
    private readonly WorkerRpcServer rpcServer;
    private readonly WorkerChannel channel;
    private readonly WorkerProcess worker;
    private readonly FrontDoorServer frontDoor;
    private readonly LocalFunctionsHostOptions options;
    private readonly ILogger logger;
    private int stopped;

    private LocalFunctionsHostApp(WorkerRpcServer rpcServer, WorkerChannel channel, WorkerProcess worker, FrontDoorServer frontDoor, IReadOnlyList<HttpFunction> functions, LocalFunctionsHostOptions options, ILogger logger)
    {
        this.rpcServer = rpcServer;
        this.channel = channel;
        this.worker = worker;
        this.frontDoor = frontDoor;
        this.options = options;
        this.logger = logger;
        Functions = functions;
    }

    public Uri BaseAddress => frontDoor.BaseAddress;

    public IReadOnlyList<HttpFunction> Functions { get; }

    public int WorkerProcessId => worker.Id;

    /// <summary>Completes with the worker's exit code when the worker process has exited (stopped, or died).</summary>
    public Task<int> WorkerExited => worker.Exited;

    public static async Task<LocalFunctionsHostApp> StartAsync(LocalFunctionsHostOptions options, ILoggerFactory loggerFactory, CancellationToken cancellationToken = default)
    {
        // The front door's request and proxy lines carry the URL, and a stream's URL may carry its access token.
        loggerFactory = new RedactingLoggerFactory(loggerFactory);
        var logger = loggerFactory.CreateLogger<LocalFunctionsHostApp>();
        var scriptRoot = Path.GetFullPath(options.ScriptRoot);
        var hostJson = HostJson.Load(scriptRoot);
        var workerConfig = WorkerConfig.Load(scriptRoot);
        var appSettings = AppSettings(LocalSettings.LoadValues(scriptRoot), options.AppSettings);

        var channel = new WorkerChannel(Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), new WorkerLogForwarder(loggerFactory), loggerFactory.CreateLogger<WorkerChannel>());
        var rpcServer = await WorkerRpcServer.StartAsync(channel, loggerFactory, cancellationToken).ConfigureAwait(false);
        WorkerProcess? worker = null;
        try
        {
            var startInfo = WorkerStartInfo.Create(scriptRoot, workerConfig, rpcServer.Address, channel.WorkerId, channel.RequestId, WorkerRpcServer.MaxMessageLength, appSettings);
            worker = WorkerProcess.Start(startInfo, loggerFactory.CreateLogger("Worker.Console"));
            var functions = await InitializeAsync(channel, worker, scriptRoot, options.StartTimeout, cancellationToken).ConfigureAwait(false);
            var httpFunctions = functions.Select(HttpFunction.FromMetadata).OfType<HttpFunction>().ToArray();
            var workerEndpoint = WorkerEndpoint(channel);
            await WaitForWorkerHttpAsync(workerEndpoint, worker, options.StartTimeout, cancellationToken).ConfigureAwait(false);

            var frontDoor = await FrontDoorServer.StartAsync(options.Url, hostJson.RoutePrefix, httpFunctions, channel, workerEndpoint, loggerFactory, cancellationToken).ConfigureAwait(false);
            var app = new LocalFunctionsHostApp(rpcServer, channel, worker, frontDoor, httpFunctions, options, logger);
            foreach (var function in httpFunctions)
            {
                Log.FunctionMapped(logger, function.Name, function.Methods.Count == 0 ? "all" : string.Join(',', function.Methods), app.BaseAddress.ToString().TrimEnd('/') + function.PathTemplate(hostJson.RoutePrefix), function.AuthorizationLevel);
            }

            return app;
        }
        catch
        {
            if (worker is not null)
            {
                channel.Terminate(TimeSpan.Zero);
                await worker.StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                await worker.DisposeAsync().ConfigureAwait(false);
            }

            await rpcServer.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends WorkerTerminate (the worker's host stops: open streams end), lets open requests finish, stops the worker.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        Log.Stopping(logger);
        channel.Terminate(options.StopGracePeriod);
        await frontDoor.StopAsync(options.StopGracePeriod).ConfigureAwait(false);
        await worker.StopAsync(options.StopGracePeriod).ConfigureAwait(false);
        await rpcServer.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await frontDoor.DisposeAsync().ConfigureAwait(false);
        await worker.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>local.settings.json values, then this process's environment over them (as Core Tools), then the caller's settings.</summary>
    private static Dictionary<string, string> AppSettings(IReadOnlyDictionary<string, string> localSettings, IReadOnlyDictionary<string, string> overrides)
    {
        var settings = new Dictionary<string, string>(localSettings);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            settings.Remove((string)variable.Key);
        }

        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }

        return settings;
    }

    private static async Task<IReadOnlyList<Rpc.Messages.RpcFunctionMetadata>> InitializeAsync(WorkerChannel channel, WorkerProcess worker, string scriptRoot, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var initializing = channel.InitializeAsync(scriptRoot, deadline.Token);
        if (await Task.WhenAny(initializing, worker.Exited).ConfigureAwait(false) != initializing)
        {
            throw new HostStartException($"The worker exited with code {worker.Exited.Result} before its functions were loaded.{Environment.NewLine}{worker.LastErrors}");
        }

        try
        {
            return await initializing.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HostStartException($"The worker did not connect and load its functions within {timeout.TotalSeconds} s.");
        }
        catch (WorkerChannelException exception)
        {
            throw new HostStartException(exception.Message, exception);
        }
    }

    private static WorkerHttpEndpoint WorkerEndpoint(WorkerChannel channel) =>
        channel.WorkerCapabilities.TryGetValue(WorkerChannel.HttpUriCapability, out var uri) && Uri.TryCreate(uri, UriKind.Absolute, out var address)
            ? new WorkerHttpEndpoint(address)
            : throw new HostStartException("The worker did not announce an HttpUri: the app must use the ASP.NET Core integration (ConfigureFunctionsWebApplication).");

    private static async Task WaitForWorkerHttpAsync(WorkerHttpEndpoint endpoint, WorkerProcess worker, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var listening = endpoint.WaitUntilListeningAsync(timeout, cancellationToken);
        if (await Task.WhenAny(listening, worker.Exited).ConfigureAwait(false) != listening)
        {
            throw new HostStartException($"The worker exited with code {worker.Exited.Result} before its HTTP server listened.{Environment.NewLine}{worker.LastErrors}");
        }

        try
        {
            await listening.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HostStartException($"The worker's HTTP server ({endpoint.Address}) did not listen within {timeout.TotalSeconds} s.");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Function '{FunctionName}': [{Methods}] {Url} (authLevel {AuthorizationLevel}).")]
        public static partial void FunctionMapped(ILogger logger, string functionName, string methods, string url, FunctionAuthorizationLevel authorizationLevel);

        [LoggerMessage(2, LogLevel.Information, "Stopping: WorkerTerminate sent.")]
        public static partial void Stopping(ILogger logger);
    }
}
