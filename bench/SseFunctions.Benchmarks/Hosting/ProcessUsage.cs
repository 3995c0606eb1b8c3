namespace SseFunctions.Benchmarks.Hosting;

/// <summary>A process's CPU time so far and its working set at one moment.</summary>
public readonly record struct ProcessUsage(TimeSpan CpuTime, long WorkingSetBytes)
{
    public static ProcessUsage operator +(ProcessUsage left, ProcessUsage right) =>
        new(left.CpuTime + right.CpuTime, left.WorkingSetBytes + right.WorkingSetBytes);
}
