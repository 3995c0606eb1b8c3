namespace SseFunctions.Benchmarks.Hosting;

/// <summary>A process's CPU time so far and its working set at one moment.</summary>
public readonly record struct ProcessUsage(TimeSpan CpuTime, long WorkingSetBytes);
