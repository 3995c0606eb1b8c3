using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Measurement;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>Everything one scenario measured on one target. NaN where a phase did not run or failed.</summary>
public sealed record TargetResult
{
    public required TargetKind Target { get; init; }

    /// <summary>How many runs the figures are the median of (latency sample counts are summed).</summary>
    public int Runs { get; init; } = 1;

    /// <summary>Why the scenario stopped early; null when it ran through.</summary>
    public string? Failure { get; init; }

    /// <summary>Request sent → response headers, for the N streams opened together.</summary>
    public LatencySummary Open { get; init; } = LatencySummary.Empty;

    public double WorkingSetBeforeStreamsMb { get; init; } = double.NaN;

    public double WorkingSetIdleStreamsMb { get; init; } = double.NaN;

    /// <summary>(working set with N idle streams − before) / the streams that opened (all N unless some failed), whole process tree.</summary>
    public double KbPerIdleStream { get; init; } = double.NaN;

    /// <summary>The same for the root process alone: the Functions host (NaN for single-process targets).</summary>
    public double KbPerIdleStreamHost { get; init; } = double.NaN;

    /// <summary>The same for the processes the root started: the Functions worker (NaN for single-process targets).</summary>
    public double KbPerIdleStreamWorker { get; init; } = double.NaN;

    /// <summary>Publish → token event parsed by the client, paced phase.</summary>
    public LatencySummary TokenLatency { get; init; } = LatencySummary.Empty;

    public long TokensExpected { get; init; }

    public long TokensReceived { get; init; }

    public int StreamsFailed { get; init; }

    public string? FirstStreamFailure { get; init; }

    /// <summary>Tokens received / (first publish → last end), paced phase: the offered load when the target keeps up.</summary>
    public double PacedTokensPerSecond { get; init; } = double.NaN;

    public double PublisherMaxLagMs { get; init; } = double.NaN;

    public CpuUsage? PacedCpu { get; init; }

    /// <summary>Allocated per token in the paced phase by the process that runs the engine, sampled; with --allocations.</summary>
    public AllocationSplit? PacedAllocations { get; init; }

    /// <summary>Tokens of a backlog delivered per second (all streams connect at once to a full subscription).</summary>
    public double DrainTokensPerSecond { get; init; } = double.NaN;

    public CpuUsage? DrainCpu { get; init; }

    /// <summary>Service CPU time per delivered token in the drain phase, microseconds.</summary>
    public double ServiceCpuMicrosecondsPerToken { get; init; } = double.NaN;

    /// <summary>Request sent → first token event, the token already waiting, one stream at a time on an idle service.</summary>
    public LatencySummary IdleTimeToFirstToken { get; init; } = LatencySummary.Empty;

    /// <summary>Request sent → first token event for the N streams connecting together to the drain phase's backlog.</summary>
    public LatencySummary DrainTimeToFirstToken { get; init; } = LatencySummary.Empty;

    public double PeakWorkingSetMb { get; init; } = double.NaN;

    /// <summary>Client disconnect → the session accepted by another receiver.</summary>
    public LatencySummary SessionRelease { get; init; } = LatencySummary.Empty;
}
