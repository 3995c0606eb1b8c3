using SseFunctions.LocalFunctionsHost.Hosting;
using SseFunctions.LocalFunctionsHost.ScriptRoot;

var (options, error) = CommandLine.Parse(args);
if (options is null)
{
    Console.Error.WriteLine($"error: {error}");
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

using var loggerFactory = LoggerFactory.Create(logging => logging
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; })
    .SetMinimumLevel(LogLevel.Information)
    .AddFilter("Microsoft.AspNetCore", LogLevel.Warning)
    .AddFilter("Grpc", LogLevel.Warning)
    .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning)
    .AddFilter("Yarp", LogLevel.Warning));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

LocalFunctionsHostApp host;
try
{
    host = await LocalFunctionsHostApp.StartAsync(options, loggerFactory, stop.Token);
}
catch (Exception exception) when (exception is HostStartException or ScriptRootException)
{
    Console.Error.WriteLine($"error: {exception.Message}");
    return 1;
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
    return 0;
}

await using (host)
{
    Console.WriteLine($"SSE Functions under the local Functions host: {host.BaseAddress} (Ctrl+C to stop)");
    var stopped = Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
    if (await Task.WhenAny(stopped, host.WorkerExited) == host.WorkerExited)
    {
        Console.Error.WriteLine($"error: the worker exited with code {await host.WorkerExited}.");
        return 1;
    }
}

return 0;
