using System.Runtime.InteropServices;
using SseFunctions.Benchmarks;
using SseFunctions.Benchmarks.BaselineRelay;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Probes;

// One executable, three roles: the benchmark (default); started by the benchmark as its own process, the baseline relay;
// and the receive-path research probe (--receive-probe).
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

if (ReceiveProbeOptions.IsRequested(args))
{
    if (!ReceiveProbeOptions.TryParse(args, out var probeOptions, out var probeProblem))
    {
        await Console.Error.WriteLineAsync($"error: {probeProblem}");
        return 2;
    }

    return await ReceiveProbe.RunAsync(probeOptions, stop.Token);
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
