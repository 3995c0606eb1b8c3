using System.Globalization;
using System.Text;
using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>The cold-start phase as a plain-text table: per service target, its start, its first tokens and the same
/// workload warm, and the ratio of their CPU per token (DESIGN §8: at most 2).</summary>
public static class ColdStartTable
{
    private static readonly (string Label, Func<ColdStartResult, double> Read, string Format)[] Rows =
    [
        ("start → /health answered ms", r => r.StartupMs, "0"),
        ("start-up CPU s (to /health)", r => r.StartupCpuSeconds, "0.00"),
        ("first tokens: service CPU µs/token", r => r.Cold.ServiceCpuMicrosecondsPerToken, "0"),
        ("first tokens: latency p50 ms", r => r.Cold.Latency.P50Ms, "0.00"),
        ("first tokens: latency p99 ms", r => r.Cold.Latency.P99Ms, "0.00"),
        ("first tokens: latency max ms", r => r.Cold.Latency.MaxMs, "0.00"),
        ("first tokens: other processes CPU s", r => r.Cold.Cpu?.OtherProcessesSeconds ?? double.NaN, "0.00"),
        ("warm: service CPU µs/token", r => r.Warm.ServiceCpuMicrosecondsPerToken, "0"),
        ("warm: latency p50 ms", r => r.Warm.Latency.P50Ms, "0.00"),
        ("warm: latency p99 ms", r => r.Warm.Latency.P99Ms, "0.00"),
        ("warm: other processes CPU s", r => r.Warm.Cpu?.OtherProcessesSeconds ?? double.NaN, "0.00"),
        ("CPU per token, first / warm (≤ 2)", r => r.CpuRatio, "0.00"),
        ("runs (figures are their medians)", r => r.Runs, "0"),
    ];

    public static string Format(BenchmarkReport report)
    {
        const int labelWidth = 40;
        const int valueWidth = 10;
        var text = new StringBuilder();
        var first = report.ColdStarts[0];
        var tokens = first.Cold.TokensReceived / Math.Max(1, first.Runs);
        text.Append(CultureInfo.InvariantCulture, $"{$"cold start: a fresh process, ~{tokens} tokens",-labelWidth}");
        foreach (var result in report.ColdStarts)
        {
            text.Append(CultureInfo.InvariantCulture, $" {result.Target.ToString().ToLowerInvariant(),valueWidth}");
        }

        text.AppendLine().AppendLine(new string('-', labelWidth + ((valueWidth + 1) * report.ColdStarts.Count)));
        foreach (var (label, read, format) in Rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"{label,-labelWidth}");
            foreach (var result in report.ColdStarts)
            {
                var value = read(result);
                text.Append(CultureInfo.InvariantCulture, $" {(double.IsNaN(value) || double.IsInfinity(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture)),valueWidth}");
            }

            text.AppendLine();
        }

        foreach (var result in report.ColdStarts.Where(r => r.Failure is not null))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{result.Target} note: {result.Failure}");
        }

        return text.ToString();
    }
}
