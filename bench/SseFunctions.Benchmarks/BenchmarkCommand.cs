using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Hosting;
using SseFunctions.Benchmarks.Reporting;
using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks;

/// <summary>The benchmark: builds what it starts, runs every scenario on every target, then the cold-start phase on
/// every service target, prints the tables, writes the JSON.</summary>
public static class BenchmarkCommand
{
    public static async Task<int> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var layout = RepositoryLayout.Find(options.ReadyToRun);
        try
        {
            if (options.Build)
            {
                await ReleaseBuild.RunAsync(layout, options.Targets.ToArray(), cancellationToken);
            }
            else if (layout.ReadyToRun && !File.Exists(layout.DevServerDll) && !File.Exists(Path.Combine(layout.FunctionsScriptRoot, "SseFunctions.dll")))
            {
                Console.Error.WriteLine($"--ready-to-run --no-build: no ReadyToRun publish on disk ({layout.PublishOutputOf("SseFunctions.DevServer")}). Run once without --no-build.");
                return 2;
            }

            var machine = MachineDescription.Current();
            Console.WriteLine(machine.Note);
            Console.WriteLine(Settings(options));
            if (options.Repeat > 1)
            {
                Console.WriteLine($"Each figure is the median of {options.Repeat} runs per target.");
            }

            var scenarios = options.ScenariosEnabled ? await RunScenariosAsync(layout, options, cancellationToken) : [];
            var (coldStarts, coldStartRuns) = options.ColdStart ? await RunColdStartsAsync(layout, options, cancellationToken) : ([], []);
            var report = new BenchmarkReport(DateTimeOffset.UtcNow, machine, options.ReadyToRun, options.ServiceEnvironment, scenarios, coldStarts, coldStartRuns);
            Console.WriteLine();
            Console.WriteLine(Settings(options));
            Console.WriteLine(ResultTable.Format(report));
            if (coldStarts.Count > 0)
            {
                Console.WriteLine(ColdStartTable.Format(report));
            }

            var jsonPath = Path.IsPathRooted(options.JsonPath) ? options.JsonPath : Path.Combine(layout.Root, options.JsonPath);
            await JsonReportWriter.WriteAsync(report, jsonPath, cancellationToken);
            Console.WriteLine($"written to {jsonPath}");
            var failed = scenarios.SelectMany(s => s.Results).Any(r => r.Failure is not null) || coldStarts.Any(r => r.Failure is not null);
            return failed ? 1 : 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("stopped.");
            return 130;
        }
    }

    private static string Settings(BenchmarkOptions options) =>
        $"services: {(options.ReadyToRun ? "ReadyToRun publish (linux-x64)" : "Release build")}"
        + (options.ServiceEnvironment.Count == 0 ? "" : "; service environment: " + string.Join(", ", options.ServiceEnvironment.Select(e => $"{e.Key}={e.Value}")));

    private static async Task<List<ScenarioReport>> RunScenariosAsync(RepositoryLayout layout, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var runner = new ScenarioRunner(layout, options.ServiceEnvironment, options.RecordAllocations);
        var scenarios = new List<ScenarioReport>();
        foreach (var streams in options.StreamCounts)
        {
            var parameters = new ScenarioParameters(
                streams,
                options.TokensPerStream,
                options.TokensPerSecondPerStream,
                options.DrainTokens == 0 ? 0 : Math.Max(1, options.DrainTokens / streams),
                options.ReleaseProbes);
            // Targets take turns, so that whatever else happens on the machine meanwhile is spread over all of them.
            var runs = new List<TargetResult>();
            for (var repeat = 1; repeat <= options.Repeat; repeat++)
            {
                foreach (var target in options.Targets)
                {
                    Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {target}: {parameters.Describe()}, drain {parameters.DrainTokensPerStream} tok/stream, {parameters.ReleaseProbes} probes, run {repeat} of {options.Repeat}");
                    runs.Add(await runner.RunAsync(target, parameters, cancellationToken));
                }
            }

            var results = options.Targets.Select(target => RunMedian.Of(runs.Where(r => r.Target == target).ToArray())).ToArray();
            scenarios.Add(new ScenarioReport(parameters, results, runs));
        }

        return scenarios;
    }

    private static async Task<(List<ColdStartResult> Medians, List<ColdStartResult> Runs)> RunColdStartsAsync(RepositoryLayout layout, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var runner = new ColdStartRunner(layout, options.ServiceEnvironment);
        var parameters = new ColdStartParameters(options.ColdStartTokens);
        var targets = options.Targets.Where(t => t != TargetKind.Direct).ToArray();
        var runs = new List<ColdStartResult>();
        for (var repeat = 1; repeat <= options.Repeat; repeat++)
        {
            foreach (var target in targets)
            {
                Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {target}: {parameters.Describe()}, run {repeat} of {options.Repeat}");
                runs.Add(await runner.RunAsync(target, parameters, cancellationToken));
            }
        }

        return (targets.Select(target => ColdStartRunner.Median(runs.Where(r => r.Target == target).ToArray())).ToList(), runs);
    }
}
