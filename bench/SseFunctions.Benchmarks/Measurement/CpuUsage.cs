namespace SseFunctions.Benchmarks.Measurement;

/// <summary>CPU seconds per process over a phase of <see cref="WallTime"/>, and what every other process on the machine
/// took meanwhile (<see cref="OtherProcessesSeconds"/>: NaN off Linux); the machine has <see cref="Environment.ProcessorCount"/> cores in all.</summary>
public sealed record CpuUsage(TimeSpan WallTime, double ServiceSeconds, double BrokerSeconds, double LoadGeneratorSeconds, double OtherProcessesSeconds);
