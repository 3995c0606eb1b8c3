using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Measurement;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>What a fresh service process did with its first tokens, and the same workload once it was warm.</summary>
public sealed record ColdStartResult
{
    public required TargetKind Target { get; init; }

    public int Runs { get; init; } = 1;

    public string? Failure { get; init; }

    /// <summary>Process started → first <c>/health</c> 200.</summary>
    public double StartupMs { get; init; } = double.NaN;

    /// <summary>Service CPU seconds (whole process tree) spent until it answered <c>/health</c>.</summary>
    public double StartupCpuSeconds { get; init; } = double.NaN;

    public ColdStartRound Cold { get; init; } = ColdStartRound.Empty;

    public ColdStartRound Warm { get; init; } = ColdStartRound.Empty;

    /// <summary>Cold CPU per token / warm CPU per token of the same run (the target: at most 2); of several runs, the
    /// median of their ratios.</summary>
    public double CpuRatio { get; init; } = double.NaN;
}

/// <summary>One round of the cold-start workload: streams opened, tokens published paced, all ended.</summary>
public sealed record ColdStartRound(LatencySummary Latency, long TokensReceived, int StreamsFailed, double ServiceCpuMicrosecondsPerToken, CpuUsage? Cpu)
{
    public static readonly ColdStartRound Empty = new(LatencySummary.Empty, 0, 0, double.NaN, null);
}
