using System.Runtime.InteropServices;
using SseFunctions.Benchmarks;
using SseFunctions.Benchmarks.BaselineRelay;
using SseFunctions.Benchmarks.Cli;

// One executable, two roles: the benchmark (default) and, started by the benchmark as its own process, the baseline relay.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    // Let the benchmark stop its child processes before it exits.
    eventArgs.Cancel = true;
    stop.Cancel();
};

using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});

if (BaselineRelayOptions.IsRequested(args))
{
    if (!BaselineRelayOptions.TryParse(args, out var relayOptions, out var relayProblem))
    {
        await Console.Error.WriteLineAsync($"error: {relayProblem}");
        return 2;
    }

    return await BaselineRelayServer.RunAsync(relayOptions, stop.Token);
}

if (!BenchmarkOptions.TryParse(args, out var options, out var problem))
{
    await Console.Error.WriteLineAsync($"error: {problem}");
    await Console.Error.WriteLineAsync(BenchmarkOptions.Usage);
    return 2;
}

if (options.ShowHelp)
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

return await BenchmarkCommand.RunAsync(options, stop.Token);
