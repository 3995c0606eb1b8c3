using System.Globalization;
using System.Text;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>The report as one plain-text table: per scenario, each figure for ours and the baseline, and their ratio.</summary>
public static class ResultTable
{
    private static readonly Metric[] Metrics =
    [
        new("open: request → headers p50 ms", r => r.Open.P50Ms),
        new("open: request → headers p99 ms", r => r.Open.P99Ms),
        new("latency publish → event p50 ms", r => r.TokenLatency.P50Ms),
        new("latency publish → event p90 ms", r => r.TokenLatency.P90Ms),
        new("latency publish → event p99 ms", r => r.TokenLatency.P99Ms),
        new("latency publish → event max ms", r => r.TokenLatency.MaxMs),
        new("tokens received / expected", r => r.TokensExpected == 0 ? double.NaN : (double)r.TokensReceived / r.TokensExpected, "0.000"),
        new("paced: delivered tokens/s", r => r.PacedTokensPerSecond, "0"),
        new("paced: publisher max lag ms", r => r.PublisherMaxLagMs),
        new("paced: service CPU s", r => r.PacedCpu?.ServiceSeconds ?? double.NaN, "0.00"),
        new("paced: broker CPU s", r => r.PacedCpu?.BrokerSeconds ?? double.NaN, "0.00"),
        new("paced: load generator CPU s", r => r.PacedCpu?.LoadGeneratorSeconds ?? double.NaN, "0.00"),
        new("drain: delivered tokens/s", r => r.DrainTokensPerSecond, "0"),
        new("drain: service CPU µs/token", r => r.ServiceCpuMicrosecondsPerToken, "0.0"),
        new("drain: broker CPU s", r => r.DrainCpu?.BrokerSeconds ?? double.NaN, "0.00"),
        new("drain: load generator CPU s", r => r.DrainCpu?.LoadGeneratorSeconds ?? double.NaN, "0.00"),
        new("time to first token p50 ms", r => r.TimeToFirstToken.P50Ms),
        new("time to first token p99 ms", r => r.TimeToFirstToken.P99Ms),
        new("working set before streams MB", r => r.WorkingSetBeforeStreamsMb, "0.0"),
        new("working set, N idle streams MB", r => r.WorkingSetIdleStreamsMb, "0.0"),
        new("memory per idle stream KB", r => r.KbPerIdleStream, "0.0"),
        new("peak working set MB", r => r.PeakWorkingSetMb, "0.0"),
        new("session release p50 ms", r => r.SessionRelease.P50Ms),
        new("session release max ms", r => r.SessionRelease.MaxMs),
        new("streams failed", r => r.StreamsFailed, "0"),
    ];

    public static string Format(BenchmarkReport report)
    {
        const int scenarioWidth = 34;
        const int metricWidth = 33;
        const int valueWidth = 11;
        var text = new StringBuilder();
        var header = $"{"scenario",-scenarioWidth} {"metric",-metricWidth} {"ours",valueWidth} {"baseline",valueWidth} {"ours/base",valueWidth}";
        text.AppendLine(header).AppendLine(new string('-', header.Length));
        foreach (var scenario in report.Scenarios)
        {
            var ours = scenario.Results.FirstOrDefault(r => r.Target == TargetKind.Ours);
            var baseline = scenario.Results.FirstOrDefault(r => r.Target == TargetKind.Baseline);
            var label = scenario.Parameters.Describe();
            foreach (var metric in Metrics)
            {
                var ourValue = ours is null ? double.NaN : metric.Read(ours);
                var baseValue = baseline is null ? double.NaN : metric.Read(baseline);
                var ratio = baseValue is 0 || double.IsNaN(baseValue) || double.IsNaN(ourValue) ? double.NaN : ourValue / baseValue;
                text.Append(CultureInfo.InvariantCulture, $"{label,-scenarioWidth} {metric.Label,-metricWidth} ")
                    .Append(CultureInfo.InvariantCulture, $"{Show(ourValue, metric.Format),valueWidth} {Show(baseValue, metric.Format),valueWidth} {Show(ratio, "0.00"),valueWidth}")
                    .AppendLine();
                label = string.Empty;
            }

            foreach (var result in scenario.Results.Where(r => r.Failure is not null || r.FirstStreamFailure is not null))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{string.Empty,-scenarioWidth} {result.Target} note: {result.Failure ?? "first failed stream: " + result.FirstStreamFailure}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Show(double value, string format) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private sealed record Metric(string Label, Func<TargetResult, double> Read, string Format = "0.00");
}
