using SseFunctions.Benchmarks.Hosting;

namespace SseFunctions.Benchmarks.Measurement;

/// <summary>Samples a service's working set (its whole process tree) every <see cref="Interval"/> in the background, keeping the peak.</summary>
public sealed class UsageSampler : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly TargetProcess process;
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private long peakWorkingSet;

    public UsageSampler(TargetProcess process)
    {
        this.process = process;
        sampling = SampleAsync(stop.Token);
    }

    public long PeakWorkingSetBytes => Interlocked.Read(ref peakWorkingSet);

    /// <summary>Forgets the peak so far (e.g. after the warm-up).</summary>
    public void ResetPeak() => Interlocked.Exchange(ref peakWorkingSet, process.ReadUsage().WorkingSetBytes);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        stop.Dispose();
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (!process.Process.HasExited && await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var workingSet = process.ReadUsage().WorkingSetBytes;
                long peak;
                do
                {
                    peak = Interlocked.Read(ref peakWorkingSet);
                }
                while (workingSet > peak && Interlocked.CompareExchange(ref peakWorkingSet, workingSet, peak) != peak);
            }
            catch (InvalidOperationException)
            {
                return; // The process exited between the check and the read.
            }
        }
    }
}
