namespace SseFunctions.Benchmarks.Reporting;

/// <summary>One run of the benchmark: where it ran, and each scenario with every target's figures.</summary>
public sealed record BenchmarkReport(DateTimeOffset StartedAt, MachineDescription Machine, IReadOnlyList<ScenarioReport> Scenarios);
