using System.Globalization;
using System.Text;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Measurement;
using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>The report as one plain-text table: per scenario, each figure for every target that ran (ours, the
/// Functions app, the baseline, the direct floor where the figure exists for it), ours/baseline and functions/ours;
/// then the latency each service adds above that floor.</summary>
public static class ResultTable
{
    private static readonly Metric[] Metrics =
    [
        new("open: request → headers p50 ms", r => r.Open.P50Ms),
        new("open: request → headers p99 ms", r => r.Open.P99Ms),
        new("latency samples (tokens)", r => r.TokenLatency.Count, "0"),
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
        new("paced: other processes CPU s", r => r.PacedCpu?.OtherProcessesSeconds ?? double.NaN, "0.00"),
        new("paced: wall time s", r => r.PacedCpu?.WallTime.TotalSeconds ?? double.NaN, "0.00"),
        new("paced: allocated B/token (sampled)", r => r.PacedAllocations?.TotalBytesPerToken ?? double.NaN, "0"),
        new("  of which ours", r => r.PacedAllocations?.Of(AllocationSplit.Ours) ?? double.NaN, "0"),
        new("  of which the Service Bus SDK", r => r.PacedAllocations?.Of(AllocationSplit.ServiceBusSdk) ?? double.NaN, "0"),
        new("  of which ASP.NET Core", r => r.PacedAllocations?.Of(AllocationSplit.AspNetCore) ?? double.NaN, "0"),
        new("  of which the Functions worker", r => r.PacedAllocations?.Of(AllocationSplit.FunctionsWorker) ?? double.NaN, "0"),
        new("drain: delivered tokens/s", r => r.DrainTokensPerSecond, "0"),
        new("drain: service CPU µs/token", r => r.ServiceCpuMicrosecondsPerToken, "0.0"),
        new("drain: broker CPU s", r => r.DrainCpu?.BrokerSeconds ?? double.NaN, "0.00"),
        new("drain: load generator CPU s", r => r.DrainCpu?.LoadGeneratorSeconds ?? double.NaN, "0.00"),
        new("drain: other processes CPU s", r => r.DrainCpu?.OtherProcessesSeconds ?? double.NaN, "0.00"),
        new("drain: time to first token p50 ms", r => r.DrainTimeToFirstToken.P50Ms),
        new("drain: time to first token p99 ms", r => r.DrainTimeToFirstToken.P99Ms),
        new("time to first token, alone p50 ms", r => r.IdleTimeToFirstToken.P50Ms),
        new("time to first token, alone max ms", r => r.IdleTimeToFirstToken.MaxMs),
        new("working set before streams MB", r => r.WorkingSetBeforeStreamsMb, "0.0"),
        new("working set, N idle streams MB", r => r.WorkingSetIdleStreamsMb, "0.0"),
        new("memory per idle stream KB", r => r.KbPerIdleStream, "0.0"),
        new("  of which the Functions host KB", r => r.KbPerIdleStreamHost, "0.0"),
        new("  of which the Functions worker KB", r => r.KbPerIdleStreamWorker, "0.0"),
        new("peak working set MB", r => r.PeakWorkingSetMb, "0.0"),
        new("session release p50 ms", r => r.SessionRelease.P50Ms),
        new("session release max ms", r => r.SessionRelease.MaxMs),
        new("streams failed", r => r.StreamsFailed, "0"),
        new("runs (figures are their medians)", r => r.Runs, "0"),
    ];

    private static readonly (TargetKind Kind, string Header)[] Columns =
    [
        (TargetKind.Ours, "ours"),
        (TargetKind.Functions, "functions"),
        (TargetKind.Baseline, "baseline"),
        (TargetKind.Direct, "floor"),
    ];

    public static string Format(BenchmarkReport report)
    {
        const int scenarioWidth = 34;
        const int metricWidth = 36;
        const int valueWidth = 10;
        var text = new StringBuilder();
        var present = Columns.Where(c => report.Scenarios.Any(s => s.Results.Any(r => r.Target == c.Kind))).ToArray();
        var hasRatio = present.Any(c => c.Kind == TargetKind.Baseline) && present.Any(c => c.Kind == TargetKind.Ours);
        var hasHop = present.Any(c => c.Kind == TargetKind.Functions) && present.Any(c => c.Kind == TargetKind.Ours);
        var header = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{"scenario",-scenarioWidth} {"metric",-metricWidth}");
        foreach (var column in present)
        {
            header.Append(CultureInfo.InvariantCulture, $" {column.Header,valueWidth}");
        }

        header.Append(hasRatio ? $" {"ours/base",valueWidth}" : "").Append(hasHop ? $" {"fn/ours",valueWidth}" : "");
        text.AppendLine(header.ToString()).AppendLine(new string('-', header.Length));
        foreach (var scenario in report.Scenarios)
        {
            TargetResult? Of(TargetKind kind) => scenario.Results.FirstOrDefault(r => r.Target == kind);
            var floor = Of(TargetKind.Direct);
            var label = scenario.Parameters.Describe();
            foreach (var metric in Metrics.Concat(floor is null ? [] : AboveFloor(floor)))
            {
                double Read(TargetKind kind) => Of(kind) is { } result && !(kind == TargetKind.Direct && metric.Label.StartsWith("above", StringComparison.Ordinal)) ? metric.Read(result) : double.NaN;
                text.Append(CultureInfo.InvariantCulture, $"{label,-scenarioWidth} {metric.Label,-metricWidth}");
                foreach (var column in present)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {Show(Read(column.Kind), metric.Format),valueWidth}");
                }

                if (hasRatio)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {Show(Ratio(Read(TargetKind.Ours), Read(TargetKind.Baseline)), "0.00"),valueWidth}");
                }

                if (hasHop)
                {
                    text.Append(CultureInfo.InvariantCulture, $" {Show(Ratio(Read(TargetKind.Functions), Read(TargetKind.Ours)), "0.00"),valueWidth}");
                }

                text.AppendLine();
                label = string.Empty;
            }

            foreach (var result in scenario.Results.Where(r => r.Failure is not null || r.FirstStreamFailure is not null))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{string.Empty,-scenarioWidth} {result.Target} note: {result.Failure ?? "first failed stream: " + result.FirstStreamFailure}");
            }

            foreach (var result in scenario.Results.Where(r => r.PacedAllocations is { TopOwnSites.Count: > 0 }))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"{string.Empty,-scenarioWidth} {result.Target}: where our own bytes come from (B/token)");
                foreach (var site in result.PacedAllocations!.TopOwnSites)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"{string.Empty,-scenarioWidth}   {site.BytesPerToken,6:0}  {site.Site}");
                }
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static double Ratio(double value, double reference) =>
        reference is 0 || double.IsNaN(reference) || double.IsNaN(value) ? double.NaN : value / reference;

    /// <summary>What a service adds to the floor's latency (difference of percentiles: an estimate, not a percentile of differences).</summary>
    private static IEnumerable<Metric> AboveFloor(TargetResult floor) =>
    [
        new("above floor: latency p50 ms", r => r.TokenLatency.P50Ms - floor.TokenLatency.P50Ms),
        new("above floor: latency p99 ms", r => r.TokenLatency.P99Ms - floor.TokenLatency.P99Ms),
    ];

    private static string Show(double value, string format) =>
        double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);

    private sealed record Metric(string Label, Func<TargetResult, double> Read, string Format = "0.00");
}
