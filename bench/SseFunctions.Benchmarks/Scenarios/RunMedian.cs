using SseFunctions.Benchmarks.Measurement;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>
/// Combines repeated runs of one target into one result: every figure is the median of the runs that completed
/// (NaN ignored), so one run disturbed by something else on a shared machine does not decide the figure.
/// </summary>
public static class RunMedian
{
    public static TargetResult Of(IReadOnlyList<TargetResult> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        var completed = runs.Where(r => r.Failure is null).ToArray();
        if (completed.Length == 0)
        {
            return runs[0] with { Runs = runs.Count };
        }

        if (completed.Length == 1 && runs.Count == 1)
        {
            return completed[0];
        }

        return completed[0] with
        {
            Runs = runs.Count,
            Failure = runs.Select(r => r.Failure).FirstOrDefault(f => f is not null) is { } failure ? $"{runs.Count - completed.Length} of {runs.Count} runs failed: {failure}" : null,
            Open = Median(completed, r => r.Open),
            WorkingSetBeforeStreamsMb = Median(completed, r => r.WorkingSetBeforeStreamsMb),
            WorkingSetIdleStreamsMb = Median(completed, r => r.WorkingSetIdleStreamsMb),
            KbPerIdleStream = Median(completed, r => r.KbPerIdleStream),
            KbPerIdleStreamHost = Median(completed, r => r.KbPerIdleStreamHost),
            KbPerIdleStreamWorker = Median(completed, r => r.KbPerIdleStreamWorker),
            TokenLatency = Median(completed, r => r.TokenLatency),
            TokensExpected = completed.Sum(r => r.TokensExpected),
            TokensReceived = completed.Sum(r => r.TokensReceived),
            StreamsFailed = completed.Sum(r => r.StreamsFailed),
            FirstStreamFailure = completed.Select(r => r.FirstStreamFailure).FirstOrDefault(f => f is not null),
            PacedTokensPerSecond = Median(completed, r => r.PacedTokensPerSecond),
            PublisherMaxLagMs = Median(completed, r => r.PublisherMaxLagMs),
            PacedCpu = Median(completed, r => r.PacedCpu),
            PacedAllocations = Median(completed, r => r.PacedAllocations),
            DrainTokensPerSecond = Median(completed, r => r.DrainTokensPerSecond),
            DrainCpu = Median(completed, r => r.DrainCpu),
            ServiceCpuMicrosecondsPerToken = Median(completed, r => r.ServiceCpuMicrosecondsPerToken),
            IdleTimeToFirstToken = Median(completed, r => r.IdleTimeToFirstToken),
            DrainTimeToFirstToken = Median(completed, r => r.DrainTimeToFirstToken),
            PeakWorkingSetMb = Median(completed, r => r.PeakWorkingSetMb),
            SessionRelease = Median(completed, r => r.SessionRelease),
        };
    }

    private static LatencySummary Median(IReadOnlyList<TargetResult> runs, Func<TargetResult, LatencySummary> read)
    {
        var summaries = runs.Select(read).Where(s => s.Count > 0).ToArray();
        return summaries.Length == 0 ? LatencySummary.Empty : new LatencySummary(
            summaries.Sum(s => s.Count),
            Median(summaries, s => s.P50Ms),
            Median(summaries, s => s.P90Ms),
            Median(summaries, s => s.P99Ms),
            Median(summaries, s => s.MaxMs));
    }

    private static CpuUsage? Median(IReadOnlyList<TargetResult> runs, Func<TargetResult, CpuUsage?> read)
    {
        var usages = runs.Select(read).OfType<CpuUsage>().ToArray();
        return usages.Length == 0 ? null : new CpuUsage(
            TimeSpan.FromSeconds(Median(usages, u => u.WallTime.TotalSeconds)),
            Median(usages, u => u.ServiceSeconds),
            Median(usages, u => u.BrokerSeconds),
            Median(usages, u => u.LoadGeneratorSeconds),
            Median(usages, u => u.OtherProcessesSeconds));
    }

    private static AllocationSplit? Median(IReadOnlyList<TargetResult> runs, Func<TargetResult, AllocationSplit?> read)
    {
        var splits = runs.Select(read).OfType<AllocationSplit>().ToArray();
        if (splits.Length == 0)
        {
            return null;
        }

        var owners = splits.SelectMany(s => s.BytesPerTokenByOwner.Keys).Distinct();
        return new AllocationSplit(
            Median(splits, s => s.TotalBytesPerToken),
            owners.ToDictionary(owner => owner, owner => Median(splits, s => s.Of(owner))),
            splits[0].TopOwnSites);
    }

    internal static double Median<T>(IEnumerable<T> items, Func<T, double> read)
    {
        var values = items.Select(read).Where(v => !double.IsNaN(v)).Order().ToArray();
        return values.Length == 0 ? double.NaN
            : values.Length % 2 == 1 ? values[values.Length / 2]
            : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
    }
}
