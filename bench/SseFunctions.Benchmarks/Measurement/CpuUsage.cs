namespace SseFunctions.Benchmarks.Measurement;

/// <summary>CPU seconds per process over a phase of <see cref="WallTime"/>; the machine has <see cref="Environment.ProcessorCount"/> cores in all.</summary>
public sealed record CpuUsage(TimeSpan WallTime, double ServiceSeconds, double BrokerSeconds, double LoadGeneratorSeconds);
