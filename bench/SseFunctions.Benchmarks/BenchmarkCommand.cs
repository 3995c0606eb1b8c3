using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Hosting;
using SseFunctions.Benchmarks.Reporting;
using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks;

/// <summary>The benchmark: builds what it starts, runs every scenario on every target, prints the table, writes the JSON.</summary>
public static class BenchmarkCommand
{
    public static async Task<int> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var layout = RepositoryLayout.Find();
        try
        {
            if (options.Build)
            {
                await ReleaseBuild.RunAsync(layout, cancellationToken);
            }

            var runner = new ScenarioRunner(layout);
            var report = new BenchmarkReport(DateTimeOffset.UtcNow, MachineDescription.Current(), []);
            Console.WriteLine(report.Machine.Note);
            if (options.Repeat > 1)
            {
                Console.WriteLine($"Each figure is the median of {options.Repeat} runs per target.");
            }
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

            report = report with { Scenarios = scenarios };
            Console.WriteLine();
            Console.WriteLine(ResultTable.Format(report));
            var jsonPath = Path.IsPathRooted(options.JsonPath) ? options.JsonPath : Path.Combine(layout.Root, options.JsonPath);
            await JsonReportWriter.WriteAsync(report, jsonPath, cancellationToken);
            Console.WriteLine($"written to {jsonPath}");
            return scenarios.SelectMany(s => s.Results).Any(r => r.Failure is not null) ? 1 : 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("stopped.");
            return 130;
        }
    }
}
